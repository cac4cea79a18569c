"""A spatial index over every point of a pointcloud column, placed in the
world frame by each row's pose: k-nearest, radius and box queries answer
(row key, point index, distance) as NumPy brute force does, through inserts,
updates, deletes, flushes, compactions and reopens, with filters, and by a
scan at a snapshot; bad input is refused and writes nothing."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError

SCHEMA = {"id": "int64", "cloud": embodb.pointcloud(4), "position": embodb.point3(),
          "orientation": embodb.vector(4), "cat": "int32"}


def rotation(q):
    """The index's rotation of a quaternion (x, y, z, w): normalized in
    float64, then float32."""
    x, y, z, w = (np.asarray(q, np.float64) / np.linalg.norm(np.asarray(q, np.float64))).tolist()
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]).astype(np.float32)


def world(cloud, position, orientation):
    r = rotation(orientation)
    p = cloud[:, :3].astype(np.float32)
    return (p @ r.T + np.asarray(position, np.float32)).astype(np.float32)


class Model:
    """id -> (cloud, position, orientation, cat); the indexed points."""

    def __init__(self, posed):
        self.posed = posed
        self.rows = {}

    def points(self, cat=None):
        keys, index, pts = [], [], []
        for i, (cloud, pos, ori, c) in self.rows.items():
            if cloud is None or len(cloud) == 0 or (cat is not None and c != cat):
                continue
            if self.posed:
                if pos is None or ori is None:
                    continue
                w = world(cloud, pos, ori)
            else:
                w = cloud[:, :3]
            ok = np.all(np.isfinite(w), axis=1)
            keys.append(np.full(ok.sum(), i))
            index.append(np.flatnonzero(ok))
            pts.append(w[ok])
        if not keys:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 3), np.float32)
        return np.concatenate(keys), np.concatenate(index), np.concatenate(pts)


def random_scan(rng, n):
    return rng.normal(0, 3, (n, 4)).astype(np.float32)


def check(t, model, rng, reader=None):
    source = t if reader is None else reader
    for cat in (None, int(rng.integers(0, 3))):
        keys, index, pts = model.points(cat)
        where = None if cat is None else f"cat = {cat}"
        queries = rng.uniform(-8, 8, (4, 3)).astype(np.float32)
        k = 7
        got_keys, got_points, got_dist = source.knn_points(queries, k=k, where=where, column="cloud")
        assert got_keys.shape == (4, min(k, len(keys)))
        for qi, q in enumerate(queries):
            d = np.sqrt(((pts - q) ** 2).sum(axis=1))
            assert np.allclose(got_dist[qi], np.sort(d)[:k], atol=1e-4)
            for key, p, dist in zip(got_keys[qi], got_points[qi], got_dist[qi]):
                at = np.flatnonzero((keys == key) & (index == p))
                assert len(at) == 1 and abs(d[at[0]] - dist) < 1e-4
        r = 1.5
        got_keys, got_points, got_dist, offsets = source.radius_points(queries, r, where=where, column="cloud")
        for qi, q in enumerate(queries):
            d = np.sqrt(((pts - q) ** 2).sum(axis=1))
            got = set(zip(got_keys[offsets[qi]:offsets[qi + 1]].tolist(),
                          got_points[offsets[qi]:offsets[qi + 1]].tolist()))
            surely = set(zip(keys[d <= r - 1e-4].tolist(), index[d <= r - 1e-4].tolist()))
            maybe = set(zip(keys[d <= r + 1e-4].tolist(), index[d <= r + 1e-4].tolist()))
            assert surely <= got <= maybe
        lo, hi = np.float32([-2, -2, -1]), np.float32([1, 2, 1])
        q = source.in_box(lo, hi, column="cloud")
        got = q.where(where).to_numpy() if where else q.to_numpy()
        inside = np.all((pts >= lo - 1e-4) & (pts <= hi + 1e-4), axis=1)
        strictly = np.all((pts >= lo + 1e-4) & (pts <= hi - 1e-4), axis=1)
        got_pairs = set(zip(got["id"].tolist(), got["_point"].tolist()))
        assert set(zip(keys[strictly].tolist(), index[strictly].tolist())) <= got_pairs
        assert got_pairs <= set(zip(keys[inside].tolist(), index[inside].tolist()))


@st.composite
def scenarios(draw):
    steps = [draw(st.sampled_from(["scan", "scan", "update", "delete", "flush", "compact", "reopen"]))
             for _ in range(draw(st.integers(2, 7)))]
    return steps, draw(st.booleans()), draw(st.integers(0, 2**31))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_cloud_index_answers_as_brute_force(tmp_path_factory, scenario):
    steps, posed, seed = scenario
    rng = np.random.default_rng(seed)
    path = str(tmp_path_factory.mktemp("clouds") / "db")
    db = embodb.connect(path)
    t = db.create_table("scans", SCHEMA, primary_key="id")
    model = Model(posed)
    next_id = 0

    def write(ids):
        rows = {"id": ids, "cloud": [], "position": [], "orientation": [], "cat": []}
        for i in ids:
            n = int(rng.integers(0, 400))
            cloud = random_scan(rng, n) if rng.random() > 0.1 else None
            pos = rng.uniform(-4, 4, 3).astype(np.float32) if rng.random() > 0.1 else None
            ori = rng.normal(0, 1, 4).astype(np.float32) if rng.random() > 0.1 else None
            cat = int(rng.integers(0, 3))
            for name, v in (("cloud", cloud), ("position", pos), ("orientation", ori), ("cat", cat)):
                rows[name].append(v)
            model.rows[i] = (cloud, pos, ori, cat)
        t.upsert(rows)

    if seed % 2:
        t.create_index("cloud", "spatial", **({"pose": ("position", "orientation")} if posed else {}))
    try:
        for step in steps:
            if step == "scan":
                ids = list(range(next_id, next_id + int(rng.integers(1, 6))))
                next_id += len(ids)
                write(ids)
            elif step == "update" and model.rows:
                write(rng.choice(sorted(model.rows), min(3, len(model.rows)), replace=False).tolist())
            elif step == "delete" and model.rows:
                gone = rng.choice(sorted(model.rows), min(2, len(model.rows)), replace=False).tolist()
                t.delete(gone)
                for i in gone:
                    del model.rows[i]
            elif step == "flush":
                db.flush()
            elif step == "compact":
                db.flush()
                db.compact()
            elif step == "reopen":
                db.close()
                db = embodb.connect(path)
                t = db["scans"]
        if not t.indexes:
            t.create_index("cloud", "spatial", **({"pose": ("position", "orientation")} if posed else {}))
        check(t, model, rng)
        check(t, model, rng, reader=db.snapshot().table("scans"))  # a scan, placed by the index's pose
        t.verify()
    finally:
        db.close()


@pytest.fixture
def scans(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("scans", SCHEMA, primary_key="id")
    rng = np.random.default_rng(4)
    for i in range(40):
        yaw = 0.2 * i
        t.insert({"id": [i], "cloud": [rng.normal(0, 5, (2000, 4)).astype(np.float32)],
                  "position": [[i, 0, 0]], "orientation": [[0, 0, np.sin(yaw / 2), np.cos(yaw / 2)]],
                  "cat": [i % 2]})
    t.create_index("cloud", "spatial", pose=("position", "orientation"))
    yield db, t
    db.close()


def test_queries_name_the_index_and_return_points(scans):
    db, t = scans
    info = [ix for ix in t.indexes if ix.kind == "spatial"][0]
    assert "points=80000" in repr(info) and "position='position'" in repr(info)
    plan = t.near([0, 0, 0], k=5, column="cloud").explain()
    assert "the spatial index on 'cloud' (80000 points): the 5 nearest" in plan
    rows = t.near([0, 0, 0], k=5, column="cloud").select("id", "_point", "_distance").to_pandas()
    assert list(rows.columns) == ["id", "_point", "_distance"] and len(rows) == 5
    one = t.near([0, 0, 0], k=5, column="cloud").where("id = 3")
    assert "compare the points of the 1 matching rows directly" in one.explain()
    row = t.get(3)
    d = np.sqrt((world(row["cloud"], row["position"], row["orientation"]) ** 2).sum(axis=1))
    got = one.select("id", "_point", "_distance").to_numpy()
    assert got["id"].tolist() == [3] * 5 and np.allclose(got["_distance"], np.sort(d)[:5], atol=1e-4)
    assert np.allclose(d[got["_point"]], got["_distance"], atol=1e-4)
    assert "the 5 nearest among the matching rows" in t.near([0, 0, 0], k=5, column="cloud").where(
        "id < 30").explain()
    assert "scan" in db.snapshot().table("scans").near([0, 0, 0], k=5, column="cloud").explain()
    # A 100k-point scan goes in as one batch and is found.
    far = np.zeros((100_000, 4), np.float32)
    far[:, 0] = np.linspace(500, 600, 100_000)
    t.insert({"id": [100], "cloud": [far], "position": [[0, 0, 0]], "orientation": [[0, 0, 0, 1]], "cat": [0]})
    keys, points, dist = t.knn_points([[550, 0, 0]], k=1, column="cloud")
    assert keys[0, 0] == 100 and abs(far[points[0, 0], 0] - 550) < 1e-3
    t.delete([100])
    keys, _, dist = t.knn_points([[550, 0, 0]], k=1, column="cloud")
    assert keys[0, 0] != 100 and dist[0, 0] > 400
    t.verify()


def test_bad_input_is_refused_and_writes_nothing(scans):
    db, t = scans
    with pytest.raises(InvalidInputError, match="orientation is zero or not finite"):
        t.insert({"id": [50], "cloud": [np.ones((3, 4), np.float32)], "position": [[0, 0, 0]],
                  "orientation": [[0, 0, 0, 0]], "cat": [0]})
    with pytest.raises(InvalidInputError, match="NaN in a pointcloud"):  # the table's rule: drop them first
        t.insert({"id": [50], "cloud": [np.full((3, 4), np.nan, np.float32)], "position": [[0, 0, 0]],
                  "orientation": [[0, 0, 0, 1]], "cat": [0]})
    assert t.get(50) is None
    other = db.create_table("o", {"id": "int64", "pos": embodb.point3(), "cloud": embodb.pointcloud(3),
                                  "q": embodb.vector(3), "name": "string"}, primary_key="id")
    with pytest.raises(SchemaError, match="a pose .* places the points of a pointcloud column"):
        other.create_index("pos", "spatial", pose=("pos", "q"))
    with pytest.raises(SchemaError, match="orientation .* must be a vector\\(4\\) column; 'q' is vector\\(3\\)"):
        other.create_index("cloud", "spatial", pose=("pos", "q"))
    with pytest.raises(SchemaError, match="position must be a point3 column; 'name' is string"):
        other.create_index("cloud", "spatial", pose=("name", "q"))
    with pytest.raises(SchemaError, match="no column 'nope'"):
        other.create_index("cloud", "spatial", pose=("nope", "q"))
    with pytest.raises(InvalidInputError, match="give both or neither"):
        other.create_index("cloud", "spatial", position="pos")
    with pytest.raises(InvalidInputError, match="pair of column names"):
        other.create_index("cloud", "spatial", pose="pos")
    with pytest.raises(InvalidInputError, match="no option 'radius'"):
        other.create_index("cloud", "spatial", radius=3)
    assert other.indexes == ()
    with pytest.raises(InvalidInputError, match="need its spatial index"):
        other.near([0, 0, 0], column="cloud").to_list()
    with pytest.raises(InvalidInputError, match="NaN or infinity"):
        t.knn_points([[np.nan, 0, 0]], k=3, column="cloud")
