"""Aggregates in the core against sqlite3 (the same rows, the same query)
and a Python reference where sqlite3 has no such function (first, last,
time buckets); bad aggregates get clear errors."""

import math
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError

ROWS = st.lists(st.tuples(
    st.one_of(st.none(), st.integers(-3, 3)),                    # ep: the group key
    st.one_of(st.none(), st.integers(-2**31, 2**31 - 1)),         # i
    st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),  # f
    st.one_of(st.none(), st.sampled_from(["cup", "mug", "", "bowl"])),  # s
), max_size=80)


def load(rows):
    db = embodb.connect(":memory:")
    t = db.create_table("t", {"id": "int64", "ep": "int32", "i": "int32", "f": "float64", "s": "string"},
                        primary_key="id")
    if rows:
        t.insert([{"id": k, "ep": ep, "i": i, "f": f, "s": s} for k, (ep, i, f, s) in enumerate(rows)])
    lite = sqlite3.connect(":memory:")
    lite.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ep INTEGER, i INTEGER, f REAL, s TEXT)")
    lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [(k, *r) for k, r in enumerate(rows)])
    return db, t, lite


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


@settings(max_examples=150, deadline=None)
@given(ROWS, st.booleans())
def test_grouped_aggregates_match_sqlite(rows, filtered):
    db, t, lite = load(rows)
    where = "i > 0" if filtered else None
    q = t.query().where(where) if where else t.query()
    got = q.group_by("ep").agg(n="count()", ni="count(i)", si="sum(i)", mf="mean(f)", lo="min(i)", hi="max(f)",
                                 ls="min(s)", hs="max(s)").to_list()
    sql = ("SELECT ep, count(*), count(i), sum(i), avg(f), min(i), max(f), min(s), max(s) FROM t"
           + (" WHERE i > 0" if filtered else "") + " GROUP BY ep ORDER BY ep IS NULL, ep")
    want = lite.execute(sql).fetchall()
    assert [r["ep"] for r in got] == [w[0] for w in want]
    for g, w in zip(got, want):
        values = [g[k] for k in ("ep", "n", "ni", "si", "mf", "lo", "hi", "ls", "hs")]
        assert all(same(a, b) for a, b in zip(values, w)), (values, w)
    whole = t.query().agg(n="count()", s="sum(i)", lo="min(f)").to_list()[0]
    w = lite.execute("SELECT count(*), sum(i), min(f) FROM t").fetchone()
    assert same(whole["n"], w[0]) and same(whole["s"], w[1]) and same(whole["lo"], w[2])
    db.close()


@settings(max_examples=80, deadline=None)
@given(ROWS)
def test_first_and_last_follow_key_order(rows):
    db, t, _ = load(rows)
    got = {r["ep"]: (r["a"], r["z"]) for r in t.query().group_by("ep").agg(a="first(s)", z="last(s)").to_list()}
    want = {}
    for ep, _, _, s in rows:
        a, z = want.get(ep, (None, None))
        if s is not None:
            want[ep] = (a if a is not None else s, s)
        else:
            want.setdefault(ep, (a, z))
    assert got == want
    db.close()


def test_time_buckets_round_down_from_the_epoch():
    db = embodb.connect(":memory:")
    t = db.create_table("imu", {"id": "int64", "ts": "timestamp", "gx": "float32"}, primary_key="id")
    ts = np.array([-1_500_000_000, -1, 0, 999_999_999, 1_000_000_000, 2_500_000_000], dtype=np.int64)
    t.insert({"id": np.arange(len(ts)), "ts": ts, "gx": np.arange(len(ts), dtype=np.float32)})
    got = t.query().group_by(sec="time_bucket(ts, '1s')").agg(n="count()", g="mean(gx)").to_numpy()
    assert got["sec"].astype(np.int64).tolist() == [-2_000_000_000, -1_000_000_000, 0, 1_000_000_000,
                                                     2_000_000_000]
    assert got["n"].tolist() == [1, 1, 2, 1, 1]
    assert got["g"].tolist() == [0.0, 1.0, 2.5, 4.0, 5.0]
    by_100ms = t.query().group_by("time_bucket(ts, '100ms')").agg(n="count()").to_numpy()
    assert sum(by_100ms["n"]) == len(ts)
    db.close()


def test_shorthands_and_special_values():
    db = embodb.connect(":memory:")
    t = db.create_table("t", {"id": "int64", "f": "float64", "u": "uint64", "ts": "timestamp"}, primary_key="id")
    assert t.query().max("f") is None and t.query().agg(n="count()").to_list() == [{"n": 0}]
    t.insert({"id": [0, 1, 2], "f": [1.5, float("nan"), -2.0], "u": np.array([2**64 - 1, 0, 5], dtype=np.uint64),
              "ts": np.array([10, 30, 20], dtype=np.int64)})
    assert math.isnan(t.query().max("f"))  # NaN sorts above every number
    assert t.query().min("f") == -2.0
    assert t.query().max("u") == 2**64 - 1
    assert t.query().max("ts") == np.datetime64(30, "ns")
    assert t.query().where("id < 2").count() == 2
    assert t.query().group_by("id").agg(n="count()").to_numpy()["n"].tolist() == [1, 1, 1]
    db.close()


def test_bad_aggregates_are_refused():
    db = embodb.connect(":memory:")
    t = db.create_table("t", {"id": "int64", "s": "string", "v": embodb.vector(2), "i": "int64",
                              "ts": "timestamp"}, primary_key="id")
    t.insert({"id": [0, 1], "s": ["a", "b"], "v": np.ones((2, 2), np.float32), "i": [2**62, 2**62],
              "ts": [0, 1]})
    q = t.query()
    with pytest.raises(SchemaError, match="no column 'nope'"):
        q.agg(x="max(nope)")
    with pytest.raises(SchemaError, match="number column"):
        q.agg(x="sum(s)")
    with pytest.raises(SchemaError, match="cannot be aggregated"):
        q.agg(x="max(v)")
    with pytest.raises(SchemaError, match="cannot group by"):
        q.group_by("v").agg(n="count()")
    with pytest.raises(InvalidInputError, match="median"):
        q.agg(x="median(i)")
    with pytest.raises(InvalidInputError, match="duration"):
        q.group_by("time_bucket(ts, 'soon')").agg(n="count()")
    with pytest.raises(InvalidInputError, match="int64 range"):
        q.agg(x="sum(i)").to_list()
    with pytest.raises(SchemaError, match="two columns named"):
        q.group_by("s").agg(s="count()")
    with pytest.raises(InvalidInputError, match="where"):
        q.order_by("i").agg(n="count()")
    with pytest.raises(InvalidInputError):
        q.agg()
    db.close()
