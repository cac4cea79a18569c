"""Spatial queries on a point3 column with its spatial index, against
scipy's cKDTree and pykdtree on the same points, in the same run.

Data sets (1M points each by default; --points to change):
  uniform  points uniform in a 100 m cube;
  lidar    LiDAR-like scans: rays cast from a sensor moving through a scene
           of a floor, walls and boxes, so points lie on surfaces with the
           density falloff of a real scan.

Workloads, each the call a user makes:
  build      t.create_index("pos") on the table         vs cKDTree(points) / KDTree(points)
  knn        t.knn_points(queries, k=10, threads=1|all) vs tree.query(k=10, workers=1|-1)
  radius     t.radius_points(queries, r, threads=1)     vs cKDTree.query_ball_point(r, workers=1)
             (r chosen for about 30 neighbours)
Every answer is checked against the peers' (distances). Prints peer time /
embodb time: above 1, embodb is faster.

    .venv/bin/python benchmarks/bench_spatial.py [--points 1000000] [--queries 100000]
"""

import argparse
import os
import shutil
import tempfile
import time

import numpy as np

import embodb


def now():
    return time.perf_counter()


def best_of(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = now()
        out = fn()
        best = min(best, now() - t)
    return best, out


def uniform_points(n, rng):
    return rng.uniform(0, 100, (n, 3)).astype(np.float32)


def lidar_points(n, rng):
    """Rays from a sensor 1.8 m up, moving along a corridor 40 m wide, into
    a floor (z = 0), walls (y = +-20), and boxes; the nearest hit of each ray
    plus 1 cm noise. 32 beams from -25 to +15 degrees, 1,800 azimuths a scan."""
    boxes = []
    for _ in range(40):  # (lo, hi) of boxes along the corridor
        c = np.array([rng.uniform(0, 400), rng.uniform(-17, 17), 0], np.float32)
        size = rng.uniform(0.5, 3, 3).astype(np.float32)
        boxes.append((c - size * np.array([0.5, 0.5, 0]), c + size * np.array([0.5, 0.5, 1])))
    elevations = np.deg2rad(np.linspace(-25, 15, 32))
    azimuths = np.deg2rad(np.linspace(0, 360, 1800, endpoint=False))
    el, az = np.meshgrid(elevations, azimuths)
    dirs = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1).reshape(-1, 3)
    out, x = [], 0.0
    while sum(len(o) for o in out) < n:
        origin = np.array([x, rng.uniform(-1, 1), 1.8], np.float32)
        t = np.full(len(dirs), np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = -origin[2] / dirs[:, 2]
            t = np.where(floor > 0, np.minimum(t, floor), t)
            for wall in (-20.0, 20.0):
                tw = (wall - origin[1]) / dirs[:, 1]
                t = np.where(tw > 0, np.minimum(t, tw), t)
            for lo, hi in boxes:  # slab test
                t1 = (lo - origin) / dirs
                t2 = (hi - origin) / dirs
                near = np.nanmax(np.minimum(t1, t2), axis=1)
                far = np.nanmin(np.maximum(t1, t2), axis=1)
                hit = (near <= far) & (near > 0)
                t = np.where(hit, np.minimum(t, near), t)
        ok = np.isfinite(t) & (t < 80)
        pts = origin + dirs[ok] * t[ok, None]
        out.append((pts + rng.normal(0, 0.01, pts.shape)).astype(np.float32))
        x += 0.5
    return np.concatenate(out)[:n]


def radius_for(points, rng, neighbours=30):
    """A radius around which sample points have about `neighbours` others."""
    from scipy.spatial import cKDTree

    sample = points[rng.choice(len(points), 2000, replace=False)]
    d, _ = cKDTree(points).query(sample, k=neighbours + 1)
    return float(np.median(d[:, -1]))


def run(name, points, queries, radius, threads):
    results = {}
    root = tempfile.mkdtemp(prefix="bench_spatial_")
    try:
        db = embodb.connect(os.path.join(root, "db"), durability="off")
        t = db.create_table("p", {"id": "int64", "pos": embodb.point3()}, primary_key="id")
        t.insert({"id": np.arange(len(points)), "pos": points})
        db.flush()
        start = now()
        t.create_index("pos", progress=False)
        results["build"] = {"embodb": now() - start}
        results["knn 1 thread"] = {"embodb": best_of(lambda: t.knn_points(queries, k=10, threads=1))}
        results[f"knn {threads} threads"] = {"embodb": best_of(lambda: t.knn_points(queries, k=10))}
        results["radius 1 thread"] = {"embodb": best_of(lambda: t.radius_points(queries, radius, threads=1))}

        from scipy.spatial import cKDTree

        start = now()
        tree = cKDTree(points)
        results["build"]["cKDTree"] = now() - start
        results["knn 1 thread"]["cKDTree"] = best_of(lambda: tree.query(queries, k=10, workers=1))
        results[f"knn {threads} threads"]["cKDTree"] = best_of(lambda: tree.query(queries, k=10, workers=-1))
        results["radius 1 thread"]["cKDTree"] = best_of(
            lambda: tree.query_ball_point(queries, radius, workers=1, return_sorted=False))
        try:
            from pykdtree.kdtree import KDTree
            from threadpoolctl import threadpool_limits

            start = now()
            kd = KDTree(points)
            results["build"]["pykdtree"] = now() - start
            with threadpool_limits(1):
                results["knn 1 thread"]["pykdtree"] = best_of(lambda: kd.query(queries, k=10))
            results[f"knn {threads} threads"]["pykdtree"] = best_of(lambda: kd.query(queries, k=10))
        except ImportError:
            pass
        # The same answers: kNN distances, radius neighbour counts.
        (_, ours), (_, theirs) = results["knn 1 thread"]["embodb"], results["knn 1 thread"]["cKDTree"]
        assert np.allclose(ours[1], theirs[0], atol=1e-3), "kNN distances differ from cKDTree's"
        _, (_, _, offsets) = results["radius 1 thread"]["embodb"]
        _, balls = results["radius 1 thread"]["cKDTree"]
        counts = np.array([len(b) for b in balls])
        assert np.abs(np.diff(offsets) - counts).sum() <= len(counts) // 1000 + 5, "radius counts differ"
        db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{name}: {len(points):,} points, {len(queries):,} queries, radius {radius:.3f}")
    peers = ["cKDTree", "pykdtree"]
    print(f"{'workload':<20}{'embodb':>12}" + "".join(f"{p:>12}" for p in peers) + "   peer/embodb")
    for w, times in results.items():
        secs = {s: (v[0] if isinstance(v, tuple) else v) for s, v in times.items()}
        ratios = ", ".join(f"{p} {secs[p] / secs['embodb']:.2f}x" for p in peers if p in secs)
        print(f"{w:<20}{secs['embodb'] * 1e3:>10.1f}ms" +
              "".join(f"{secs[p] * 1e3:>10.1f}ms" if p in secs else f"{'-':>12}" for p in peers) + f"   {ratios}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=100_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    threads = os.cpu_count()
    for name, make in (("uniform", uniform_points), ("lidar", lidar_points)):
        points = make(args.points, rng)
        # Queries near the data: perturbed data points.
        queries = points[rng.choice(len(points), args.queries)] + rng.normal(0, 0.5, (args.queries, 3)).astype(
            np.float32)
        run(name, points, np.ascontiguousarray(queries, np.float32), radius_for(points, rng), threads)


if __name__ == "__main__":
    main()
