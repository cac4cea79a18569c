"""The main job: record a synthetic robot episode and query it back.

    python -m embodb.demo [DIRECTORY] [--frames N]

For now the database holds the episode in its key-value store: a pose, joint
readings and a LiDAR point cloud per frame, under keys ordered by episode and
time. Later modalities (tables, vectors, spatial and text search) join here.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np

import embodb


@contextmanager
def step(title: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    print(f"  {title:<58} {(time.perf_counter() - start) * 1000:9.1f} ms")


def frame_key(episode: int, frame: int, kind: bytes) -> bytes:
    # Big-endian integers keep byte order equal to numeric order.
    return b"ep/" + struct.pack(">I", episode) + b"/f/" + struct.pack(">I", frame) + b"/" + kind


def synthetic_episode(frames: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    t = np.arange(frames, dtype=np.float64) / 30.0  # 30 Hz
    poses = np.stack([np.cos(t), np.sin(t), 0.1 * t, np.zeros_like(t), np.zeros_like(t),
                      np.sin(t / 2), np.cos(t / 2)], axis=1).astype(np.float32)
    joints = rng.normal(0.0, 0.3, size=(frames, 7)).astype(np.float32)
    clouds = [rng.normal(0.0, 5.0, size=(int(rng.integers(800, 1600)), 3)).astype(np.float32)
              for _ in range(frames)]
    return {"poses": poses, "joints": joints, "clouds": clouds}


def run(path: str, frames: int) -> None:
    print(f"embodb {embodb.__version__} demo: one robot episode of {frames} frames in {path}")
    data = synthetic_episode(frames)
    cloud_bytes = sum(c.nbytes for c in data["clouds"])

    with embodb.connect(path, durability="group") as db:
        with step(f"record {frames} frames (pose, joints, point cloud; 1 batch each)"):
            for f in range(frames):
                with db.kv.batch() as b:
                    b.put(frame_key(1, f, b"pose"), data["poses"][f])
                    b.put(frame_key(1, f, b"joints"), data["joints"][f])
                    b.put(frame_key(1, f, b"cloud"), data["clouds"][f])
        with step("make it durable (fsync the WAL)"):
            db.sync()

        with step("read the pose of frame 1234 back"):
            pose = np.frombuffer(db.kv[frame_key(1, min(1234, frames - 1), b"pose")], dtype=np.float32)
        print(f"    pose = {np.array2string(pose, precision=3)}")

        with step("scan every pose of the episode in time order"):
            poses = [np.frombuffer(v, dtype=np.float32) for k, v in db.kv.scan(prefix=b"ep/")
                     if k.endswith(b"/pose")]
        path_len = float(np.linalg.norm(np.diff(np.stack(poses)[:, :3], axis=0), axis=1).sum())
        print(f"    {len(poses)} poses, path length {path_len:.2f} m")

        with step("the 5 most recent point clouds (reverse scan)"):
            latest = []
            for k, v in db.kv.scan(prefix=b"ep/", reverse=True):
                if k.endswith(b"/cloud"):
                    latest.append(np.frombuffer(v, dtype=np.float32).reshape(-1, 3))
                    if len(latest) == 5:
                        break
        print(f"    sizes {[c.shape[0] for c in latest]} points")

        keys = [frame_key(1, f, b"joints") for f in range(0, frames, 10)]
        with step(f"get_many: joints of {len(keys)} frames in one call"):
            joints = db.kv.get_many(keys)
        print(f"    mean |joint| = {np.abs(np.stack([np.frombuffer(j, np.float32) for j in joints])).mean():.3f}")

        with db.snapshot() as snap:
            with step("overwrite the first 100 poses while a snapshot is open"):
                db.kv.put_many([frame_key(1, f, b"pose") for f in range(100)],
                               [np.zeros(7, np.float32)] * 100)
            before = np.frombuffer(snap.kv[frame_key(1, 0, b"pose")], np.float32)
            after = np.frombuffer(db.kv[frame_key(1, 0, b"pose")], np.float32)
            print(f"    snapshot sees {before[:3]}, latest sees {after[:3]}")

        with step("flush and compact (parallel merge, blob files for clouds)"):
            db.flush()
            db.compact()
        st = db.stats()
        levels = ", ".join(f"L{lv['level']}: {lv['files']} files {lv['bytes'] / 1e6:.1f} MB"
                           for lv in st["levels"] if lv["files"])
        print(f"    {levels}; {st['blob_files']} blob files {st['blob_file_bytes'] / 1e6:.1f} MB "
              f"(point clouds: {cloud_bytes / 1e6:.1f} MB raw)")
        print(f"    write amplification {st['write_amplification']:.2f}, "
              f"block cache hit rate {st['block_cache_hit_rate']:.0%}")

    with step("reopen and check a point cloud"):
        with embodb.connect(path) as db:
            f = frames // 2
            cloud = np.frombuffer(db.kv[frame_key(1, f, b"cloud")], np.float32).reshape(-1, 3)
            assert np.array_equal(cloud, data["clouds"][f])
    print("done.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", help="database directory (default: a temporary one)")
    parser.add_argument("--frames", type=int, default=3000)
    args = parser.parse_args(argv)
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
