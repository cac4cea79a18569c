"""Filters from Python: where() in C++, the plans explain() reports, update and
delete by filter, errors that point at the bad token, and a differential test
against sqlite3 over random expressions and random data."""

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError


@pytest.fixture
def obs(db):
    t = db.create_table(
        "obs",
        {"id": "int64", "episode": "int32", "ts": "timestamp", "label": "string", "emb": embodb.vector(4)},
        primary_key="id",
    )
    n = 500
    t.insert({
        "id": np.arange(n),
        "episode": np.arange(n) % 10,
        "ts": np.datetime64("2026-11-01T00:00", "ns") + np.arange(n).astype("timedelta64[h]"),
        "label": [["cup", "mug", "bowl", None][i % 4] for i in range(n)],
        "emb": np.random.default_rng(0).random((n, 4), dtype=np.float32),
    })
    return t


def ids(query):
    return query.select("id").to_numpy()["id"].tolist()


def test_where_as_in_the_issue(obs):
    q = obs.where("episode = 3 AND ts >= '2026-11-10' AND label IN ('cup', 'mug')")
    want = [i for i in range(500) if i % 10 == 3 and i >= 9 * 24 and i % 4 in (0, 1)]
    assert ids(q) == want
    assert q.count() == len(want) == len(q)
    # chains: select, order_by, limit, offset, where again
    assert ids(q.order_by("id", descending=True).limit(2)) == want[::-1][:2]
    assert ids(q.where("id > 300")) == [i for i in want if i > 300]
    assert ids(obs.where("label IS NULL").offset(1).limit(3)) == [7, 11, 15]
    df = obs.where("episode BETWEEN 1 AND 2 AND label LIKE 'b%'").to_pandas()
    assert set(df["label"]) == {"bowl"} and set(df["episode"]) <= {1, 2}
    emb = obs.where("id < 10").to_numpy()["emb"]
    assert emb.shape == (10, 4) and emb.dtype == np.float32


def test_explain_names_the_plan(obs):
    assert "look up 2 id values" in obs.where("id IN (3, 9)").explain()
    assert "scan the id range id >= 10 AND id < 20" in obs.where("id >= 10 AND id < 20").explain()
    assert "scan every row" in obs.where("episode = 3").explain()
    assert "filter rows by episode = 3" in obs.where("episode = 3").explain()
    assert "no row can match" in obs.where("id > 5 AND id < 3").explain()
    assert ids(obs.where("id IN (3, 9, 9, 1000)")) == [3, 9]


def test_update_and_delete_where(obs, db):
    assert obs.update({"label": "plate", "episode": 42}, where="id < 3 OR id = 499") == 4
    assert ids(obs.where("label = 'plate' AND episode = 42")) == [0, 1, 2, 499]
    row = obs.get(1)
    assert row["ts"] is not None and row["emb"].shape == (4,)  # other columns kept
    assert obs.delete(where="episode = 42") == 4
    assert obs.delete(where="episode = 42") == 0
    assert len(obs) == 496
    # a transaction sees its own updates; the table sees them after commit
    with db.transaction() as tx:
        assert tx["obs"].update({"episode": 7}, where="id = 10") == 1
        assert ids(tx["obs"].where("episode = 7 AND id < 20")) == [7, 10, 17]
        assert ids(obs.where("episode = 7 AND id < 20")) == [7, 17]
    assert ids(obs.where("episode = 7 AND id < 20")) == [7, 10, 17]
    snap = db.snapshot()
    obs.delete(where="TRUE")
    assert len(obs) == 0 and len(snap["obs"].where("id >= 0")) == 496
    snap.close()


