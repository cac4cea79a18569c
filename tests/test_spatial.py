"""Spatial queries on point3 columns (near, within, in_box, knn_points,
radius_points), with and without a spatial index, against NumPy brute force
with the index's own float32 arithmetic, through writes, flushes,
compactions and reopens; filters keep exactly k; bad input is refused."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError


def distances2(points, q):
    """Squared distances in float32, summed as the core sums them."""
    d = points.astype(np.float32) - np.asarray(q, np.float32)
    return (d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) + d[:, 2] * d[:, 2]


class Model:
    """The table's rows: id -> (point or None, cat)."""

    def __init__(self):
        self.rows = {}

    def arrays(self, where_cat=None):
        ids = [i for i, (p, c) in self.rows.items() if p is not None and (where_cat is None or c == where_cat)]
        pts = np.array([self.rows[i][0] for i in ids], np.float32).reshape(-1, 3)
        return np.array(ids, np.int64), pts


def check_against_model(t, model, rng):
    for _ in range(6):
        q = rng.uniform(-12, 12, 3).astype(np.float32)
        cat = int(rng.integers(0, 4))
        for where_cat in (None, cat):
            ids, pts = model.arrays(where_cat)
            where = None if where_cat is None else f"cat = {where_cat}"
            d2 = distances2(pts, q)
            # k nearest: the same distances as brute force, exactly k when k match.
            k = int(rng.integers(1, 12))
            query = t.near(q, k=k)
            if where:
                query = query.where(where)
            got = query.select("id", "_distance").to_numpy()
            want = np.sort(np.sqrt(d2))[:k]
            assert len(got["id"]) == min(k, len(ids))
            assert np.allclose(got["_distance"], want, rtol=0, atol=1e-5)
            for key, dist in zip(got["id"], got["_distance"]):
                assert np.isclose(np.sqrt(d2[np.flatnonzero(ids == key)[0]]), dist, atol=1e-5)
            # Within a radius (exactly representable, so no rounding at the edge).
            r = float(rng.choice([0.5, 2.0, 4.25]))
            query = t.within(q, r)
            if where:
                query = query.where(where)
            got = query.select("id", "_distance").to_numpy()
            assert sorted(got["id"].tolist()) == sorted(ids[d2 <= np.float32(r) * np.float32(r)].tolist())
            assert np.all(np.diff(got["_distance"]) >= 0), "nearest first"
            # In a box, bounds inclusive.
            lo = q - np.float32(3)
            hi = q + rng.uniform(0, 5, 3).astype(np.float32)
            query = t.in_box(lo, hi)
            if where:
                query = query.where(where)
            got = query.select("id").to_numpy()["id"]
            inside = np.all((pts >= lo) & (pts <= hi), axis=1)
            assert sorted(got.tolist()) == sorted(ids[inside].tolist())
    # Batches.
    ids, pts = model.arrays()
    queries = rng.uniform(-12, 12, (5, 3)).astype(np.float32)
    keys, dist = t.knn_points(queries, k=3)
    assert keys.shape == (5, min(3, len(ids)))
    for i, q in enumerate(queries):
        assert np.allclose(dist[i], np.sort(np.sqrt(distances2(pts, q)))[:3], atol=1e-5)
    keys, dist, offsets = t.radius_points(queries, 2.0)
    assert offsets.tolist()[0] == 0 and len(offsets) == 6 and offsets[-1] == len(keys)
    for i, q in enumerate(queries):
        d2 = distances2(pts, q)
        assert sorted(keys[offsets[i]:offsets[i + 1]].tolist()) == sorted(ids[d2 <= 4.0].tolist())


@st.composite
def scenarios(draw):
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        steps.append(draw(st.sampled_from(["write", "write", "update", "delete", "flush", "compact", "reopen",
                                           "index"])))
    return steps, draw(st.integers(0, 2**31))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_spatial_queries_answer_as_brute_force(tmp_path_factory, scenario):
    steps, seed = scenario
    rng = np.random.default_rng(seed)
    path = str(tmp_path_factory.mktemp("spatial") / "db")
    db = embodb.connect(path)
    t = db.create_table("lm", {"id": "int64", "pos": embodb.point3(), "cat": "int32"}, primary_key="id")
    if seed % 2:
        t.create_index("pos")
    model = Model()
    try:
        for step in steps:
            if step == "write":
                n = int(rng.integers(1, 800))
                ids = rng.choice(3000, n, replace=False)
                # Clustered points with duplicates and a few nulls.
                pts = np.round(rng.normal(0, 4, (n, 3)), 1).astype(np.float32)
                cats = rng.integers(0, 4, n).astype(np.int32)
                pos = [None if rng.random() < 0.05 else p for p in pts]
                t.upsert({"id": ids, "pos": pos, "cat": cats})
                for i, p, c in zip(ids.tolist(), pos, cats.tolist()):
                    model.rows[i] = (None if p is None else p.tolist(), c)
            elif step == "update" and model.rows:
                c = int(rng.integers(0, 4))
                t.update({"pos": [1.5, -2.0, 0.25]}, where=f"cat = {c}")
                for i, (_, cat) in list(model.rows.items()):
                    if cat == c:
                        model.rows[i] = ([1.5, -2.0, 0.25], cat)
            elif step == "delete" and model.rows:
                gone = rng.choice(sorted(model.rows), min(len(model.rows), 200), replace=False).tolist()
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
                t = db["lm"]
            elif step == "index" and not any(ix.kind == "spatial" for ix in t.indexes):
                t.create_index("pos", "spatial")
        check_against_model(t, model, rng)
        t.verify()
    finally:
        db.close()


