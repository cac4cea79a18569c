"""Child process of test_timeseries_crash.py: appends batches of samples to
a time series with durability="sync" and reports each acknowledged append
in ACK_FILE ("A <batch>") until it is killed.

batch_samples(b) derives a batch's samples from its number alone (series,
times, values; sizes from one sample, which goes to the head, to thousands,
which are sealed into chunks straight away; some late, overwriting earlier
samples), so the checker can rebuild what the series must hold.

Usage: python timeseries_crash_writer.py DB_PATH ROUND SEED ACK_FILE
"""

import random
import sys

import numpy as np

import embodb

SCHEMA = {"ts": "timestamp", "robot": "string", "v": "float64", "batch": "int64"}


def batch_samples(b: int) -> dict:
    rng = random.Random(b)
    n = rng.choice([1, 1, 3, 40, 300, 1500])
    start = b * 2_000 + (rng.randrange(-6_000, 0) if rng.random() < 0.25 else 0)  # late ones overwrite
    ts = np.sort(np.random.default_rng(b).choice(np.arange(start, start + 4 * n + 10), n, replace=False)) * 1_000_000
    return {"ts": ts, "robot": [f"r{b % 3}"] * n, "v": ts / 1e9 + b, "batch": np.full(n, b)}


def main() -> None:
    path, round_no, ack_file = sys.argv[1], int(sys.argv[2]), sys.argv[4]  # the seed (argv[3]) is not needed
    db = embodb.connect(path, durability="sync", write_buffer_size=128 << 10, target_file_size=128 << 10)
    if "imu" not in db:
        db.create_timeseries("imu", SCHEMA, tags=("robot",))
    imu = db["imu"]
    out = open(ack_file, "w", buffering=1)
    b = round_no * 100_000
    while True:
        imu.append(batch_samples(b))
        out.write(f"A {b}\n")
        b += 1


if __name__ == "__main__":
    main()