def test_bad_updates_and_deletes_write_nothing(obs):
    before = obs.to_pandas()
    with pytest.raises(SchemaError, match="primary key column 'id'"):
        obs.update({"id": 5}, where="id = 1")
    with pytest.raises(SchemaError, match="column 'episode'"):
        obs.update({"episode": 2**40}, where="id = 1")
    with pytest.raises(SchemaError, match="no column 'nope'"):
        obs.update({"nope": 1})
    with pytest.raises(InvalidInputError, match="NaN"):
        obs.update({"emb": [1, 2, float("nan"), 4]}, where="id < 5")
    with pytest.raises(InvalidInputError, match="dict"):
        obs.update({}, where="id < 5")
    with pytest.raises(InvalidInputError, match="either keys or where"):
        obs.delete()
    with pytest.raises(InvalidInputError, match="bad filter"):
        obs.delete(where="id <")
    after = obs.to_pandas()
    assert before.drop(columns=["emb"]).equals(after.drop(columns=["emb"]))


def test_errors_point_at_the_token(obs):
    with pytest.raises(InvalidInputError) as e:
        obs.where("episode = 3 AND ts >= ").count()
    assert "at position 22" in str(e.value) and str(e.value).endswith("^")
    with pytest.raises(SchemaError, match="no column 'episod'"):
        obs.where("episod = 3").to_list()
    with pytest.raises(InvalidInputError, match="not an ISO time: 'last week'"):
        obs.where("ts > 'last week'").count()
    with pytest.raises(InvalidInputError, match="cannot compare"):
        obs.where("label = 3").count()
    with pytest.raises(InvalidInputError, match="IS NULL"):
        obs.where("emb = 1").count()
    with pytest.raises(InvalidInputError, match="a filter is a string"):
        obs.where(3)
    with pytest.raises(InvalidInputError, match="unexpected character"):
        obs.where("episode = 3 && id = 1").count()


# ---------------------------------------------------------------- differential

ALPHABET = ["", "a", "ab", "b", "ba", "é", "aé", "a_", "%"]

rows_strategy = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-5, 5)),
        st.one_of(st.none(), st.integers(-20, 20)),
        st.one_of(st.none(), st.sampled_from([-2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.5])),
        st.one_of(st.none(), st.sampled_from(ALPHABET)),
        st.one_of(st.none(), st.booleans()),
    ),
    min_size=0,
    max_size=40,
)


def _quote(s):
    return "'" + s.replace("'", "''") + "'"


int_leaf = st.one_of(st.sampled_from(["a", "b", "id"]), st.integers(-6, 6).map(str))
float_leaf = st.one_of(st.just("x"), st.sampled_from(["0.5", "-1.5", "2.0", "0.0"]))
str_leaf = st.one_of(st.just("s"), st.sampled_from(ALPHABET).map(_quote))


def _int_expr():
    return st.recursive(
        int_leaf,
        lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        max_leaves=3,
    )


def _num_expr():
    ints = _int_expr()
    return st.one_of(
        ints,
        float_leaf,
        st.tuples(st.one_of(ints, float_leaf), st.sampled_from(["+", "-", "*", "/"]), float_leaf).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
    )


def _predicate():
    num, text = _num_expr(), str_leaf
    cmp = st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">="])
    return st.one_of(
        st.tuples(num, cmp, num).map(lambda t: " ".join(t)),
        st.tuples(text, cmp, text).map(lambda t: " ".join(t)),
        st.tuples(st.sampled_from(["a", "b", "x", "s", "flag", "id"]), st.sampled_from(["IS NULL", "IS NOT NULL"])).map(
            " ".join
        ),
        st.tuples(
            num, st.sampled_from(["IN", "NOT IN"]), st.lists(st.one_of(num, st.just("NULL")), min_size=1, max_size=4)
        ).map(lambda t: f"{t[0]} {t[1]} ({', '.join(t[2])})"),
        st.tuples(text, st.sampled_from(["IN", "NOT IN"]), st.lists(str_leaf, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} {t[1]} ({', '.join(t[2])})"
        ),
        st.tuples(num, st.sampled_from(["BETWEEN", "NOT BETWEEN"]), num, num).map(
            lambda t: f"{t[0]} {t[1]} {t[2]} AND {t[3]}"
        ),
        st.tuples(
            st.sampled_from(["LIKE", "NOT LIKE"]),
            st.lists(st.sampled_from(["a", "b", "é", "%", "_"]), max_size=4).map(lambda p: _quote("".join(p))),
        ).map(lambda t: f"s {t[0]} {t[1]}"),
        st.sampled_from(["flag", "NOT flag", "flag = 1", "flag = FALSE", "TRUE", "FALSE", "NULL"]),
    )


