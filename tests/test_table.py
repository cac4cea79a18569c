"""Tables from Python: schemas, writes in every input form, reads in every
output form, zero-copy results, bad input that writes nothing, reopen."""

import datetime as dt
import gc

import numpy as np
import pytest

import embodb
from embodb.errors import DuplicateKeyError, InvalidInputError, NotFoundError, SchemaError

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

SCHEMA = {
    "id": "int64",
    "ts": "timestamp",
    "episode": "int32",
    "label": "string",
    "emb": embodb.vector(8),
    "pose": embodb.point3(),
    "scan": embodb.pointcloud(),
    "score": "float64",
}


def make_rows(n, seed=0, start=0):
    rng = np.random.default_rng(seed)
    return {
        "id": np.arange(start, start + n, dtype=np.int64),
        "ts": np.datetime64("2026-11-01T00:00:00", "ns") + np.arange(n).astype("timedelta64[ms]"),
        "episode": rng.integers(0, 5, n).astype(np.int32),
        "label": [f"label-{i % 7}" for i in range(n)],
        "emb": rng.random((n, 8), dtype=np.float32),
        "pose": rng.random((n, 3), dtype=np.float32),
        "scan": [rng.random((i % 5, 3), dtype=np.float32) for i in range(n)],
        "score": rng.random(n),
    }


@pytest.fixture
def obs(db):
    return db.create_table("obs", SCHEMA, primary_key="id")


def test_catalog_create_list_drop_reopen(db_path):
    with embodb.connect(db_path) as db:
        db.create_table("b", {"k": "string", "v": "float32"}, primary_key="k")
        db.create_table("a", {"x": "int8"})
        assert db.tables == ["a", "b"]
        assert "a" in db and "zzz" not in db
        with pytest.raises(SchemaError):
            db.create_table("a", {"x": "int8"})
        with pytest.raises(NotFoundError):
            db["nope"]
    with embodb.connect(db_path) as db:
        assert db.tables == ["a", "b"]
        s = db["b"].schema
        assert s.primary_key == "k" and not s.auto_id
        assert list(s.columns) == ["k", "v"]
        assert db["a"].schema.auto_id and list(db["a"].schema.columns) == ["_id", "x"]
        db.drop_table("a")
        with pytest.raises(NotFoundError):
            db.drop_table("a")
    with embodb.connect(db_path) as db:
        assert db.tables == ["b"]


def test_insert_every_input_form_reads_back_equal(db):
    rows = make_rows(12)
    forms = {
        "dict": rows,
        "pandas": pd.DataFrame({k: (list(v) if k in ("emb", "pose") else v) for k, v in rows.items()}),
        "rows": [{k: v[i] for k, v in rows.items()} for i in range(12)],
    }
    tbl = pa.table({
        "id": rows["id"], "ts": rows["ts"], "episode": rows["episode"], "label": rows["label"],
        "emb": list(rows["emb"]), "pose": list(rows["pose"]), "scan": [s.tolist() for s in rows["scan"]],
        "score": rows["score"],
    })
    forms["arrow"] = tbl
    for name, data in forms.items():
        t = db.create_table(name, SCHEMA, primary_key="id")
        t.insert(data)
        got = t.to_numpy()
        assert np.array_equal(got["id"], rows["id"]), name
        assert np.array_equal(got["ts"], rows["ts"]), name
        assert np.array_equal(got["episode"], rows["episode"]), name
        assert list(got["label"]) == rows["label"], name
        assert np.array_equal(got["emb"], rows["emb"]), name
        assert np.allclose(got["pose"], rows["pose"]), name
        assert all(np.allclose(a, b) and a.shape == b.shape for a, b in zip(got["scan"], rows["scan"])), name
        assert np.array_equal(got["score"], rows["score"]), name


def test_results_are_zero_copy_and_columnar(obs):
    rows = make_rows(100)
    obs.insert(rows)
    got = obs.to_numpy()
    for name in ("id", "ts", "episode", "emb", "pose", "score"):
        arr = got[name]
        assert not arr.flags.owndata, name
        assert arr.base is not None, name
        assert not arr.flags.writeable, name
    assert got["emb"].shape == (100, 8) and got["emb"].dtype == np.float32
    assert got["pose"].shape == (100, 3)
    clouds = got["scan"]
    assert all(c.shape[1] == 3 for c in clouds)
    assert not any(c.flags.owndata for c in clouds)
    bases = {id(np.asarray(c).base) for c in clouds if c.size}
    assert len(bases) == 1  # views of one buffer shared by every cloud
    # A view keeps its buffer alive after every other reference to the result is gone.
    emb = obs.to_numpy()["emb"]
    del got
    gc.collect()
    obs.insert(make_rows(100, seed=1, start=1000))  # new allocations that would reuse freed memory
    assert np.array_equal(emb, rows["emb"])


