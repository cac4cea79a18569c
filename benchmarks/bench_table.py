"""Table benchmark: embodb against sqlite3, DuckDB, LanceDB and motedb-python
(each when installed; `make bench` installs them) on the issue's shape, in one
run, printing times and ratios (peer time / embodb time; above 1 means embodb
is faster).

    python benchmarks/bench_table.py [--rows 1000000] [--peers sqlite3,duckdb,lancedb,motedb]

Rows: int64 id, timestamp, int32 episode (100 values, so episode = 7 matches
1%), three float64, a 24-character string, a 128-d float32 vector.

How each peer is used (its fastest documented path; data prepared untimed):
  sqlite3   one transaction, WAL, synchronous=NORMAL; the vector as a BLOB, the
            timestamp as int64 ns; rows via executemany.
  duckdb    a file database; CREATE TABLE AS from a pyarrow Table (vector as
            FLOAT[128]); a unique ART index on id built untimed after the
            insert (DuckDB has no primary key from CREATE TABLE AS).
  lancedb   create_table from a pyarrow Table; a BTREE scalar index on id built
            untimed after the insert; reads through search().where(...).
  motedb    Database.insert_arrays (its columnar batch path), id INTEGER
            PRIMARY KEY, the vector as VECTOR(128); reads through fetch_arrays;
            its vectors come back as lists, converted to NumPy in the timing.
Workloads:
  insert        bulk insert of all rows (embodb: one insert call); then, untimed,
                each system settles (embodb compacts, sqlite checkpoints, ...)
  get_many      10,000 random keys (SQL peers: WHERE id IN (...))
  get           single-row get from Python, median of 2,000
  filter_1pct   episode = 7, without and with a secondary index
  scan_numpy    every column to NumPy arrays (a vector column as (n, 128))
  scan_2cols    two of the eight columns (ts, x) to NumPy arrays
  scan_pandas   every column to a pandas DataFrame
Every system's filter must return the same number of rows.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import warnings

import numpy as np

import embodb

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None
try:
    import pyarrow as pa
except ImportError:  # pragma: no cover
    pa = None


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

    def scan_2cols(self):
        return self.t.select("ts", "x").to_numpy()

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

    def scan_2cols(self):
        rows = self.con.execute("SELECT ts, x FROM t").fetchall()
        return {"ts": np.array([r[0] for r in rows], dtype=np.int64), "x": np.array([r[1] for r in rows])}

    def scan_pandas(self):
        return pd.read_sql("SELECT * FROM t", self.con)

    def close(self):
        self.con.close()


def arrow_table(data: dict):
    emb = pa.FixedSizeListArray.from_arrays(pa.array(data["emb"].reshape(-1)), data["emb"].shape[1])
    cols = {k: data[k] for k in ("id", "ts", "episode", "x", "y", "z", "label")}
    return pa.table({**cols, "emb": emb})


def arrow_to_numpy(table) -> dict:
    out = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_fixed_size_list(col.type):
            out[name] = col.values.to_numpy().reshape(len(col), col.type.list_size)
        else:
            out[name] = col.to_numpy(zero_copy_only=False)
    return out


def in_list(keys) -> str:
    return ",".join(str(int(k)) for k in keys)


class DuckDB:
    name = "duckdb"

    def __init__(self, root: str):
        import duckdb

        self.con = duckdb.connect(os.path.join(root, "duck.db"))

    def prepare(self, data):
        self.arrow = arrow_table(data)

    def insert(self, data):
        self.con.register("src", self.arrow)
        self.con.execute("CREATE TABLE t AS SELECT * FROM src")
        self.con.unregister("src")

    def settle(self):
        self.con.execute("CREATE UNIQUE INDEX t_id ON t (id)")
        self.con.execute("CHECKPOINT")

    def get_many(self, keys):
        return arrow_to_numpy(self.con.sql(f"SELECT * FROM t WHERE id IN ({in_list(keys)})").to_arrow_table())

    def get(self, key):
        return self.con.execute("SELECT * FROM t WHERE id = ?", [int(key)]).fetchall()

    def index(self):
        self.con.execute("CREATE INDEX t_episode ON t (episode)")

    def filter(self):
        return arrow_to_numpy(self.con.sql("SELECT * FROM t WHERE episode = 7").to_arrow_table())

    def scan_numpy(self):
        return arrow_to_numpy(self.con.sql("SELECT * FROM t").to_arrow_table())

    def scan_2cols(self):
        return arrow_to_numpy(self.con.sql("SELECT ts, x FROM t").to_arrow_table())

    def scan_pandas(self):
        return self.con.sql("SELECT * FROM t").df()

    def close(self):
        self.con.close()


class LanceDB:
    name = "lancedb"

    def __init__(self, root: str):
        import lancedb

        self.db = lancedb.connect(os.path.join(root, "lance"))

    def prepare(self, data):
        self.arrow = arrow_table(data)

    def insert(self, data):
        self.t = self.db.create_table("t", data=self.arrow)

    def settle(self):
        self._scalar_index("id")

    def _scalar_index(self, column):
        with warnings.catch_warnings():  # deprecated in favour of create_index(config=BTree()), which
            warnings.simplefilter("ignore")  # in 0.40 takes the metric argument as the column
            self.t.create_scalar_index(column)

    def _where(self, expr):
        return self.t.search().where(expr).limit(None).to_arrow()

    def get_many(self, keys):
        return arrow_to_numpy(self._where(f"id IN ({in_list(keys)})"))

    def get(self, key):
        return self._where(f"id = {int(key)}").to_pylist()

    def index(self):
        self._scalar_index("episode")

    def filter(self):
        return arrow_to_numpy(self._where("episode = 7"))

    def scan_numpy(self):
        return arrow_to_numpy(self.t.to_arrow())

    def scan_pandas(self):
        return self.t.to_pandas()

    def close(self):
        pass


class MoteDB:
    name = "motedb"

    def __init__(self, root: str):
        import motedb

        self.db = motedb.Database(os.path.join(root, "mote"))

    def prepare(self, data):
        cols = dict(data)
        cols["ts"] = data["ts"].astype("datetime64[us]").astype(np.int64)  # its timestamps are µs
        cols["episode"] = data["episode"].astype(np.int64)
        cols["label"] = data["label"].tolist()
        self.cols = cols

    def insert(self, data):
        self.db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP, episode INTEGER, x FLOAT, "
                        "y FLOAT, z FLOAT, label TEXT, emb VECTOR(128))")
        self.db.insert_arrays("t", self.cols)
        self.db.checkpoint()

    def settle(self):
        pass

    def _arrays(self, sql):
        cols, data = self.db.fetch_arrays(sql)
        out = {c: data[c] for c in cols}
        out["emb"] = np.asarray(out["emb"], dtype=np.float32).reshape(-1, 128)
        return out

    def get_many(self, keys):
        return self._arrays(f"SELECT * FROM t WHERE id IN ({in_list(keys)})")

    def get(self, key):
        return self.db.query("SELECT * FROM t WHERE id = ?", [int(key)])

    def index(self):
        self.db.execute("CREATE INDEX t_episode ON t (episode)")

    def filter(self):
        return self._arrays("SELECT * FROM t WHERE episode = 7")

    def scan_numpy(self):
        return self._arrays("SELECT * FROM t")

    def scan_pandas(self):
        return self.db.query_pandas("SELECT * FROM t")

    def close(self):
        self.db.close()


PEERS = {"sqlite3": Sqlite, "duckdb": DuckDB, "lancedb": LanceDB, "motedb": MoteDB}
WORKLOADS = ["insert", "get_many", "get", "filter_1pct", "filter_1pct_indexed", "scan_numpy", "scan_2cols",
             "scan_pandas"]


# The modules each peer needs beyond the standard library.
PEER_MODULES = {"sqlite3": [], "duckdb": ["duckdb", "pyarrow"], "lancedb": ["lancedb", "pyarrow"],
                "motedb": ["motedb"]}


def available_peers(wanted):
    out = []
    for name in wanted:
        if name not in PEERS:
            raise SystemExit(f"unknown peer {name!r}; choose from {', '.join(PEERS)}")
        try:
            for module in PEER_MODULES[name]:
                importlib.import_module(module)
        except ImportError as e:
            print(f"skipping {name}: {e} (make bench installs it)")
            continue
        out.append(PEERS[name])
    return out


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = now()
        fn()
        best = min(best, now() - start)
    return best


def run(s, data, many, singles) -> dict:
    r = {}
    if hasattr(s, "prepare"):
        s.prepare(data)
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
    if hasattr(s, "scan_2cols"):
        r["scan_2cols"] = timed(s.scan_2cols, repeat=3)
    if pd is not None:
        r["scan_pandas"] = timed(s.scan_pandas, repeat=2)
    # The results must agree: the same rows for the filter and get_many.
    r["_filter_rows"] = len(s.filter()["id"])
    r["_get_many_rows"] = len(s.get_many(many)["id"])
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--peers", default="sqlite3,duckdb,lancedb,motedb")
    args = ap.parse_args()
    n = args.rows
    root = tempfile.mkdtemp(prefix="embodb_bench_table_")
    data = make_data(n)
    rng = np.random.default_rng(1)
    many = rng.choice(n, 10_000, replace=False)
    singles = rng.integers(0, n, 2000)
    factories = [Embodb] + available_peers([p for p in args.peers.split(",") if p])
    results: dict = {}
    try:
        for make in factories:
            s = make(root)
            try:
                results[s.name] = run(s, data, many, singles)
            finally:
                s.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name, r in results.items():
        for check in ("_filter_rows", "_get_many_rows"):
            assert r[check] == results["embodb"][check], (name, check, r[check], results["embodb"][check])
    names = list(results)
    print(f"{n:,} rows; times in seconds (get: median microseconds)")
    print(f"{'workload':<22}" + "".join(f"{x:>11}" for x in names))
    for w in WORKLOADS:
        if w not in results["embodb"]:
            continue
        scale = 1e6 if w == "get" else 1
        print(f"{w:<22}" + "".join(f"{results[x][w] * scale:>11.4f}" if w in results[x] else f"{'-':>11}"
                                   for x in names))
    print("\nratio = peer time / embodb time (above 1: embodb is faster)")
    print(f"{'workload':<22}" + "".join(f"{x:>11}" for x in names[1:]))
    for w in WORKLOADS:
        if w not in results["embodb"]:
            continue
        e = results["embodb"][w]
        print(f"{w:<22}" + "".join(f"{results[x][w] / e:>10.2f}x" if w in results[x] else f"{'-':>11}"
                                   for x in names[1:]))
    e = results["embodb"]
    print(f"\nembodb: reading 2 of the 8 columns (ts, x) is {e['scan_numpy'] / e['scan_2cols']:.1f}x faster than all 8")


if __name__ == "__main__":
    main()