condition = st.recursive(
    _predicate(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda c: f"NOT ({c})"),
    ),
    max_leaves=4,
)


@settings(max_examples=150)
@given(rows=rows_strategy, expressions=st.lists(condition, min_size=1, max_size=12),
       indexes=st.sampled_from(["none", "before insert", "after insert"]))
def test_filters_select_the_same_rows_as_sqlite(tmp_path_factory, rows, expressions, indexes):
    """Also through secondary indexes, maintained by inserts or built over existing rows."""
    path = str(tmp_path_factory.mktemp("diff") / "db")
    with embodb.connect(path, durability="off") as db:
        t = db.create_table(
            "t", {"id": "int64", "a": "int32", "b": "int64", "x": "float64", "s": "string", "flag": "bool"},
            primary_key="id",
        )
        lite = sqlite3.connect(":memory:")
        lite.execute("PRAGMA case_sensitive_like = ON")
        lite.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, x REAL, s TEXT, flag INTEGER)")
        data = [(i * 3 - 30,) + r for i, r in enumerate(rows)]
        lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", data)
        if indexes == "before insert":
            for c in ["a", "x", "s", "flag"]:
                t.create_index(c)
        if data:
            t.insert([dict(zip(["id", "a", "b", "x", "s", "flag"], r)) for r in data])
        if indexes == "after insert":
            for c in ["a", "x", "s", "flag"]:
                t.create_index(c)
        for expr in expressions:
            want = [r[0] for r in lite.execute(f"SELECT id FROM t WHERE {expr} ORDER BY id")]
            got = sorted(t.where(expr).select("id").to_numpy()["id"].tolist())  # index plans: index order
            assert got == want, expr


# ---------------------------------------------------------------- secondary indexes


def test_secondary_index_plans_and_results(obs, db):
    scan_results = {e: ids(obs.where(e)) for e in
                    ["episode = 3", "episode IN (1, 4)", "episode >= 8", "label = 'mug'", "label IS NULL",
                     "label LIKE 'b%'", "ts >= '2026-11-15' AND ts < '2026-11-16'"]}
    obs.create_index("episode")
    obs.create_index("label")
    obs.create_index("ts")
    assert [ix.column for ix in obs.indexes] == ["episode", "label", "ts"]
    assert "use the index on episode for episode = 3" in obs.where("episode = 3").explain()
    assert "use the index on ts" in obs.where("ts >= '2026-11-15' AND ts < '2026-11-16'").explain()
    for expr, want in scan_results.items():
        assert sorted(ids(obs.where(expr))) == want, expr
    # maintained by every write, inside and outside transactions
    obs.upsert({"id": [1, 2], "episode": [77, 77], "ts": ["2026-12-01", "2026-12-01"], "label": ["cup", "cup"],
                "emb": np.zeros((2, 4), np.float32)})
    obs.update({"episode": 78}, where="id = 2")
    with db.transaction() as tx:
        tx["obs"].delete(keys=[3])
        tx["obs"].update({"label": "pan"}, where="episode = 77")
        assert ids(tx["obs"].where("label = 'pan'")) == [1]
    assert ids(obs.where("episode = 77")) == [1] and ids(obs.where("episode = 78")) == [2]
    assert ids(obs.where("label = 'pan'")) == [1]
    assert 3 not in ids(obs.where("episode = 3"))
    obs.drop_index("label")
    assert [ix.column for ix in obs.indexes] == ["episode", "ts"]
    assert "scan every row" in obs.where("label = 'mug'").explain()


