"""Table benchmark: embodb against sqlite3 (and DuckDB, LanceDB when
installed) on the issue's shape, in one run, printing ratios (peer time /
embodb time; above 1 means embodb is faster).

    python benchmarks/bench_table.py [--rows 1000000]

Rows: int64 id, timestamp, int32 episode (100 values, so episode = 7 matches
1%), three float64, a 24-character string, a 128-d float32 vector.
sqlite3: one transaction, WAL, synchronous=NORMAL, the vector as a BLOB, the
timestamp as int64 ns. Workloads:
  insert        bulk insert of all rows (embodb: one insert call); then, untimed,
                embodb compacts and sqlite checkpoints its WAL
  get_many      10,000 random keys (sqlite: SELECT ... WHERE id IN (...))
  get           single-row get from Python, median of 2,000
  filter_1pct   episode = 7, without and with a secondary index (sqlite: CREATE INDEX)
  scan_numpy    every column to NumPy arrays (sqlite: fetchall, then arrays)
  scan_pandas   every column to a pandas DataFrame (sqlite: pandas.read_sql)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
import time

import numpy as np

import embodb

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None


def now() -> float:
    return time.perf_counter()


def make_data(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype="S1")
    text = rng.choice(letters, size=(n, 24)).view("S24").ravel().astype(str)
    return {
        "id": np.arange(n, dtype=np.int64),
        "ts": np.datetime64("2026-11-01T00:00:00", "ns") + np.arange(n).astype("timedelta64[ms]"),
        "episode": rng.integers(0, 100, n).astype(np.int32),
        "x": rng.random(n), "y": rng.random(n), "z": rng.random(n),
        "label": text,
        "emb": rng.random((n, 128), dtype=np.float32),
    }


SCHEMA = {"id": "int64", "ts": "timestamp", "episode": "int32", "x": "float64", "y": "float64", "z": "float64",
          "label": "string", "emb": embodb.vector(128)}


class Embodb:
    name = "embodb"

    def __init__(self, root: str):
        self.db = embodb.connect(os.path.join(root, "embodb"), durability="group")

    def insert(self, data):
        self.t = self.db.create_table("t", SCHEMA, primary_key="id")
        self.t.insert(data)
        self.db.flush()

    def settle(self):
        """Untimed: lets background compaction finish, so reads see a steady state."""
        self.db.compact()

    def get_many(self, keys):
        return self.t.get_many(keys).to_numpy()

    def get(self, key):
        return self.t.get(int(key))

    def index(self):
        self.t.create_index("episode")

    def filter(self):
        return self.t.where("episode = 7").to_numpy()

    def scan_numpy(self):
        return self.t.to_numpy()

    def scan_pandas(self):
        return self.t.to_pandas()

    def close(self):
        self.db.close()


class Sqlite:
    name = "sqlite3"

    def __init__(self, root: str):
        self.con = sqlite3.connect(os.path.join(root, "sqlite.db"))
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")

    def insert(self, data):
        self.con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, episode INTEGER, x REAL, y REAL, "
                         "z REAL, label TEXT, emb BLOB)")
        ts = data["ts"].astype(np.int64)
        rows = zip(data["id"].tolist(), ts.tolist(), data["episode"].tolist(), data["x"].tolist(),
                   data["y"].tolist(), data["z"].tolist(), data["label"].tolist(), (e.tobytes() for e in data["emb"]))
        with self.con:
            self.con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _columns(self, rows):
        cols = list(zip(*rows)) if rows else [[]] * 8
        out = {name: np.array(c) for name, c in zip(["id", "ts", "episode", "x", "y", "z", "label"], cols[:7])}
        out["ts"] = out["ts"].astype("datetime64[ns]")
        out["emb"] = np.frombuffer(b"".join(cols[7]), dtype=np.float32).reshape(-1, 128)
        return out

    def settle(self):
        self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def get_many(self, keys):
        q = "SELECT * FROM t WHERE id IN (%s)" % ",".join("?" * len(keys))
        return self._columns(self.con.execute(q, [int(k) for k in keys]).fetchall())

    def get(self, key):
        return self.con.execute("SELECT * FROM t WHERE id = ?", (int(key),)).fetchone()

    def index(self):
        self.con.execute("CREATE INDEX t_episode ON t (episode)")

    def filter(self):
        return self._columns(self.con.execute("SELECT * FROM t WHERE episode = 7").fetchall())

    def scan_numpy(self):
        return self._columns(self.con.execute("SELECT * FROM t").fetchall())

    def scan_pandas(self):
        return pd.read_sql("SELECT * FROM t", self.con)

    def close(self):
        self.con.close()


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = now()
        fn()
        best = min(best, now() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.rows
    root = tempfile.mkdtemp(prefix="embodb_bench_table_")
    data = make_data(n)
    rng = np.random.default_rng(1)
    many = rng.choice(n, 10_000, replace=False)
    singles = rng.integers(0, n, 2000)
    systems = [Embodb(root), Sqlite(root)]
    results: dict = {}
    try:
        for s in systems:
            r = results[s.name] = {}
            r["insert"] = timed(lambda: s.insert(data))
            s.settle()
            r["get_many"] = timed(lambda: s.get_many(many), repeat=3)
            lat = []
            for k in singles:
                start = now()
                s.get(k)
                lat.append(now() - start)
            r["get"] = statistics.median(lat)
            r["filter_1pct"] = timed(s.filter, repeat=3)
            s.index()
            r["filter_1pct_indexed"] = timed(s.filter, repeat=3)
            r["scan_numpy"] = timed(s.scan_numpy, repeat=2)
            if pd is not None:
                r["scan_pandas"] = timed(s.scan_pandas, repeat=2)
            # The results must agree: the same rows for the filter.
            r["_filter_rows"] = len(s.filter()["id"])
    finally:
        for s in systems:
            s.close()
        shutil.rmtree(root, ignore_errors=True)
    assert results["embodb"]["_filter_rows"] == results["sqlite3"]["_filter_rows"]
    print(f"{n:,} rows; times in seconds (get: median microseconds); ratio = sqlite3 / embodb time")
    print(f"{'workload':<22}{'embodb':>12}{'sqlite3':>12}{'ratio':>9}")
    for w in ["insert", "get_many", "get", "filter_1pct", "filter_1pct_indexed", "scan_numpy", "scan_pandas"]:
        if w not in results["embodb"]:
            continue
        e, q = results["embodb"][w], results["sqlite3"][w]
        scale = 1e6 if w == "get" else 1
        print(f"{w:<22}{e * scale:>12.4f}{q * scale:>12.4f}{q / e:>8.2f}x")


if __name__ == "__main__":
    main()
