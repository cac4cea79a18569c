"""Time series: size on disk, decoding, appends and queries, against peers
in the same run.

Data:
  imu      the real IMU recordings in ../shared/data/imu/ (foot-mounted
           sensor, about 400 Hz, gyro and accelerometer as 7-digit decimals):
           sizes are measured on these;
  robot    synthetic robot streams at 1 kHz: 7 joint positions (smooth
           trajectories quantised to an encoder's 2^-16 rad, printed as
           decimals), a battery voltage (mV resolution) and a counter, for
           the speed workloads (--samples, default 10M for resample/asof).

Workloads, each the call a user makes:
  size      bytes per sample on disk after a flush (everything the database
            keeps for the series) vs a Gorilla encoder (VLDB 2015; written
            here), pcodec, zstd on raw columns and Parquet with zstd;
            every value must come back bit for bit
  decode    ts.range() of every column into NumPy: GB/s of decoded float64
            per core (CPU time of all threads) and on the clock
  append    ts.append(arrow table) in batches of 100k vs sqlite3
            executemany (one transaction) and DuckDB INSERT from Arrow
  range     ts.range(t0, t1).to_numpy() of 1M samples vs DuckDB reading the
            same rows of its own table (fetchnumpy)
  resample  ts.resample("1s", mean/min/max of one column) over 10M samples
            vs pandas resample (frame in memory) and DuckDB time_bucket
  asof      ts.asof(100k camera times) against 10M samples vs
            pandas.merge_asof (both sorted, in memory)
  memory    (--memory N) peak RSS while appending N samples in batches of
            100k with memory_budget=256 MiB
Prints peer time / embodb time (above 1: embodb is faster) and size ratios.

    .venv/bin/python benchmarks/bench_timeseries.py [--samples 10000000] [--only size,decode,...]
        [--memory 100000000]
"""

import argparse
import os
import resource
import shutil
import sqlite3
import tempfile
import time

import numpy as np

import embodb

IMU_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "imu")
IMU_COLUMNS = ["gx", "gy", "gz", "ax", "ay", "az"]


def now():
    return time.perf_counter()