def test_bad_indexes(obs):
    with pytest.raises(SchemaError, match="no column 'nope'"):
        obs.create_index("nope")
    with pytest.raises(SchemaError, match="primary key"):
        obs.create_index("id")
    with pytest.raises(SchemaError, match="scalar"):
        obs.create_index("emb", "ordered")
    obs.create_index("label")
    with pytest.raises(SchemaError, match="already has an index"):
        obs.create_index("label")
    with pytest.raises(embodb.errors.NotFoundError):
        obs.drop_index("episode")


def test_update_and_delete_where_on_an_auto_id_table(db):
    t = db.create_table("log", {"level": "string", "n": "int32"})
    ids_ = t.insert({"level": ["info", "warn", "info"], "n": [1, 2, 3]})
    assert t.update({"level": "debug"}, where="level = 'info'") == 2
    assert [r["_id"] for r in t.where("level = 'debug'").to_list()] == [ids_[0], ids_[2]]
    assert t.delete(where="n >= 2") == 2 and len(t) == 1


@pytest.mark.parametrize("where", ["episode = 3", "id >= 0 AND episode = 3"])
def test_a_query_read_in_batches_sees_one_state(obs, where):
    # The first batch is read, then every matching row changes, then the rest
    # is read: all of it is the state the query started in, whether the plan
    # looks rows up through the index or scans them.
    obs.create_index("episode")
    expected = obs.where(where).to_numpy()["id"]
    batches = obs.where(where).batches(10)
    first = next(batches)
    obs.update({"episode": 4, "label": "moved"}, where="episode = 3")
    obs.delete(where="id < 100")
    rest = list(batches)
    got = np.concatenate([first.to_numpy()["id"]] + [b.to_numpy()["id"] for b in rest])
    labels = [x for b in [first, *rest] for x in b.to_numpy()["label"]]
    assert got.tolist() == expected.tolist()
    assert "moved" not in labels
    assert len(obs.where(where).to_numpy()["id"]) == 0  # the changes did happen


def test_components_of_points_and_vectors(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("f", {"id": "int64", "pose": embodb.point3(), "emb": embodb.vector(4)}, primary_key="id")
    rng = np.random.default_rng(4)
    pose = rng.normal(size=(3000, 3)).astype(np.float32)
    emb = rng.normal(size=(3000, 4)).astype(np.float32)
    t.insert({"id": np.arange(3000), "pose": pose, "emb": emb})
    t.insert([{"id": 5000, "pose": None, "emb": None}])
    cases = [
        ("pose.x > 0.5", pose[:, 0] > 0.5),
        ("pose[2] <= -1 OR emb[3] > 1.5", (pose[:, 2] <= -1) | (emb[:, 3] > 1.5)),
        ("(pose.x - 1) * (pose.x - 1) + (pose.y - 1) * (pose.y - 1) + pose.z * pose.z <= 1",
         ((pose[:, 0] - 1).astype(np.float64) ** 2 + (pose[:, 1] - 1).astype(np.float64) ** 2
          + pose[:, 2].astype(np.float64) ** 2) <= 1),
        ("emb[0] BETWEEN -0.1 AND 0.1 AND pose.y < 0",
         (np.abs(emb[:, 0].astype(np.float64)) <= 0.1) & (pose[:, 1] < 0)),
    ]
    for step in ("memtable", "compacted"):
        if step == "compacted":
            db.flush()
            db.compact()
        for where, mask in cases:
            assert t.where(where).select("id").to_numpy()["id"].tolist() == np.flatnonzero(mask).tolist(), (step, where)
        assert t.where("pose.x IS NULL").select("id").to_numpy()["id"].tolist() == [5000]
    for bad, error in [("pose.w > 0", InvalidInputError), ("emb.x > 0", SchemaError), ("emb[4] > 0", SchemaError),
                       ("id.x > 0", SchemaError), ("pose[3] = 0", SchemaError), ("emb[1 > 0", InvalidInputError)]:
        with pytest.raises(error):
            t.where(bad).count()
    db.close()
