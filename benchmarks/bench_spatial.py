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
  incremental the i-Octree paper's benchmark, through the table: from 400k
             LiDAR-like points, 100 rounds of t.insert(2k points), 200 kNN
             (k=5, one knn_points call) and 200 radius queries (one
             radius_points call); per-point insert and per-query costs, and
             the same queries on a fresh index built at the final size
  map        scans of 100k points inserted one by one into a table whose
             pointcloud column has a spatial index with a pose (the map a
             robot builds): ms per scan with and without the index, against
             rebuilding a cKDTree over the whole map after each scan
  points     2 s of 10 Hz scans of 100k points (x, y, z, intensity) with a
             pose per scan: t.where(time range).points("cloud",
             transform=(pose), box=, voxel=0.05) vs the same pipeline in
             NumPy (transform, crop) and Open3D (voxel_down_sample) over
             the scans already in memory as arrays
Every answer is checked against the peers' (distances). Prints peer time /
embodb time: above 1, embodb is faster.

    .venv/bin/python benchmarks/bench_spatial.py [--points 1000000] [--queries 100000]
        [--only knn|incremental|map|points]
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


def timed(fn, *args, **kwargs):
    """Seconds fn(*args, **kwargs) takes."""
    start = now()
    fn(*args, **kwargs)
    return now() - start


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
        time.sleep(1 + len(points) / 2e6)  # the background thread saves the fresh index: not while peers run
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


def quaternion_z(angle):
    return np.array([0, 0, np.sin(angle / 2), np.cos(angle / 2)], np.float32)


def scan_points(rng, n):
    """One sensor-frame scan: n returns of 64 beams against a floor 1.8 m
    below and walls, with an intensity channel."""
    elevations = np.deg2rad(rng.uniform(-25, 15, n))
    azimuths = rng.uniform(0, 2 * np.pi, n)
    dirs = np.stack([np.cos(elevations) * np.cos(azimuths), np.cos(elevations) * np.sin(azimuths),
                     np.sin(elevations)], -1)
    with np.errstate(divide="ignore"):
        t = np.where(dirs[:, 2] < 0, -1.8 / dirs[:, 2], np.inf)
        t = np.minimum(t, np.abs(15 / np.where(dirs[:, 1] == 0, 1e-9, dirs[:, 1])))
    t = np.minimum(t, 60)
    pts = dirs * t[:, None] + rng.normal(0, 0.01, (n, 3))
    return np.concatenate([pts, rng.uniform(0, 1, (n, 1))], 1).astype(np.float32)


def bench_points(rng, scans=20, per_scan=100_000):
    try:
        import open3d as o3d
    except ImportError:
        print("\npoints: open3d is not installed; skipped")
        return
    root = tempfile.mkdtemp(prefix="bench_points_")
    try:
        db = embodb.connect(os.path.join(root, "db"), durability="off")
        t = db.create_table("scans", {"ts": "int64", "position": embodb.point3(), "orientation": embodb.vector(4),
                                      "cloud": embodb.pointcloud(4)}, primary_key="ts")
        clouds = [scan_points(rng, per_scan) for _ in range(scans)]
        positions = np.array([[i * 0.1, 0, 1.8] for i in range(scans)], np.float32)  # 1 m/s at 10 Hz
        orientations = np.array([quaternion_z(i * 0.02) for i in range(scans)], np.float32)
        t.insert({"ts": np.arange(scans) * 100_000_000, "position": positions, "orientation": orientations,
                  "cloud": clouds})
        db.flush()
        db.compact()
        lo, hi = np.array([-20, -10, -0.5], np.float32), np.array([20, 10, 3], np.float32)
        voxel = 0.05

        def ours():
            return t.where(f"ts >= 0 AND ts < {scans * 100_000_000}").points(
                "cloud", transform=("position", "orientation"), box=(lo, hi), voxel=voxel).points

        def numpy_open3d():
            parts = []
            for c, p, q in zip(clouds, positions, orientations):
                x, y, z, w = q
                r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                              [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                              [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]], np.float32)
                world = c[:, :3] @ r.T + p
                parts.append(world[np.all((world >= lo) & (world <= hi), axis=1)])
            cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.concatenate(parts).astype(np.float64)))
            return np.asarray(cloud.voxel_down_sample(voxel).points)

        t_ours, got = best_of(ours)
        t_peer, want = best_of(numpy_open3d)
        # Open3D's grid starts at the points' minimum, not at the origin:
        # the voxels embodb fills are checked against NumPy's instead.
        points = t.where(f"ts >= 0 AND ts < {scans * 100_000_000}").points(
            "cloud", transform=("position", "orientation"), box=(lo, hi)).points
        edge = float(np.float32(voxel))  # the core keeps the edge as a float32
        occupied = len(np.unique(np.floor(points[:, :3].astype(np.float64) / edge).astype(np.int64), axis=0))
        assert len(got) == occupied, (len(got), occupied)
        print(f"(Open3D's grid, placed at the points' minimum, holds {len(want):,} voxels)")
        db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\npoints: {scans} scans of {per_scan:,} points, pose, box crop, voxel {voxel} m -> {len(got):,} points")
    print(f"embodb points() {t_ours * 1e3:.1f} ms, NumPy + Open3D {t_peer * 1e3:.1f} ms: {t_peer / t_ours:.2f}x")