def best_of(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = now()
        out = fn()
        best = min(best, now() - start)
    return best, out


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


# ---------------------------------------------------------------- data

def load_imu():
    """(timestamps ns, {column: float64 values}) of each recording."""
    out = []
    for name in ("long_walk.csv", "short_walk.csv"):
        data = np.loadtxt(os.path.join(IMU_DIR, name), delimiter=",", skiprows=1)
        ts = np.round(data[:, 0] * 1e9).astype(np.int64)
        keep = np.concatenate([[True], np.diff(ts) > 0])  # the recordings repeat their first timestamp
        out.append((name.split(".")[0], ts[keep], {c: np.ascontiguousarray(data[keep, i + 1])
                                                   for i, c in enumerate(IMU_COLUMNS)}))
    return out


def robot_streams(n, seed=0):
    """n samples at 1 kHz of a robot: 7 joints, battery, counter."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.int64)
    ts = 1_767_225_600_000_000_000 + t * 1_000_000 + rng.integers(-20_000, 20_000, n)
    ts.sort()
    cols = {}
    seconds = t / 1000.0
    for j in range(7):
        angle = 1.2 * np.sin(seconds * (0.3 + 0.1 * j) + j) + 0.2 * np.sin(seconds * 2.1 + j)
        cols[f"j{j}"] = np.round(np.round(angle * 65536) / 65536, 6)
    cols["battery"] = np.round(24.0 - seconds * 1e-4 + rng.normal(0, 0.002, n), 3)
    cols["counter"] = t.astype(np.int64)
    return ts, cols


# ---------------------------------------------------------------- Gorilla

def gorilla_bits_timestamps(ts):
    """Bits of Gorilla's timestamp stream: the first as 64 bits, the first
    delta in 64, then each delta of delta in 1, 9, 12, 16 or 36 bits (the
    paper's buckets, with a 64-bit escape for nanosecond deltas it cannot
    hold)."""
    if len(ts) < 2:
        return 64 * len(ts)
    dod = np.diff(np.diff(ts))
    a = np.abs(dod)
    bits = np.where(dod == 0, 1, np.where(a <= 63, 9, np.where(a <= 255, 12, np.where(a <= 2047, 16,
                    np.where(a < 2**31, 36, 4 + 64)))))
    return 128 + int(bits.sum())


def gorilla_bits_values(values):
    """Bits of Gorilla's value stream: XOR with the previous value; 1 bit for
    equal, else 2 bits and the meaningful bits inside the previous window, or
    2 + 5 + 6 bits and the new window's meaningful bits."""
    bits = values.view(np.uint64)
    total = 64
    lead_prev, trail_prev = 65, 65  # no window yet
    xors = (bits[1:] ^ bits[:-1]).tolist()
    for x in xors:
        if x == 0:
            total += 1
            continue
        lead = 64 - x.bit_length()
        trail = (x & -x).bit_length() - 1
        lead = min(lead, 31)  # 5 bits hold it
        if lead_prev <= 64 and lead >= lead_prev and trail >= trail_prev:
            total += 2 + (64 - lead_prev - trail_prev)
        else:
            total += 2 + 5 + 6 + (64 - lead - trail)
            lead_prev, trail_prev = lead, trail
    return total


def gorilla_bytes(ts, cols):
    bits = gorilla_bits_timestamps(ts) + sum(gorilla_bits_values(v) for v in cols.values())
    return bits / 8


# ---------------------------------------------------------------- size

def embodb_size(recordings):
    """Bytes the database keeps for the recordings (after flush and
    compaction, against an empty database made the same way), checking
    that every value comes back bit for bit."""
    path = tempfile.mkdtemp(prefix="embodb-ts-")
    empty = tempfile.mkdtemp(prefix="embodb-empty-")
    try:
        with embodb.connect(empty) as db:
            db.create_timeseries("imu", {"ts": "timestamp", "walk": "string", **{c: "float64" for c in IMU_COLUMNS}},
                                 tags=("walk",))
            db.flush()
            db.compact()
        with embodb.connect(path) as db:
            s = db.create_timeseries("imu", {"ts": "timestamp", "walk": "string",
                                             **{c: "float64" for c in IMU_COLUMNS}}, tags=("walk",))
            for name, ts, cols in recordings:
                s.append({"ts": ts, "walk": [name] * len(ts), **cols})
            db.flush()
            db.compact()
            for name, ts, cols in recordings:
                got = s.range(where=f"walk = '{name}'").to_numpy()
                assert np.array_equal(got["ts"].view(np.int64), ts)
                for c in IMU_COLUMNS:
                    assert np.array_equal(got[c].view(np.uint64), cols[c].view(np.uint64)), c
        return dir_bytes(path) - dir_bytes(empty)
    finally:
        shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(empty, ignore_errors=True)


def bench_size():
    import pcodec
    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard
    from pcodec import standalone

    recordings = load_imu()
    samples = sum(len(ts) for _, ts, _ in recordings)
    sizes = {}
    sizes["embodb"] = embodb_size(recordings)
    sizes["Gorilla"] = sum(gorilla_bytes(ts, cols) for _, ts, cols in recordings)
    config = pcodec.ChunkConfig()
    sizes["pcodec"] = sum(len(standalone.simple_compress(ts, config)) +
                          sum(len(standalone.simple_compress(v, config)) for v in cols.values())
                          for _, ts, cols in recordings)
    z = zstandard.ZstdCompressor(level=3)
    sizes["zstd"] = sum(len(z.compress(ts.tobytes())) + sum(len(z.compress(v.tobytes())) for v in cols.values())
                        for _, ts, cols in recordings)
    parquet = 0
    for _, ts, cols in recordings:
        sink = pa.BufferOutputStream()
        pq.write_table(pa.table({"ts": ts, **cols}), sink, compression="zstd")
        parquet += sink.getvalue().size
    sizes["Parquet+zstd"] = parquet
    print(f"\nsize: the real IMU recordings, {samples:,} samples of a timestamp and 6 float64")
    print(f"  {'':14s} {'bytes/sample':>13s} {'bytes/value':>12s} {'embodb / it':>12s}")
    for name, size in sizes.items():
        print(f"  {name:14s} {size / samples:13.2f} {size / samples / 6:12.2f} {sizes['embodb'] / size:12.2f}")
    return sizes


# ---------------------------------------------------------------- speed

def new_db(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    return path, embodb.connect(path)


def robot_series(db, ts, cols, batch=100_000):
    s = db.create_timeseries("robot", {"ts": "timestamp", "robot": "string",
                                       **{c: ("int64" if c == "counter" else "float64") for c in cols}},
                             tags=("robot",))
    for start in range(0, len(ts), batch):
        s.append({"ts": ts[start:start + batch], "robot": ["r1"] * len(ts[start:start + batch]),
                  **{c: v[start:start + batch] for c, v in cols.items()}})
    return s


def bench_append(n):
    import duckdb
    import pyarrow as pa

    ts, cols = robot_streams(n)
    batch = 100_000
    arrow = pa.table({"ts": pa.array(ts.view("datetime64[ns]")), "robot": pa.array(["r1"] * n), **cols})
    path, db = new_db("embodb-append-")
    s = db.create_timeseries("robot", {"ts": "timestamp", "robot": "string",
                                       **{c: ("int64" if c == "counter" else "float64") for c in cols}},
                             tags=("robot",))
    start = now()
    for b in range(0, n, batch):
        s.append(arrow.slice(b, batch))
    ours = now() - start
    db.close()
    shutil.rmtree(path, ignore_errors=True)

    dpath = tempfile.mkdtemp(prefix="duckdb-")
    con = duckdb.connect(os.path.join(dpath, "t.duckdb"))
    con.execute("CREATE TABLE robot (ts TIMESTAMP_NS, robot VARCHAR, " +
                ", ".join(f"{c} {'BIGINT' if c == 'counter' else 'DOUBLE'}" for c in cols) + ")")
    start = now()
    for b in range(0, n, batch):
        part = arrow.slice(b, batch)  # noqa: F841 (DuckDB reads it by name)
        con.execute("INSERT INTO robot SELECT * FROM part")
    duck = now() - start
    con.close()
    shutil.rmtree(dpath, ignore_errors=True)

    lpath = tempfile.mkdtemp(prefix="sqlite-")
    sq = sqlite3.connect(os.path.join(lpath, "t.db"))
    sq.execute("CREATE TABLE robot (ts INTEGER, robot TEXT, " + ", ".join(f"{c} REAL" for c in cols) +
               ", PRIMARY KEY (robot, ts)) WITHOUT ROWID")
    sqlite_n = min(n, 1_000_000)
    rows = list(zip(ts[:sqlite_n].tolist(), ["r1"] * sqlite_n, *[v[:sqlite_n].tolist() for v in cols.values()]))
    start = now()
    for b in range(0, sqlite_n, batch):
        with sq:
            sq.executemany(f"INSERT INTO robot VALUES ({', '.join('?' * (len(cols) + 2))})", rows[b:b + batch])
    lite = (now() - start) * n / sqlite_n
    sq.close()
    shutil.rmtree(lpath, ignore_errors=True)
    print(f"\nappend: {n:,} samples of 9 values in batches of {batch:,} (Arrow tables)")
    print(f"  embodb   {n / ours / 1e6:7.2f} M samples/s")
    print(f"  DuckDB   {n / duck / 1e6:7.2f} M samples/s   embodb speedup {duck / ours:5.2f}x")
    print(f"  sqlite3  {n / lite / 1e6:7.2f} M samples/s   embodb speedup {lite / ours:5.2f}x"
          f"   (sqlite3 timed on {sqlite_n:,})")


class Loaded:
    """The robot streams in embodb, DuckDB and pandas."""

    def __init__(self, n):
        import duckdb
        import pandas as pd
        import pyarrow as pa

        self.n = n
        self.ts, self.cols = robot_streams(n, seed=1)
        self.path, self.db = new_db("embodb-query-")
        self.series = robot_series(self.db, self.ts, self.cols)
        self.db.flush()
        self.dpath = tempfile.mkdtemp(prefix="duckdb-")
        self.duck = duckdb.connect(os.path.join(self.dpath, "t.duckdb"))
        arrow = pa.table({"ts": pa.array(self.ts.view("datetime64[ns]")), "robot": pa.array(["r1"] * n),  # noqa: F841
                          **self.cols})
        self.duck.execute("CREATE TABLE robot AS SELECT * FROM arrow ORDER BY ts")
        self.frame = pd.DataFrame(self.cols, index=pd.DatetimeIndex(self.ts.view("datetime64[ns]")))

    def close(self):
        self.db.close()
        self.duck.close()
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.rmtree(self.dpath, ignore_errors=True)


def bench_decode(data):
    cols = [c for c in data.cols if c != "counter"]
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        wall, cpu = now(), time.process_time()
        got = data.series.range(columns=cols).to_numpy()
        best_wall, best_cpu = min(best_wall, now() - wall), min(best_cpu, time.process_time() - cpu)
    assert np.array_equal(got["j0"], data.cols["j0"])
    decoded = data.n * len(cols) * 8
    print(f"\ndecode: range() of {len(cols)} float64 columns x {data.n:,} samples into NumPy")
    print(f"  {decoded / best_cpu / 1e9:.2f} GB/s of float64 per core (CPU time {best_cpu * 1e3:.0f} ms);"
          f" {decoded / best_wall / 1e9:.2f} GB/s on the clock ({best_wall * 1e3:.0f} ms, chunks decoded in parallel)")


def bench_range(data, count=1_000_000):
    lo = int(data.ts[data.n // 3])
    hi = int(data.ts[data.n // 3 + count])
    ours, got = best_of(lambda: data.series.range(lo, hi).to_numpy())
    assert len(got["ts"]) == count

    def duck():
        return data.duck.execute("SELECT * FROM robot WHERE ts >= make_timestamp_ns(?) AND ts < make_timestamp_ns(?)",
                                 [lo, hi]).fetchnumpy()
    theirs, rows = best_of(duck)
    assert len(rows["ts"]) == count
    print(f"\nrange: {count:,} samples (every column) into NumPy")
    print(f"  embodb {ours * 1e3:7.1f} ms   DuckDB {theirs * 1e3:7.1f} ms   speedup {theirs / ours:5.2f}x")


def bench_resample(data):
    agg = {"j0": ["mean", "min", "max"]}
    ours, got = best_of(lambda: data.series.resample("1s", agg).to_pandas())
    pandas_t, want = best_of(lambda: data.frame["j0"].resample("1s", origin="epoch").agg(["mean", "min", "max"]))
    assert np.allclose(got["j0_mean"].to_numpy(), want["mean"].dropna().to_numpy())

    def duck():
        return data.duck.execute("SELECT time_bucket(INTERVAL '1 second', ts) AS b, avg(j0), min(j0), max(j0) "
                                 "FROM robot GROUP BY b ORDER BY b").fetchnumpy()
    duck_t, rows = best_of(duck)
    assert len(rows["b"]) == len(got)
    print(f"\nresample: mean/min/max of one column of {data.n:,} samples into 1 s buckets")
    print(f"  embodb {ours * 1e3:7.1f} ms   pandas {pandas_t * 1e3:7.1f} ms ({pandas_t / ours:5.2f}x)"
          f"   DuckDB {duck_t * 1e3:7.1f} ms ({duck_t / ours:5.2f}x)")


def bench_asof(data, count=100_000):
    import pandas as pd

    rng = np.random.default_rng(3)
    frames = np.sort(rng.integers(int(data.ts[0]), int(data.ts[-1]), count))
    cols = list(data.cols)
    ours, got = best_of(lambda: data.series.asof(frames, columns=cols).to_numpy())
    left = pd.DataFrame({"ts": frames.view("datetime64[ns]")})
    right = data.frame.reset_index(names="ts")
    theirs, want = best_of(lambda: pd.merge_asof(left, right, on="ts"))
    assert np.array_equal(np.ma.getdata(got["j3"]), want["j3"].to_numpy())
    print(f"\nasof: {count:,} camera times against {data.n:,} samples ({len(cols)} columns)")
    print(f"  embodb {ours * 1e3:7.1f} ms   pandas.merge_asof {theirs * 1e3:7.1f} ms   speedup {theirs / ours:5.2f}x")


def bench_memory(n):
    budget = 256 << 20
    path = tempfile.mkdtemp(prefix="embodb-mem-")
    ts, cols = robot_streams(1_000_000, seed=5)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with embodb.connect(path, memory_budget=budget) as db:
        s = db.create_timeseries("robot", {"ts": "timestamp", "robot": "string",
                                           **{c: ("int64" if c == "counter" else "float64") for c in cols}},
                                 tags=("robot",))
        step = int(ts[-1] - ts[0]) + 1_000_000
        start = now()
        for k in range(0, n, 1_000_000):
            for b in range(0, 1_000_000, 100_000):
                s.append({"ts": ts[b:b + 100_000] + k // 1_000_000 * step, "robot": ["r1"] * 100_000,
                          **{c: v[b:b + 100_000] for c, v in cols.items()}})
        took = now() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nmemory: {n:,} samples appended in {took:.0f} s, memory_budget {budget >> 20} MiB;"
          f" peak RSS {peak >> 10} MiB (was {before >> 10} MiB before), on disk {dir_bytes(path) >> 20} MiB")
    shutil.rmtree(path, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--append", type=int, default=2_000_000)
    parser.add_argument("--only", default="size,decode,append,range,resample,asof")
    parser.add_argument("--memory", type=int, default=0, help="samples for the memory run (0: skip)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "size" in only:
        bench_size()
    if "append" in only:
        bench_append(args.append)
    if only & {"decode", "range", "resample", "asof"}:
        data = Loaded(args.samples)
        try:
            if "decode" in only:
                bench_decode(data)
            if "range" in only:
                bench_range(data)
            if "resample" in only:
                bench_resample(data)
            if "asof" in only:
                bench_asof(data)
        finally:
            data.close()
    if args.memory:
        bench_memory(args.memory)


if __name__ == "__main__":
    main()