def test_nulls_defaults_and_outputs(db):
    t = db.create_table("t", {"k": "int32", "n": "int64", "s": embodb.column("string", default="none"),
                              "v": embodb.vector(2)}, primary_key="k")
    t.insert([{"k": 1, "n": 5, "v": [1, 2]}, {"k": 2, "n": None, "s": "x", "v": None}])
    got = t.to_numpy()
    assert isinstance(got["n"], np.ma.MaskedArray) and got["n"].mask.tolist() == [False, True]
    assert list(got["s"]) == ["none", "x"]
    assert t.get(2) == {"k": 2, "n": None, "s": "x", "v": None}
    df = t.to_pandas()
    assert str(df["n"].dtype) == "Int64" and df["n"].isna().tolist() == [False, True]
    at = t.to_arrow()
    assert at.column("n").null_count == 1 and at.column("v").null_count == 1


def test_get_get_many_len_delete_upsert(obs):
    obs.insert(make_rows(50))
    assert len(obs) == 50
    assert obs.get(7)["label"] == "label-0"
    assert obs.get(999) is None
    many = obs.get_many([9, 999, 3])
    assert many.to_numpy()["id"].tolist() == [9, 3]
    assert obs.delete([1, 2, 2, 999]) == 2
    assert len(obs) == 48
    obs.upsert({"id": [3, 1000], "episode": [42, 43], "emb": np.ones((2, 8), np.float32),
                "pose": np.zeros((2, 3)), "label": ["new", "new"]})
    assert obs.get(3)["episode"] == 42 and obs.get(3)["score"] is None  # a whole-row replace
    assert len(obs) == 49


