"""The filter language's spatial functions, within(c, [x, y, z], r),
in_box(c, lo, hi) and distance(c, [x, y, z]), and order_by("distance(...)"):
the same rows as NumPy brute force in the index's float32 arithmetic, with
and without a spatial index, through updates and deletes; the planner uses
the index when the condition is selective and a scan when it is not; bad
input is refused."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError


def distances2(points, q):
    d = points.astype(np.float32) - np.asarray(q, np.float32)
    return (d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) + d[:, 2] * d[:, 2]


@pytest.fixture
def frames(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("frames", {"id": "int64", "episode": "int32", "position": embodb.point3(),
                                   "label": "string"}, primary_key="id")
    rng = np.random.default_rng(5)
    n = 20000
    pts = np.round(rng.uniform(0, 100, (n, 3)), 2).astype(np.float32)
    t.insert({"id": np.arange(n), "episode": np.arange(n) % 10, "position": pts,
              "label": [f"l{i % 7}" for i in range(n)]})
    yield db, t, pts
    db.close()


def ids_of(query):
    return sorted(query.select("id").to_numpy()["id"].tolist())


@pytest.mark.parametrize("indexed", [False, True])
def test_spatial_conditions_select_the_rows_numpy_selects(frames, indexed):
    _, t, pts = frames
    if indexed:
        t.create_index("position", "spatial")
    ids = np.arange(len(pts))
    c = np.float32([40, 60, 50])
    d2 = distances2(pts, c)
    for r in (0.0, 3.0, 7.5, 30.0, 1000.0):
        want = ids[d2 <= np.float32(r) * np.float32(r)].tolist()
        assert ids_of(t.where(f"within(position, [40, 60, 50], {r})")) == want
        assert ids_of(t.where(f"distance(position, [40, 60, 50]) <= {r}")) == want
        assert ids_of(t.where(f"{r} >= distance(position, [40, 60, 50])")) == want
        assert ids_of(t.where(f"distance(position, [40, 60, 50]) < {r}")) == ids[np.sqrt(d2) < r].tolist()
        assert ids_of(t.where(f"distance(position, [40, 60, 50]) > {r}")) == ids[np.sqrt(d2) > r].tolist()
        assert ids_of(t.where(f"NOT within(position, [40, 60, 50], {r})")) == ids[d2 > np.float32(r) ** 2].tolist()
    lo, hi = np.float32([10, 20.5, 0]), np.float32([30, 40, 50.25])
    inside = np.all((pts >= lo) & (pts <= hi), axis=1)
    assert ids_of(t.where("in_box(position, [10, 20.5, 0], [30, 40, 50.25])")) == ids[inside].tolist()
    # Combined with other conditions, either way round, and with OR.
    ep = ids % 10 == 3
    near = d2 <= 100
    assert ids_of(t.where("episode = 3 AND within(position, [40, 60, 50], 10)")) == ids[ep & near].tolist()
    assert ids_of(t.where("within(position, [40, 60, 50], 10) AND episode = 3")) == ids[ep & near].tolist()
    assert ids_of(t.where("within(position, [40, 60, 50], 10) OR episode = 3")) == ids[ep | near].tolist()
    both = near & inside
    assert ids_of(t.where("within(position, [40, 60, 50], 10) AND in_box(position, [10, 20.5, 0], [30, 40, 50.25])"
                          )) == ids[both].tolist()
    # Distances as values, and the other reads that take a filter.
    got = t.where("within(position, [40, 60, 50], 5)").agg(n="count()")
    assert got.to_list()[0]["n"] == int(np.sum(d2 <= 25))
    assert t.where("within(position, [40, 60, 50], 5)").count() == int(np.sum(d2 <= 25))


def test_explain_uses_the_index_when_the_condition_is_selective(frames):
    db, t, _ = frames
    small = "within(position, [50, 50, 50], 5)"
    assert "scan every row" in t.where(small).explain()
    t.create_index("position", "spatial")
    plan = t.where(f"episode = 3 AND {small}").explain()
    assert f"use the spatial index on 'position' for {small}:" in plan
    assert "then look them up in table 'frames'" in plan
    assert "scan every row" in t.where("within(position, [50, 50, 50], 80)").explain()  # most rows: a scan
    assert "no row, read nothing" in t.where("in_box(position, [500, 500, 500], [600, 600, 600])").explain()
    assert t.where("in_box(position, [500, 500, 500], [600, 600, 600])").to_list() == []
    # A key condition plans better than the index: it keeps the key lookup.
    assert "look up 1 id value" in t.where(f"id = 7 AND {small}").explain()
    # The index holds the latest state only: a snapshot's read scans.
    assert "scan every row" in db.snapshot().table("frames").where(small).explain()


def test_the_index_plan_sees_updates_deletes_and_snapshots(frames):
    db, t, pts = frames
    t.create_index("position", "spatial")
    snap = db.snapshot()
    cond = "within(position, [50, 50, 50], 4)"
    before = ids_of(t.where(cond))
    t.update({"position": [50, 50, 51]}, where="id < 5")
    t.delete(before[:3])
    after = ids_of(t.where(cond))
    assert after == sorted(set(before[3:]) | {0, 1, 2, 3, 4} - set(before[:3]))
    assert ids_of(snap.table("frames").where(cond)) == before
    assert "scan every row" in snap.table("frames").where(cond).explain()
    with db.transaction() as tx:
        tx.table("frames").insert({"id": [10**6], "episode": [1], "position": [[50, 50, 50]], "label": ["x"]})
        assert 10**6 in ids_of(tx.table("frames").where(cond))
    assert 10**6 in ids_of(t.where(cond))
    # Writes through a spatial filter (they scan) change what the index finds.
    gone = ids_of(t.where(cond))
    t.delete(where=cond)
    assert ids_of(t.where(cond)) == [] and len(t) == len(pts) - 3 + 1 - len(gone)
    t.verify()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(x=st.floats(-5, 105), y=st.floats(-5, 105), z=st.floats(-5, 105), r=st.floats(0, 40),
       episode=st.integers(0, 12))
def test_filters_match_brute_force_at_any_point(frames, x, y, z, r, episode):
    _, t, pts = frames
    if not t.indexes:
        t.create_index("position", "spatial")
    ids = np.arange(len(pts))
    q = np.float32([x, y, z])
    rf = np.float32(r)
    if np.float64(rf) < r:
        rf = np.nextafter(rf, np.float32(np.inf))
    want = ids[(distances2(pts, q) <= rf * rf) & (ids % 10 == episode)].tolist()
    text = f"within(position, [{x!r}, {y!r}, {z!r}], {r!r}) AND episode = {episode}"
    assert ids_of(t.where(text)) == want


@pytest.mark.parametrize("indexed", [False, True])
def test_order_by_distance_is_nearest_first_with_exactly_k(frames, indexed):
    _, t, pts = frames
    if indexed:
        t.create_index("position", "spatial")
    q = np.float32([20, 80, 40])
    d = np.sqrt(distances2(pts, q))
    ids = np.arange(len(pts))
    for episode in (2, 9):
        got = t.where(f"episode = {episode}").order_by("distance(position, [20, 80, 40])").limit(10).to_numpy()
        keep = ids % 10 == episode
        order = np.argsort(d[keep], kind="stable")[:10]
        assert len(got["id"]) == 10 and set(got["episode"].tolist()) == {episode}
        assert np.allclose(got["_distance"], d[keep][order], atol=1e-4)
    page = t.order_by("distance(position, [20, 80, 40])").offset(5).limit(3).select("id", "_distance").to_numpy()
    assert np.allclose(page["_distance"], np.sort(d)[5:8], atol=1e-4)
    assert list(page) == ["id", "_distance"]
    every = t.where("label = 'l3'").order_by("distance(position, [20, 80, 40])").to_numpy()
    assert len(every["id"]) == int(np.sum(ids % 7 == 3)) and np.all(np.diff(every["_distance"]) >= 0)
    assert t.order_by("distance(position, [20, 80, 40])").limit(0).to_list() == []
    plan = t.order_by("distance(position, [20, 80, 40])").limit(4).explain()
    assert ("the spatial index on 'position'" in plan) == indexed


def test_rows_without_a_point(tmp_path):
    with embodb.connect(str(tmp_path / "db")) as db:
        t = db.create_table("m", {"id": "int64", "pos": embodb.point3()}, primary_key="id")
        t.insert({"id": [1, 2, 3], "pos": [[0, 0, 0], None, [3, 0, 0]]})
        assert ids_of(t.where("within(pos, [0, 0, 0], 10)")) == [1, 3]
        assert ids_of(t.where("NOT within(pos, [0, 0, 0], 1)")) == [3]  # null is unknown, not true
        assert ids_of(t.where("distance(pos, [0, 0, 0]) IS NULL")) == [2]
        assert t.order_by("distance(pos, [0, 0, 0])").select("id").to_numpy()["id"].tolist() == [1, 3]


def test_bad_spatial_filters_are_refused(frames):
    _, t, _ = frames
    bad = {
        "within(label, [1, 2, 3], 1)": "needs a point3 column, not string column 'label'",
        "within(position, [1, 2], 1)": "expected ','",
        "within(position, [1, 2, 3], -1)": "the radius must be >= 0, not -1",
        "in_box(position, [1, 1, 1], [0, 2, 2])": "lo is above its hi on axis x",
        "nearest(position, [1, 2, 3])": "unknown function 'nearest'",
        "within(position, [1, 2, 'a'], 1)": "expected a number",
        "within(position, [1, 2, 3])": "expected ','",
        "within(position, [1, 2, 1e300], 1)": "outside the float32 range",
        "distance(position, [1, 2, 3])": "must be a condition",
        "distance(position, [1, 2, 3]) < 'x'": "cannot compare",
        "within(position, [1, 2, 3], 1": "expected ')'",
    }
    for text, message in bad.items():
        with pytest.raises(InvalidInputError, match=re.escape(message)):
            t.where(text).to_list()
    with pytest.raises(SchemaError, match="no_such"):
        t.where("within(no_such, [1, 2, 3], 1)").to_list()
    with pytest.raises(InvalidInputError, match="cannot be descending"):
        t.order_by("distance(position, [1, 2, 3])", descending=True)
    with pytest.raises(InvalidInputError, match="a column or distance"):
        t.order_by("within(position, [1, 2, 3], 4)")