@pytest.fixture
def landmarks(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("lm", {"id": "int64", "pos": embodb.point3(), "cat": "int32", "name": "string"},
                        primary_key="id")
    rng = np.random.default_rng(3)
    n = 20000
    pts = rng.uniform(0, 100, (n, 3)).astype(np.float32)
    t.insert({"id": np.arange(n), "pos": pts, "cat": np.arange(n) % 100, "name": [f"n{i}" for i in range(n)]})
    t.create_index("pos")
    yield db, t, pts
    db.close()


def test_a_selective_filter_still_returns_exactly_k(landmarks):
    _, t, pts = landmarks
    q = np.array([50, 50, 50], np.float32)
    for cat in (7, 42):
        got = t.near(q, k=10).where(f"cat = {cat}").select("id", "cat", "_distance").to_numpy()
        assert len(got["id"]) == 10 and set(got["cat"].tolist()) == {cat}
        ids = np.flatnonzero(np.arange(len(pts)) % 100 == cat)
        want = np.sort(np.sqrt(distances2(pts[ids], q)))[:10]
        assert np.allclose(got["_distance"], want, atol=1e-4)
    # Fewer than k match: all of them.
    assert len(t.near(q, k=10).where("id < 3").to_list()) == 3


def test_explain_names_the_index_or_the_scan(landmarks):
    db, t, _ = landmarks
    q = [1, 2, 3]
    assert "the spatial index on 'pos' (20000 points): the 5 nearest" in t.near(q, k=5).explain()
    assert "compare the 200 matching points directly" in t.near(q, k=5).where("cat = 3").explain()
    assert "the spatial index" in t.within(q, 2.5).explain()
    assert "the points in the box" in t.in_box([0, 0, 0], [1, 1, 1]).explain()
    snap = db.snapshot()
    assert "scan: compare the 'pos' of every row" in snap.table("lm").near(q, k=5).explain()
    # Rows come with every column, or the selection, and a distance.
    row = t.near(q, k=1).to_list()[0]
    assert set(row) == {"id", "pos", "cat", "name", "_distance"}
    assert set(t.in_box([0, 0, 0], [50, 50, 50]).limit(3).to_list()[0]) == {"id", "pos", "cat", "name"}
    assert len(t.in_box([0, 0, 0], [50, 50, 50]).limit(3).to_list()) == 3
    assert t.near(q, k=2).to_pandas().shape == (2, 5)
    assert t.within(q, 5).to_arrow().num_columns == 5


def test_a_snapshot_answers_as_of_its_time(landmarks):
    db, t, pts = landmarks
    snap = db.snapshot()
    t.update({"pos": [500, 500, 500]}, where="id < 10")
    t.delete(list(range(10, 20)))
    old = snap.table("lm").in_box([-1, -1, -1], [101, 101, 101]).select("id").to_numpy()["id"]
    assert len(old) == 20000
    now = t.in_box([-1, -1, -1], [101, 101, 101]).select("id").to_numpy()["id"]
    assert len(now) == 20000 - 20
    assert t.near([500, 500, 500], k=10).select("id").to_numpy()["id"].tolist() == list(range(10))
    t.verify()


def test_composite_keys_come_back_as_tuples(tmp_path):
    with embodb.connect(str(tmp_path / "db")) as db:
        t = db.create_table("m", {"robot": "string", "ts": "int64", "pos": embodb.point3()},
                            primary_key=("robot", "ts"))
        t.insert({"robot": ["a", "a", "b"], "ts": [1, 2, 1], "pos": [[0, 0, 0], [5, 5, 5], [1, 0, 0]]})
        t.create_index("pos")
        keys, dist = t.knn_points([[0, 0, 0]], k=2)
        assert keys[0].tolist() == [("a", 1), ("b", 1)] and dist[0].tolist() == [0.0, 1.0]


def test_bad_input_is_refused_and_writes_nothing(landmarks):
    _, t, _ = landmarks
    with pytest.raises(InvalidInputError, match="NaN or infinity"):
        t.near([np.nan, 0, 0]).to_list()
    with pytest.raises(InvalidInputError, match=r"a point \(x, y, z\)"):
        t.near([1, 2]).to_list()
    with pytest.raises(InvalidInputError, match="an \\(n, 3\\) array"):
        t.knn_points(np.zeros((4, 2)), k=3)
    with pytest.raises(InvalidInputError, match="positive integer"):
        t.near([1, 2, 3], k=0)
    with pytest.raises(InvalidInputError, match="radius"):
        t.within([1, 2, 3], -1.0).to_list()
    with pytest.raises(InvalidInputError, match="radius"):
        t.within([1, 2, 3], float("nan")).to_list()
    with pytest.raises(InvalidInputError, match="lo is above its hi on axis y"):
        t.in_box([0, 5, 0], [1, 1, 1]).to_list()
    with pytest.raises(InvalidInputError, match="numbers"):
        t.near(["a", "b", "c"])
    with pytest.raises(SchemaError, match="not a point3 column"):
        t.near([1, 2, 3], column="name").to_list()
    with pytest.raises(SchemaError, match="spatial index needs a point3 or pointcloud column; .name. is string"):
        t.create_index("name", "spatial")
    before = len(t)
    with pytest.raises(InvalidInputError):
        t.insert({"id": [10**6], "pos": [[np.inf, 0, 0]], "cat": [1], "name": ["x"]})
    assert len(t) == before
    t.verify()
