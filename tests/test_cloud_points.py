"""Query.points: the points inside a point-cloud column of the selected rows,
moved by each row's pose, cropped and voxel-downsampled in C++, against the
same pipeline written in NumPy."""

import numpy as np
import pytest

import embodb
from embodb.errors import InvalidInputError, SchemaError


def rotation(q):
    x, y, z, w = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def reference(clouds, poses, rows, box=None, center=None, radius=None, voxel=None):
    """The NumPy pipeline: transform, crop, voxel means (sorted for comparing)."""
    parts = []
    for i in rows:
        c = clouds[i].astype(np.float64).copy()
        if poses is not None:
            pos, q = poses[i]
            c[:, :3] = c[:, :3] @ rotation(q).T + pos
        keep = np.ones(len(c), bool)
        if box is not None:
            keep &= np.all((c[:, :3] >= box[0]) & (c[:, :3] <= box[1]), axis=1)
        if center is not None:
            keep &= np.sum((c[:, :3] - center) ** 2, axis=1) <= radius * radius
        parts.append(c[keep])
    pts = np.concatenate(parts) if parts else np.zeros((0, 4))
    if voxel is not None and len(pts):
        cells = np.floor(pts[:, :3] / voxel).astype(np.int64)
        _, inverse = np.unique(cells, axis=0, return_inverse=True)
        sums = np.zeros((inverse.max() + 1, pts.shape[1]))
        np.add.at(sums, inverse.ravel(), pts)
        pts = sums / np.bincount(inverse.ravel())[:, None]
    return pts


def sorted_rows(a):
    return a[np.lexsort(a.T[::-1])] if len(a) else a


@pytest.fixture
def scans(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("scans", {"ts": "int64", "position": embodb.point3(), "orientation": embodb.vector(4),
                                  "cloud": embodb.pointcloud(4)}, primary_key="ts")
    rng = np.random.default_rng(1)
    clouds = [rng.uniform(-10, 10, (int(rng.integers(0, 3000)), 4)).astype(np.float32) for _ in range(30)]
    angles = rng.uniform(0, 2 * np.pi, 30)
    poses = [(np.array([i * 0.5, -i, 0.25], np.float32),
              np.array([0, 0, np.sin(a / 2), np.cos(a / 2)], np.float32)) for i, a in enumerate(angles)]
    t.insert({"ts": np.arange(30), "position": [p for p, _ in poses], "orientation": [q for _, q in poses],
              "cloud": clouds})
    yield db, t, clouds, poses
    db.close()


def test_points_of_selected_rows_come_in_one_array_with_their_rows(scans):
    _, t, clouds, _ = scans
    got = t.where("ts >= 3 AND ts < 9").points("cloud")
    want_rows = [i for i in range(3, 9) if len(clouds[i])]
    assert got.points.dtype == np.float32 and got.points.shape == (sum(len(clouds[i]) for i in want_rows), 4)
    assert got.keys.tolist() == want_rows and got.rows == 6
    for j, i in enumerate(want_rows):
        assert np.array_equal(got.points[got.offsets[j]:got.offsets[j + 1]], clouds[i])


@pytest.mark.parametrize("options", [
    {"box": ([-3, -4, -2], [6, 5, 4])},
    {"center": [1, -2, 0.5], "radius": 6.0},
    {"box": ([-3, -4, -2], [6, 5, 4]), "voxel": 0.75},
    {"voxel": 2.0},
])
@pytest.mark.parametrize("transformed", [False, True])
def test_transform_crop_and_voxels_match_numpy(scans, options, transformed):
    _, t, clouds, poses = scans
    rows = list(range(5, 25))
    kwargs = dict(options)
    if transformed:
        kwargs["transform"] = ("position", "orientation")
    got = t.where("ts >= 5 AND ts < 25").points("cloud", **kwargs)
    box = options.get("box")
    want = reference(clouds, poses if transformed else None, rows,
                     box=None if box is None else (np.array(box[0]), np.array(box[1])),
                     center=None if "center" not in options else np.array(options["center"]),
                     radius=options.get("radius"), voxel=options.get("voxel"))
    assert got.points.shape == want.shape
    assert np.allclose(sorted_rows(got.points.astype(np.float64)), sorted_rows(want), atol=2e-4)
    if "voxel" in options:
        assert got.keys is None and got.offsets is None


def test_rows_without_a_cloud_or_a_pose_are_skipped(scans):
    _, t, clouds, _ = scans
    t.insert({"ts": [100, 101], "position": [None, [0, 0, 0]], "orientation": [[0, 0, 0, 1], [0, 0, 0, 1]],
              "cloud": [np.ones((5, 4), np.float32), None]})
    assert t.where("ts >= 100").points("cloud").keys.tolist() == [100]
    assert t.where("ts >= 100").points("cloud", transform=("position", "orientation")).points.shape == (0, 4)


def test_bad_requests_are_refused(scans):
    _, t, _, _ = scans
    q = t.where("ts < 5")
    with pytest.raises(InvalidInputError, match="lo is above its hi on axis x"):
        q.points("cloud", box=([1, 0, 0], [0, 1, 1]))
    with pytest.raises(InvalidInputError, match="box= is"):
        q.points("cloud", box=[1, 2, 3])
    with pytest.raises(InvalidInputError, match="needs radius"):
        q.points("cloud", center=[0, 0, 0])
    with pytest.raises(InvalidInputError, match="radius"):
        q.points("cloud", center=[0, 0, 0], radius=-1)
    with pytest.raises(InvalidInputError, match="voxel"):
        q.points("cloud", voxel=0)
    with pytest.raises(InvalidInputError, match="transform="):
        q.points("cloud", transform="position")
    with pytest.raises(SchemaError, match="not a vector\\(4\\) column"):
        q.points("cloud", transform=("position", "position"))
    with pytest.raises(SchemaError, match="not a pointcloud column"):
        q.points("position")
    with pytest.raises(InvalidInputError, match="no order_by, limit"):
        t.query().limit(3).points("cloud")
    t.insert({"ts": [200], "position": [[0, 0, 0]], "orientation": [[0, 0, 0, 0]],
              "cloud": [np.ones((2, 4), np.float32)]})
    with pytest.raises(InvalidInputError, match="key 200 has an orientation that is zero"):
        t.where("ts = 200").points("cloud", transform=("position", "orientation"))