def bench_incremental(rng, start=400_000, rounds=100, batch=2_000, queries=200):
    from scipy.spatial import cKDTree

    points = lidar_points(start + rounds * batch, rng)
    points = points[rng.permutation(len(points))]
    root = tempfile.mkdtemp(prefix="bench_incremental_")
    try:
        db = embodb.connect(os.path.join(root, "db"), durability="off")
        t = db.create_table("p", {"id": "int64", "pos": embodb.point3()}, primary_key="id")
        t.insert({"id": np.arange(start), "pos": points[:start]})
        t.create_index("pos", progress=False)
        radius = radius_for(points[:start], rng, neighbours=10)
        insert_s = knn_s = radius_s = 0.0
        rounds_queries = []
        for r in range(rounds):
            lo = start + r * batch
            ids = np.arange(lo, lo + batch)
            insert_s += timed(t.insert, {"id": ids, "pos": points[lo:lo + batch]})
            q = points[rng.choice(lo + batch, queries)] + rng.normal(0, 0.2, (queries, 3)).astype(np.float32)
            rounds_queries.append(q)
            knn_s += timed(t.knn_points, q, k=5, threads=1)
            radius_s += timed(t.radius_points, q, radius, threads=1)
        # The same queries on an index built afresh over the final points.
        t.drop_index("pos", "spatial")
        t.create_index("pos", progress=False)
        time.sleep(1)
        fresh_knn = fresh_radius = 0.0
        for q in rounds_queries:
            fresh_knn += timed(t.knn_points, q, k=5, threads=1)
            fresh_radius += timed(t.radius_points, q, radius, threads=1)
        tree = cKDTree(points)
        ck_knn = sum(timed(tree.query, q, k=5, workers=1) for q in rounds_queries)
        db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n_q = rounds * queries
    print(f"\nincremental: {start:,} points + {rounds} rounds of {batch:,} inserts, {queries} kNN (k=5) and "
          f"{queries} radius ({radius:.3f}) queries per round")
    print(f"insert through the table: {insert_s / (rounds * batch) * 1e6:.2f} us per point "
          f"({insert_s / rounds * 1e3:.2f} ms per {batch:,}-point batch)")
    print(f"kNN    incremental {knn_s / n_q * 1e6:.2f} us/query, fresh index {fresh_knn / n_q * 1e6:.2f} us/query: "
          f"{knn_s / fresh_knn:.2f}x of fresh (bar <= 2); cKDTree.query {ck_knn / n_q * 1e6:.2f} us/query")
    print(f"radius incremental {radius_s / n_q * 1e6:.2f} us/query, fresh index {fresh_radius / n_q * 1e6:.2f} "
          f"us/query: {radius_s / fresh_radius:.2f}x of fresh (bar <= 2)")


def bench_map(rng, scans=30, per_scan=100_000):
    from scipy.spatial import cKDTree

    clouds = [scan_points(rng, per_scan) for _ in range(scans)]
    positions = np.array([[i * 0.5, 0, 1.8] for i in range(scans)], np.float32)
    orientations = np.array([quaternion_z(i * 0.05) for i in range(scans)], np.float32)
    times = {}
    root = tempfile.mkdtemp(prefix="bench_map_")
    try:
        for indexed in (False, True):
            db = embodb.connect(os.path.join(root, f"db{indexed}"), durability="off")
            t = db.create_table("scans", {"ts": "int64", "position": embodb.point3(),
                                          "orientation": embodb.vector(4), "cloud": embodb.pointcloud(4)},
                                primary_key="ts")
            if indexed:
                t.create_index("cloud", "spatial", pose=("position", "orientation"))
            per = [timed(t.insert, {"ts": [i], "position": positions[i:i + 1],
                                    "orientation": orientations[i:i + 1], "cloud": [clouds[i]]})
                   for i in range(scans)]
            times[indexed] = per
            if indexed:
                keys, idx, dist = t.knn_points(np.zeros((1, 3), np.float32), k=1, column="cloud")
                assert keys.shape == (1, 1)
                map_points = sum(len(c) for c in clouds)
                assert [ix for ix in t.indexes if ix.kind == "spatial"][0].rows == scans
            db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    world = []
    rebuild = []
    for i in range(scans):
        x, y, z, w = orientations[i]
        r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                      [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                      [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]], np.float32)
        world.append(clouds[i][:, :3] @ r.T + positions[i])
        if i % 10 == 9:
            rebuild.append((i + 1, timed(cKDTree, np.concatenate(world))))
    with_ix, without = np.median(times[True][1:]), np.median(times[False][1:])
    print(f"\nmap: {scans} scans of {per_scan:,} points into a posed cloud index ({map_points:,} points at the end)")
    print(f"t.insert of one scan: {with_ix * 1e3:.1f} ms with the index, {without * 1e3:.1f} ms without "
          f"(the index's share {(with_ix - without) * 1e3:.1f} ms; median, last scan "
          f"{times[True][-1] * 1e3:.1f} ms)")
    print("cKDTree rebuilt over the map instead: " +
          ", ".join(f"{n} scans {s * 1e3:.0f} ms" for n, s in rebuild))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--only", choices=["knn", "incremental", "map", "points"])
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    threads = os.cpu_count()
    if args.only in (None, "incremental"):
        bench_incremental(rng)
    if args.only in (None, "map"):
        bench_map(rng)
    if args.only in (None, "points"):
        bench_points(rng)
    if args.only not in (None, "knn"):
        return
    for name, make in (("uniform", uniform_points), ("lidar", lidar_points)):
        points = make(args.points, rng)
        # Queries near the data: perturbed data points.
        queries = points[rng.choice(len(points), args.queries)] + rng.normal(0, 0.5, (args.queries, 3)).astype(
            np.float32)
        run(name, points, np.ascontiguousarray(queries, np.float32), radius_for(points, rng), threads)


if __name__ == "__main__":
    main()
