"""Child process of test_crash.py: writes with durability="sync" and reports
each acknowledged operation in ACK_FILE, until it is killed. (A report that
write(2) accepted is in the page cache and survives the writer's SIGKILL.)

Usage: python crash_writer.py DB_PATH ROUND SEED ACK_FILE
Each line is "P <key>" (put acknowledged), "T <key>" (about to delete: from
here on the key may or may not exist) or "D <key>" (delete acknowledged).
"""

import random
import sys

import embodb


def value_for(key: bytes) -> bytes:
    """The value a key must have: derived from the key, so the checker knows it.
    Some are large enough for blob files."""
    rng = random.Random(key)
    size = rng.choice([0, 10, 100, 1000, 5000, 20000])
    unit = key + b"|"
    return (unit * (size // len(unit) + 1))[:size]


def main() -> None:
    path, round_no, seed, ack_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    # Small buffers: flushes and compactions run while the process is killed.
    db = embodb.connect(path, durability="sync", write_buffer_size=128 << 10,
                        target_file_size=128 << 10, min_blob_size=4096)
    out = open(ack_file, "w", buffering=1)  # line-buffered: one write(2) per line
    written = []
    i = 0
    while True:
        action = rng.random()
        if action < 0.75 or not written:
            key = b"r%03d-%06d" % (round_no, i)
            i += 1
            db.kv.put(key, value_for(key))
            written.append(key)
            out.write("P " + key.decode() + "\n")
        elif action < 0.9:
            key = written.pop(rng.randrange(len(written)))
            out.write("T " + key.decode() + "\n")
            out.flush()
            db.kv.delete(key)
            out.write("D " + key.decode() + "\n")
        else:
            keys = [b"r%03d-%06d" % (round_no, i + j) for j in range(rng.randint(1, 20))]
            i += len(keys)
            with db.kv.batch() as b:
                for k in keys:
                    b.put(k, value_for(k))
            written.extend(keys)
            for k in keys:
                out.write("P " + k.decode() + "\n")
        out.flush()


if __name__ == "__main__":
    main()
