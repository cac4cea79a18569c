"""The main job: record synthetic robot episodes into a table and query them.

    python -m embodb.demo [DIRECTORY] [--frames N]

Each camera frame becomes one row: a timestamp, the episode, the robot's pose
(a point3 and a quaternion), seven joint readings, a text label of what the
gripper sees, a 384-d embedding of the image and a small LiDAR point cloud.
Frames arrive one second (30 frames) per insert, as a recorder would write
them. The embeddings get an HNSW index and a filtered semantic search; later
issues add spatial and text indexes to the same table.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np

import embodb

HZ = 30
EPISODES = 3
LABELS = np.array(["cup", "mug", "bowl", "plate", "sponge", "nothing"])
START = np.datetime64("2026-11-21T09:00:00", "ns")

SCHEMA = {
    "frame": "int64",
    "ts": "timestamp",
    "episode": embodb.column("int32", not_null=True),
    "position": embodb.point3(),
    "orientation": embodb.vector(4),
    "joints": embodb.vector(7),
    "label": "string",
    "embedding": embodb.vector(384),
    "cloud": embodb.pointcloud(3),
}


@contextmanager
def step(title: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    print(f"  {title:<62} {(time.perf_counter() - start) * 1000:9.1f} ms")


def synthetic_frames(frames: int, seed: int = 7) -> dict:
    """frames rows split into EPISODES episodes, 10 s apart."""
    rng = np.random.default_rng(seed)
    per = max(1, frames // EPISODES)
    episode = np.minimum(np.arange(frames) // per, EPISODES - 1).astype(np.int32)
    t = np.arange(frames, dtype=np.float64) / HZ
    ts = START + (t * 1e9).astype("timedelta64[ns]") + episode.astype("timedelta64[s]") * 10
    position = np.stack([np.cos(t / 4), np.sin(t / 4), 0.02 * t], axis=1).astype(np.float32)
    half = t / 8
    orientation = np.stack([np.cos(half), np.zeros_like(t), np.zeros_like(t), np.sin(half)], axis=1)
    label = LABELS[(np.arange(frames) // 45 + episode) % len(LABELS)]
    # An embedding per label plus noise, so that frames of one object are near each other.
    centres = rng.normal(size=(len(LABELS), 384)).astype(np.float32)
    codes = np.searchsorted(np.sort(LABELS), label)
    embedding = centres[codes] + 0.3 * rng.normal(size=(frames, 384)).astype(np.float32)
    embedding /= np.linalg.norm(embedding, axis=1, keepdims=True)
    clouds = [rng.normal(0.0, 2.0, size=(int(rng.integers(200, 400)), 3)).astype(np.float32) for _ in range(frames)]
    return {
        "frame": np.arange(frames, dtype=np.int64), "ts": ts, "episode": episode, "position": position,
        "orientation": orientation.astype(np.float32), "joints": rng.normal(0, 0.3, (frames, 7)).astype(np.float32),
        "label": label.tolist(), "embedding": embedding, "cloud": clouds,
    }


def rows(data: dict, start: int, stop: int) -> dict:
    return {k: v[start:stop] for k, v in data.items()}


def run(path: str, frames: int) -> None:
    print(f"embodb {embodb.__version__} demo: {frames} camera frames of {EPISODES} episodes in {path}")
    data = synthetic_frames(frames)

    with embodb.connect(path, durability="group") as db:
        frames_t = db.create_table("frames", SCHEMA, primary_key="frame")
        with step(f"record {frames} frames at {HZ} Hz, one insert per second of data"):
            for start in range(0, frames, HZ):
                frames_t.insert(rows(data, start, min(frames, start + HZ)))
            db.sync()
        print(f"    {len(frames_t)} rows; schema {frames_t.schema}")

        middle = frames // 2
        with step(f"get frame {middle}"):
            row = frames_t.get(middle)
        print(f"    episode {row['episode']}, label {row['label']!r}, "
              f"position {np.array2string(row['position'], precision=2)}, cloud {row['cloud'].shape}")

        query = "episode = 1 AND label IN ('cup', 'mug')"
        with step(f"where {query!r} (full scan)"):
            n_scan = frames_t.where(query).count()
        with step("create an index on label (existing rows in one atomic step)"):
            frames_t.create_index("label")
        with step("the same filter through the index"):
            hits = frames_t.where(query).select("frame", "ts", "label").to_numpy()
        assert len(hits["frame"]) == n_scan
        print(f"    {n_scan} frames; plan:")
        for line in frames_t.where(query).explain().splitlines():
            print(f"      {line}")

        t0 = START + np.timedelta64(10, "s")
        t1 = t0 + np.timedelta64(2, "s")
        with step("point clouds of a 2-second window (ts >= t0 AND ts < t1)"):
            window = frames_t.where(f"ts >= '{t0}' AND ts < '{t1}'").select("ts", "cloud").to_numpy()
        points = sum(len(c) for c in window["cloud"])
        print(f"    {len(window['cloud'])} clouds, {points} points in all, viewed without copies")

        with step("the 5 latest frames of episode 2 (order_by ts descending)"):
            latest = frames_t.where("episode = 2").order_by("ts", descending=True).limit(5).to_list()
        print(f"    frames {[r['frame'] for r in latest]}")

        with step("all 384-d embeddings as one (n, 384) array, no copy"):
            emb = frames_t.select("frame", "embedding").to_numpy()
        with step("nearest 5 frames to frame 0 by cosine (NumPy on that array)"):
            scores = emb["embedding"] @ emb["embedding"][0]
            near = emb["frame"][np.argsort(-scores)[:5]]
        print(f"    embeddings {emb['embedding'].shape} {emb['embedding'].dtype}, owns data: "
              f"{emb['embedding'].flags.owndata}; nearest: {near.tolist()} "
              f"(labels {[frames_t.get(int(f))['label'] for f in near]})")

        with step("an hnsw index on the embeddings (cosine), over the rows there"):
            frames_t.create_index("embedding", "hnsw", metric="cosine", progress=False)
        target = emb["embedding"][0]
        similar = frames_t.search(target).where("episode = 2").limit(5)
        with step("the 5 frames of episode 2 most like frame 0 (search + where)"):
            found = similar.select("frame", "label", "_distance").to_list()
        exact = similar.exact().select("frame").to_numpy()["frame"]
        agree = len(set(exact.tolist()) & {r["frame"] for r in found})
        print(f"    {[(r['frame'], r['label'], round(r['_distance'], 3)) for r in found]} "
              f"({agree} of 5 as exact search)")
        for line in similar.explain().splitlines():
            print(f"      {line}")
        with step(f"the 5 nearest frames of each of the {frames} frames (knn, every core)"):
            keys, _ = frames_t.knn(emb["embedding"], 5)
        labels = np.asarray(data["label"])
        alike = np.mean(labels[keys] == labels[emb["frame"]][:, None])
        print(f"    {alike:.0%} of the neighbours show the same object as the frame")

        with db.snapshot() as snap:
            with step("relabel the cups of episode 0 as mugs (update ... where)"):
                changed = frames_t.update({"label": "mug"}, where="episode = 0 AND label = 'cup'")
            before = snap["frames"].where("label = 'cup'").count()
            print(f"    {changed} rows changed; cups: {before} in the snapshot, "
                  f"{frames_t.where('label = ' + repr('cup')).count()} now")

        with step("a transaction that fails halfway rolls back"):
            try:
                with db.transaction() as tx:
                    tx["frames"].delete(where="episode = 2")
                    raise RuntimeError("the robot lost power mid-edit")
            except RuntimeError:
                pass
        print(f"    episode 2 still has {frames_t.where('episode = 2').count()} frames")

        try:
            import pandas  # noqa: F401  (imported here so that its import time is not counted)
        except ImportError:
            print("    (pandas is not installed: skipping to_pandas)")
        else:
            with step("to_pandas: frames per label"):
                df = frames_t.select("label", "episode").to_pandas()
                per_label = df.groupby("label").size().to_dict()
            print(f"    {per_label}")

        imu_hz = 200
        ts = data["ts"].astype("datetime64[ns]").view(np.int64)
        with step(f"an IMU at {imu_hz} Hz per episode: create_timeseries, append"):
            imu = db.create_timeseries("imu", {"ts": "timestamp", "episode": "int32", "gx": "float32",
                                               "az": "float32"}, tags=("episode",))
            for e in range(EPISODES):
                mine = ts[data["episode"] == e]
                t_imu = np.arange(mine[0], mine[-1] + 1, 1_000_000_000 // imu_hz, dtype=np.int64)
                phase = (t_imu - t_imu[0]) / 1e9
                imu.append({"ts": t_imu, "episode": np.full(len(t_imu), e, np.int32),
                            "gx": np.round(np.sin(phase * 3.0) * 50, 2).astype(np.float32),
                            "az": np.round(9.81 + np.cos(phase * 7.0) * 0.5, 3).astype(np.float32)})
        print(f"    {len(imu)} samples in {EPISODES} series")
        with step("resample the IMU: mean, min and max of gx per second"):
            per_second = imu.resample("1s", {"gx": ["mean", "min", "max"]}).to_numpy()
        print(f"    {len(per_second['ts'])} buckets; the first: mean {per_second['gx_mean'][0]:.2f}, "
              f"min {per_second['gx_min'][0]:.2f}, max {per_second['gx_max'][0]:.2f}")
        with step("the IMU sample at each camera frame (join_asof by episode)"):
            joined = frames_t.join_asof(imu, on="ts", by="episode", columns=["gx", "az"]).to_numpy()
        matched = int((~np.ma.getmaskarray(joined["gx"])).sum())
        print(f"    {matched} of {len(joined['gx'])} frames have an IMU sample at or before them")

        with step("flush and compact"):
            db.flush()
            db.compact()
        st = db.stats()
        levels = ", ".join(f"L{lv['level']}: {lv['files']} files {lv['bytes'] / 1e6:.1f} MB"
                           for lv in st["levels"] if lv["files"])
        print(f"    {levels}; write amplification {st['write_amplification']:.2f}")

    with step("reopen and compare a point cloud"):
        with embodb.connect(path) as db:
            f = frames // 3
            cloud = db["frames"].get(f)["cloud"]
            assert np.array_equal(cloud, data["cloud"][f])
    print("done.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", help="database directory (default: a temporary one)")
    parser.add_argument("--frames", type=int, default=9000)
    args = parser.parse_args(argv)
    if args.frames < EPISODES * HZ:
        parser.error(f"--frames must be at least {EPISODES * HZ}")
    if args.directory:
        run(args.directory, args.frames)
        return
    tmp = tempfile.mkdtemp(prefix="embodb_demo_")
    try:
        run(tmp + "/robot.edb", args.frames)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
