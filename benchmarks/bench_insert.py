"""Bulk insert: embodb against sqlite3 on two row shapes, in one run, taking
turns (best of --rounds each), printing seconds and the ratio (sqlite3 time /
embodb time; above 1 means embodb is faster).

    python benchmarks/bench_insert.py [--rounds 3] [--narrow-rows 200000] [--wide-rows 1000000]

Shapes:
  narrow   int64 id, float64, int32, a 24-character string, vector(32)
  wide     int64 id, timestamp, int32, three float64, a 24-character string,
           vector(128) (bench_table.py's shape)
How each is used:
  embodb   one Table.insert call of NumPy columns, then flush() (the call
           returns when the rows are in tables, fsynced, and in the manifest)
  sqlite3  one transaction, WAL, synchronous=NORMAL, executemany of
           prepared tuples (their preparation untimed), the vector as a BLOB
embodb's time is also split into the conversion of the columns in Python
and the C++ write (checks, encoding, tables), to show where it goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time

import numpy as np

import embodb
from embodb import _core
from embodb._convert import column_spec, table_columns


def now() -> float:
    return time.perf_counter()


def make(n: int, wide: bool, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype="S1")
    text = rng.choice(letters, size=(n, 24)).view("S24").ravel().astype(str)
    if not wide:
        return {"id": np.arange(n, dtype=np.int64), "x": rng.random(n),
                "ep": rng.integers(0, 100, n).astype(np.int32), "label": text,
                "emb": rng.random((n, 32), dtype=np.float32)}
    return {"id": np.arange(n, dtype=np.int64),
            "ts": np.datetime64("2026-11-01T00:00:00", "ns") + np.arange(n).astype("timedelta64[ms]"),
            "ep": rng.integers(0, 100, n).astype(np.int32), "x": rng.random(n), "y": rng.random(n),
            "z": rng.random(n), "label": text, "emb": rng.random((n, 128), dtype=np.float32)}


def embodb_schema(data: dict) -> dict:
    types = {"id": "int64", "ts": "timestamp", "ep": "int32", "x": "float64", "y": "float64", "z": "float64",
             "label": "string"}
    schema = {k: types[k] for k in data if k != "emb"}
    schema["emb"] = embodb.vector(data["emb"].shape[1])
    return schema


def run_embodb(root: str, data: dict) -> tuple:
    """(seconds, seconds converting columns in Python, seconds in the C++ write)."""
    path = os.path.join(root, "embodb")
    shutil.rmtree(path, ignore_errors=True)
    with embodb.connect(path) as db:
        t = db.create_table("t", embodb_schema(data), primary_key="id")
        t0 = now()
        t.insert(data)
        db.flush()
        total = now() - t0
        # The same call again, split (into a second table).
        t2 = db.create_table("t2", embodb_schema(data), primary_key="id")
        types = t2.schema.columns
        t0 = now()
        cols, rows = table_columns(data)
        specs = [column_spec(k, v, types[k].type) for k, v in cols.items()]
        t1 = now()
        _core.write_rows(db._handle, None, "t2", specs, rows, "insert", None)
        db.flush()
        return total, t1 - t0, now() - t1


def run_sqlite(root: str, data: dict) -> float:
    path = os.path.join(root, "sqlite.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    names = list(data)
    sql_types = {"id": "INTEGER PRIMARY KEY", "label": "TEXT", "emb": "BLOB", "x": "REAL", "y": "REAL", "z": "REAL"}
    declared = ", ".join(n + " " + sql_types.get(n, "INTEGER") for n in names)
    con.execute(f"CREATE TABLE t ({declared})")
    columns = []
    for n in names:
        v = data[n]
        if n == "emb":
            columns.append([e.tobytes() for e in v])
        elif v.dtype.kind == "M":
            columns.append(v.astype(np.int64).tolist())
        else:
            columns.append(v.tolist())
    rows = list(zip(*columns))
    t0 = now()
    with con:
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(names))})", rows)
    elapsed = now() - t0
    con.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--narrow-rows", type=int, default=200_000)
    ap.add_argument("--wide-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="bench_insert_")
    try:
        for shape, n in (("narrow", args.narrow_rows), ("wide", args.wide_rows)):
            data = make(n, wide=shape == "wide")
            best_e, best_split, best_s = float("inf"), (0.0, 0.0), float("inf")
            for _ in range(args.rounds):  # taking turns
                total, convert, write = run_embodb(root, data)
                if total < best_e:
                    best_e, best_split = total, (convert, write)
                best_s = min(best_s, run_sqlite(root, data))
            mb = sum(v.nbytes for v in data.values() if v.dtype.kind != "U") / 2**20 + n * 24 / 2**20
            print(f"{shape:6} {n:>9,} rows ({mb:,.0f} MiB): embodb {best_e:.3f} s "
                  f"(columns in Python {best_split[0]:.3f} s, C++ write {best_split[1]:.3f} s), "
                  f"sqlite3 {best_s:.3f} s, sqlite3/embodb {best_s / best_e:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
