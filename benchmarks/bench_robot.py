"""A robot's recording, written and read as a user would, with embodb,
DuckDB and LanceDB side by side in one run (each when installed; `make bench`
installs them). Prints times and ratios (peer time / embodb time: above 1
means embodb is faster).

    python benchmarks/bench_robot.py [--frames 36000] [--imu 180000] [--max-points 3000]

Data (generated, seeded): camera frames at 20 Hz over episodes of 3 minutes,
each with a timestamp, an episode number, a label (8 values), a pose
(point3), a 384-d float32 embedding and a LiDAR point cloud of 500 to
--max-points points; IMU samples at 100 Hz over the same time (gx, gy, gz,
ax, ay, az as float64).

How each peer is used: DuckDB a file database filled by CREATE TABLE AS
from pyarrow tables (the pose as FLOAT[3], the embedding FLOAT[384], the
cloud a list of FLOAT[3]); LanceDB create_table from the same pyarrow
tables, read through search().where(...).select(...).to_arrow(), its
filter and projection pushed down; it has no aggregates, so pandas groups
what it reads. Data are prepared
untimed; each system settles (embodb flushes and compacts, DuckDB
checkpoints) untimed before the reads.

Workloads, best of 3 each:
  ingest            frames and IMU samples, all of them
  filter_2scalars   frames with episode = E AND label = 'L' (about 1%), frame id and ts to NumPy
  read_2scalars     frame id and ts of every frame
  groupby_episode   mean gx of the IMU samples per episode
  groupby_1s        mean gx per 1-second bucket over one minute of IMU samples
  latest            the frame with the latest timestamp (every column)
Every system's answer to each read is checked against embodb's (row counts, sums).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import tempfile
import time

import numpy as np
import pyarrow as pa

import embodb

FRAME_HZ, IMU_HZ = 20, 100
EPISODE_S = 180
LABELS = np.array(["cup", "mug", "bowl", "plate", "sponge", "fork", "spoon", "nothing"])
T0 = np.datetime64("2026-11-01T08:00:00", "ns").astype(np.int64)


def now() -> float:
    return time.perf_counter()


def best_of(fn, rounds: int = 3):
    best, out = float("inf"), None
    for _ in range(rounds):
        t0 = now()
        out = fn()
        best = min(best, now() - t0)
    return best, out


def make_data(frames: int, imu: int, max_points: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ft = T0 + np.arange(frames, dtype=np.int64) * (1_000_000_000 // FRAME_HZ)
    sizes = rng.integers(500, max_points + 1, frames)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    points = rng.standard_normal((int(offsets[-1]), 3)).astype(np.float32) * 10
    clouds = [points[offsets[i]:offsets[i + 1]] for i in range(frames)]
    f = {
        "frame": np.arange(frames, dtype=np.int64),
        "ts": ft,
        "episode": (np.arange(frames) // (FRAME_HZ * EPISODE_S)).astype(np.int32),
        "label": LABELS[rng.integers(0, len(LABELS), frames)],
        "pose": np.cumsum(rng.standard_normal((frames, 3)).astype(np.float32) * 0.01, axis=0),
        "emb": rng.standard_normal((frames, 384)).astype(np.float32),
        "cloud": clouds,
    }
    it = T0 + np.arange(imu, dtype=np.int64) * (1_000_000_000 // IMU_HZ)
    i = {"sample": np.arange(imu, dtype=np.int64), "ts": it,
         "episode": (np.arange(imu) // (IMU_HZ * EPISODE_S)).astype(np.int32)}
    for c in ("gx", "gy", "gz", "ax", "ay", "az"):
        i[c] = np.round(rng.standard_normal(imu) * 0.5, 4)
    return f, i


def arrow_tables(f, i):
    pose = pa.FixedSizeListArray.from_arrays(pa.array(f["pose"].reshape(-1)), 3)
    emb = pa.FixedSizeListArray.from_arrays(pa.array(f["emb"].reshape(-1)), 384)
    flat = np.concatenate(f["cloud"]) if f["cloud"] else np.zeros((0, 3), np.float32)
    offs = np.concatenate([[0], np.cumsum([len(c) for c in f["cloud"]])]).astype(np.int32)
    cloud = pa.ListArray.from_arrays(pa.array(offs), pa.FixedSizeListArray.from_arrays(pa.array(flat.reshape(-1)), 3))
    frames = pa.table({"frame": f["frame"], "ts": pa.array(f["ts"].view("datetime64[ns]")),
                       "episode": f["episode"], "label": f["label"], "pose": pose, "emb": emb, "cloud": cloud})
    imu = pa.table({k: (pa.array(v.view("datetime64[ns]")) if k == "ts" else v) for k, v in i.items()})
    return frames, imu


class Embodb:
    name = "embodb"

    def __init__(self, root):
        self.db = embodb.connect(os.path.join(root, "embodb"), durability="group")

    def ingest(self, f, i, _arrow):
        self.frames = self.db.create_table("frames", {
            "frame": "int64", "ts": "timestamp", "episode": "int32", "label": "string",
            "pose": embodb.point3(), "emb": embodb.vector(384), "cloud": embodb.pointcloud(3)}, primary_key="frame")
        self.imu = self.db.create_table("imu", {
            "sample": "int64", "ts": "timestamp", "episode": "int32", "gx": "float64", "gy": "float64",
            "gz": "float64", "ax": "float64", "ay": "float64", "az": "float64"}, primary_key="sample")
        self.frames.insert(f)
        self.imu.insert(i)
        self.db.flush()

    def settle(self):
        self.db.compact()

    def filter_2scalars(self, ep, label):
        out = self.frames.where(f"episode = {ep} AND label = '{label}'").select("frame", "ts").to_numpy()
        return out["frame"]

    def read_2scalars(self):
        return self.frames.select("frame", "ts").to_numpy()["frame"]

    def groupby_episode(self):
        r = self.imu.query().group_by("episode").agg(g="mean(gx)").to_numpy()
        return r["episode"], r["g"]

    def groupby_1s(self, t0, t1):
        r = self.imu.query().where(f"ts >= {t0} AND ts < {t1}").group_by(
            sec="time_bucket(ts, '1s')").agg(g="mean(gx)").to_numpy()
        return r["g"]

    def latest(self):
        return int(self.frames.query().order_by("ts", descending=True).limit(1).to_numpy()["frame"][0])

    def close(self):
        self.db.close()


class Duck:
    name = "duckdb"

    def __init__(self, root):
        import duckdb
        self.con = duckdb.connect(os.path.join(root, "robot.duckdb"))

    def ingest(self, f, i, arrow):
        frames, imu = arrow  # noqa: F841 (read by name in the SQL)
        self.con.execute("CREATE TABLE frames AS SELECT * FROM frames")
        self.con.execute("CREATE TABLE imu AS SELECT * FROM imu")

    def settle(self):
        self.con.execute("CHECKPOINT")

    def filter_2scalars(self, ep, label):
        return self.con.execute(f"SELECT frame, ts FROM frames WHERE episode = {ep} AND label = '{label}' "
                                "ORDER BY frame").fetchnumpy()["frame"]

    def read_2scalars(self):
        return self.con.execute("SELECT frame, ts FROM frames").fetchnumpy()["frame"]

    def groupby_episode(self):
        r = self.con.execute("SELECT episode, avg(gx) g FROM imu GROUP BY episode ORDER BY episode").fetchnumpy()
        return r["episode"], r["g"]

    def groupby_1s(self, t0, t1):
        return self.con.execute(
            f"SELECT time_bucket(INTERVAL 1 second, ts) s, avg(gx) g FROM imu WHERE ts >= make_timestamp({t0 // 1000})"
            f" AND ts < make_timestamp({t1 // 1000}) GROUP BY s ORDER BY s").fetchnumpy()["g"]

    def latest(self):
        return int(self.con.execute("SELECT * FROM frames ORDER BY ts DESC LIMIT 1").fetchnumpy()["frame"][0])

    def close(self):
        self.con.close()


class Lance:
    name = "lancedb"

    def __init__(self, root):
        import lancedb
        self.db = lancedb.connect(os.path.join(root, "lance"))

    def ingest(self, f, i, arrow):
        self.frames = self.db.create_table("frames", arrow[0])
        self.imu = self.db.create_table("imu", arrow[1])

    def settle(self):
        pass

    def filter_2scalars(self, ep, label):
        t = self.read(self.frames, ["frame", "ts"], f"episode = {ep} AND label = '{label}'")
        return np.sort(t["frame"].to_numpy())

    @staticmethod
    def read(table, columns, where=None):
        q = table.search()
        if where:
            q = q.where(where)
        return q.select(columns).limit(None).to_arrow()

    def read_2scalars(self):
        return self.read(self.frames, ["frame", "ts"])["frame"].to_numpy()

    def groupby_episode(self):
        t = self.read(self.imu, ["episode", "gx"]).to_pandas()
        g = t.groupby("episode")["gx"].mean()
        return g.index.to_numpy(), g.to_numpy()

    def groupby_1s(self, t0, t1):
        import pandas as pd
        iso = [str(np.datetime64(t, "ns")).replace("T", " ") for t in (t0, t1)]
        t = self.read(self.imu, ["ts", "gx"], f"ts >= TIMESTAMP '{iso[0]}' AND ts < TIMESTAMP '{iso[1]}'").to_pandas()
        return t.groupby(pd.to_datetime(t["ts"]).dt.floor("1s"))["gx"].mean().to_numpy()

    def latest(self):
        t = self.read(self.frames, ["frame", "ts"])
        i = int(np.argmax(t["ts"].to_numpy().astype(np.int64)))
        return int(t["frame"][i].as_py())

    def close(self):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=36000)
    ap.add_argument("--imu", type=int, default=180000)
    ap.add_argument("--max-points", type=int, default=3000)
    args = ap.parse_args()
    f, i = make_data(args.frames, args.imu, args.max_points)
    arrow = arrow_tables(f, i)
    cloud_mb = sum(c.nbytes for c in f["cloud"]) / 2**20
    print(f"{args.frames:,} frames (clouds {cloud_mb:,.0f} MiB, 384-d embeddings), {args.imu:,} IMU samples")
    ep, label = 1, "mug"
    t0 = int(i["ts"][len(i["ts"]) // 3])
    t1 = t0 + 60 * 1_000_000_000
    systems = [Embodb]
    for module, cls in (("duckdb", Duck), ("lancedb", Lance)):
        if importlib.util.find_spec(module):
            systems.append(cls)
    results, answers = {}, {}
    workloads = ["filter_2scalars", "read_2scalars", "groupby_episode", "groupby_1s", "latest"]
    for cls in systems:
        root = tempfile.mkdtemp(prefix="bench_robot_")
        try:
            s = cls(root)
            t = now()
            s.ingest(f, i, arrow)
            r = {"ingest": now() - t}
            s.settle()
            calls = {"filter_2scalars": lambda s=s: s.filter_2scalars(ep, label), "read_2scalars": s.read_2scalars,
                     "groupby_episode": s.groupby_episode, "groupby_1s": lambda s=s: s.groupby_1s(t0, t1),
                     "latest": s.latest}
            for w in workloads:
                r[w], answers[(cls.name, w)] = best_of(calls[w])
            s.close()
            results[cls.name] = r
        finally:
            shutil.rmtree(root, ignore_errors=True)
    for cls in systems[1:]:  # every peer answers as embodb does
        for w in workloads:
            a, b = answers[("embodb", w)], answers[(cls.name, w)]
            if w == "groupby_episode":
                assert np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1]), (cls.name, w)
            elif w in ("groupby_1s",):
                assert np.allclose(a, b), (cls.name, w)
            elif w == "latest":
                assert a == b, (cls.name, w, a, b)
            else:
                assert np.array_equal(np.sort(a), np.sort(b)), (cls.name, w)
    print(f"\n{'workload':<18}" + "".join(f"{name:>12}" for name in results) + "   peer/embodb")
    for w in ["ingest"] + workloads:
        line = f"{w:<18}" + "".join(f"{results[n][w] * 1e3:10.2f}ms" for n in results)
        ratios = [f"{n} {results[n][w] / results['embodb'][w]:.2f}x" for n in results if n != "embodb"]
        print(line + "   " + ", ".join(ratios))


if __name__ == "__main__":
    main()