def _same_row(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert type(a[k]) is type(b[k]), k
        if isinstance(a[k], np.ndarray):
            assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and np.array_equal(a[k], b[k]), k
        else:
            assert a[k] == b[k], k


def test_get_fast_path_equals_get_many(db):
    """get(int or str) is one call into C++; it must give exactly what the
    columnar path gives, for every type, nulls and defaults added later."""
    t = db.create_table("all", {"k": "string", "b": "bool", "i8": "int8", "u64": "uint64", "f": "float32",
                                "d": "float64", "ts": "timestamp", "raw": "bytes", "v": embodb.vector(3),
                                "p": embodb.point3(), "c": embodb.pointcloud(4)}, primary_key="k")
    t.insert([{"k": "a", "b": True, "i8": -3, "u64": 2**64 - 1, "f": 0.5, "d": -1e300, "ts": "2026-11-21T10:00:00",
               "raw": b"\x00\xff", "v": [1, 2, 3], "p": [4, 5, 6], "c": np.ones((5, 4), np.float32)},
              {"k": "b"}])
    t.add_column("later", "int16", default=7)
    for key in ["a", "b"]:
        _same_row(t.get(key), t.get_many([key]).to_list()[0])
    assert t.get("b")["v"] is None and t.get("b")["later"] == 7
    assert t.get("zz") is None
    assert t.get("a")["u64"] == 2**64 - 1  # not through float64
    with pytest.raises(SchemaError, match="u64"):
        t.insert([{"k": "neg", "u64": -1}])
    assert t.get("neg") is None
    assert t.get("a", columns=["c", "k"]).keys() == {"c", "k"}
    assert t.get("a", columns=["c"])["c"].shape == (5, 4)
    with pytest.raises(SchemaError, match="nope"):
        t.get("a", columns=["nope"])
    with pytest.raises(SchemaError):
        t.get(5)  # an int key for a string primary key
    snap = db.snapshot()
    t.upsert([{"k": "a", "i8": 9}])
    assert snap["all"].get("a")["i8"] == -3 and t.get("a")["i8"] == 9
    with db.transaction() as tx:
        tx["all"].upsert([{"k": "n", "i8": 1}])
        assert tx["all"].get("n")["i8"] == 1 and t.get("n") is None
    snap.close()


def test_query_chain_order_limit_offset_select(obs):
    obs.insert(make_rows(40))
    q = obs.select("id", "score").order_by("score", descending=True).offset(5).limit(10)
    got = q.to_numpy()
    expected = np.sort(obs.to_numpy()["score"])[::-1][5:15]
    assert np.array_equal(got["score"], expected)
    assert list(got) == ["id", "score"]
    assert obs.limit(3).to_numpy()["id"].tolist() == [0, 1, 2]
    assert obs.order_by("label").select("id").count() == 40
    assert "keep the first 15 by 'score' descending (a top-k" in q.explain()
    assert "sort every row by 'score'" in obs.order_by("score").explain()
    assert sum(len(b) for b in obs.query().batches(7)) == 40
    assert len(list(obs.query())) == 40
    assert "label-0" in repr(obs.head(3)) and "<table>" in obs.head(2)._repr_html_()


def test_auto_ids(db):
    t = db.create_table("log", {"msg": "string"})
    ids = t.insert({"msg": ["a", "b", "c"]})
    assert ids.tolist() == [1, 2, 3]
    assert t.insert({"msg": "d"}).tolist() == [4]
    assert t.get(4) == {"_id": 4, "msg": "d"}
    with pytest.raises(SchemaError, match="_id"):
        t.insert({"_id": [9], "msg": ["x"]})


@pytest.mark.parametrize("data,error,needle", [
    ({"id": [1], "nope": [1]}, SchemaError, "nope"),
    ({"id": [1], "episode": [1.5]}, SchemaError, "episode"),
    ({"id": [1], "episode": [2**40]}, SchemaError, "out of range"),
    ({"id": [1], "episode": ["x"]}, SchemaError, "episode"),
    ({"id": [1], "emb": np.ones((1, 7), np.float32)}, SchemaError, "dimension"),
    ({"id": [1], "emb": np.full((1, 8), np.nan, np.float32)}, InvalidInputError, "NaN"),
    ({"id": [1], "emb": np.full((1, 8), np.inf, np.float32)}, InvalidInputError, "infinity"),
    ({"id": [1], "scan": [np.ones((4, 2))]}, SchemaError, "(n, 3)"),
    ({"id": [1], "ts": ["not a time"]}, SchemaError, "timestamp"),
    ({"id": [None]}, SchemaError, "not_null"),
    ({"id": [1, 2], "episode": [1]}, SchemaError, "values"),
    ({"id": [5, 5]}, DuplicateKeyError, "duplicate"),
    ({"id": [3]}, DuplicateKeyError, "already"),
    ("not data", InvalidInputError, "cannot insert"),
])
def test_bad_input_names_the_problem_and_writes_nothing(obs, data, error, needle):
    obs.insert(make_rows(5))
    before = obs.to_numpy()
    with pytest.raises(error, match=None) as info:
        obs.insert(data)
    assert needle in str(info.value)
    after = obs.to_numpy()
    assert np.array_equal(before["id"], after["id"]) and np.array_equal(before["score"], after["score"])


def test_bad_schemas(db):
    for schema, pk in [({"a": "int128"}, None), ({"v": embodb.vector(3)}, "v"), ({"a": "int8"}, "b"),
                       ({}, None), ({"a": embodb.column("int8", default=1000)}, None)]:
        with pytest.raises(SchemaError):
            db.create_table("bad", schema, primary_key=pk)
    assert db.tables == []


def test_add_column_old_rows_read_default(db_path):
    with embodb.connect(db_path) as db:
        t = db.create_table("t", {"k": "int64"}, primary_key="k")
        t.insert({"k": [1, 2]})
        t.add_column("note", "string", default="n/a")
        t.insert({"k": [3], "note": ["new"]})
    with embodb.connect(db_path) as db:
        assert list(db["t"].to_numpy()["note"]) == ["n/a", "n/a", "new"]


def test_timestamps_accept_datetime_pandas_iso_and_aware(db):
    t = db.create_table("t", {"k": "int64", "ts": "timestamp"}, primary_key="k")
    aware = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    t.insert({"k": [1, 2, 3, 4], "ts": [dt.datetime(2026, 11, 1, 10), "2026-11-01T10:00:00Z",
                                        pd.Timestamp("2026-11-01 10:00"), aware]})
    ts = t.to_numpy()["ts"]
    assert (ts == np.datetime64("2026-11-01T10:00:00", "ns")).all()


def test_transactions_commit_rollback_conflict(db):
    t = db.create_table("t", {"k": "int64", "v": "int64"}, primary_key="k")
    t.insert({"k": [1, 2], "v": [10, 20]})
    with db.transaction() as tx:
        tx["t"].insert({"k": [3], "v": [30]})
        tx["t"].delete(1)
        assert tx["t"].get(3)["v"] == 30 and tx["t"].get(1) is None  # own writes
        assert t.get(3) is None  # not visible outside before commit
        assert len(tx["t"]) == 2
    assert sorted(t.to_numpy()["k"].tolist()) == [2, 3]
    with pytest.raises(RuntimeError):
        with db.transaction() as tx:
            tx["t"].insert({"k": [4], "v": [40]})
            raise RuntimeError("boom")
    assert t.get(4) is None
    a, b = db.transaction(), db.transaction()
    a["t"].upsert({"k": [2], "v": [21]})
    b["t"].upsert({"k": [2], "v": [22]})
    b["t"].insert({"k": [5], "v": [50]})
    a.commit()
    with pytest.raises(embodb.ConflictError):
        b.commit()
    assert t.get(2)["v"] == 21 and t.get(5) is None
    with pytest.raises(InvalidInputError):
        b["t"]


def test_snapshot_tables_are_stable_and_read_only(db):
    t = db.create_table("t", {"k": "int64"}, primary_key="k")
    t.insert({"k": [1]})
    with db.snapshot() as snap:
        t.insert({"k": [2]})
        assert snap["t"].to_numpy()["k"].tolist() == [1]
        with pytest.raises(InvalidInputError):
            snap["t"].insert({"k": [3]})
    assert len(t) == 2


def test_large_batch_is_one_call(obs):
    n = 100_000
    rows = make_rows(n)
    rows["scan"] = [None] * n
    obs.insert(rows)
    assert len(obs) == n
    got = obs.select("emb").to_numpy()["emb"]
    assert got.shape == (n, 8) and np.array_equal(got, rows["emb"])
