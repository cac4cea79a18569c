"""Vector indexes and nearest-neighbour search from Python: recall against
brute force, filters that return exactly k, persistence, and bad input."""

import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embodb
from embodb import _core
from embodb.errors import InvalidInputError, NotFoundError, SchemaError

DIM = 16


def clustered(n, dim=DIM, seed=0):
    """Points around 32 centers on a 4-d subspace with a little noise: like
    embeddings, of a low intrinsic dimension (the subspace is the same for
    every seed, so queries and data come from one distribution)."""
    basis = np.random.default_rng(1234).standard_normal((4, dim))
    centers = np.random.default_rng(4321).standard_normal((32, 4)) * 4
    rng = np.random.default_rng(seed)
    low = centers[rng.integers(0, 32, n)] + rng.standard_normal((n, 4))
    return (low @ basis + 0.1 * rng.standard_normal((n, dim))).astype(np.float32)


def brute_force(data, ids, queries, k, metric):
    if metric == "l2":
        d = ((queries[:, None, :] - data[None, :, :]) ** 2).sum(-1)
    elif metric == "ip":
        d = 1 - queries @ data.T
    else:
        qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        dn = data / np.linalg.norm(data, axis=1, keepdims=True)
        d = 1 - qn @ dn.T
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return ids[order]


def recall(got, truth):
    return np.mean([len(set(g) & set(t)) / len(t) for g, t in zip(got, truth)])


def make_table(db, n, seed=0, name="obs"):
    t = db.create_table(name, {"id": "int64", "bucket": "int32", "emb": embodb.vector(DIM)}, primary_key="id")
    data = clustered(n, seed=seed)
    t.insert({"id": np.arange(n), "bucket": (np.arange(n) % 1000).astype(np.int32), "emb": data})
    return t, data


@pytest.fixture
def db():
    with embodb.connect(":memory:") as d:
        yield d


@pytest.mark.parametrize("metric", ["l2", "cosine", "ip"])
@pytest.mark.parametrize("quantization", [None, "sq8"])
def test_recall_against_brute_force(db, metric, quantization):
    t, data = make_table(db, 3000)
    if metric == "ip":  # inner product on unit vectors, as embeddings usually are
        data = data / np.linalg.norm(data, axis=1, keepdims=True)
        t.upsert({"id": np.arange(3000), "bucket": (np.arange(3000) % 1000).astype(np.int32), "emb": data})
    t.create_index("emb", metric=metric, quantization=quantization, m=12, ef_construction=100)
    queries = clustered(50, seed=9)
    keys, dist = t.knn(queries, 10, ef=64)
    assert keys.shape == (50, 10) and dist.shape == (50, 10)
    assert np.all(np.diff(dist, axis=1) >= 0), "nearest first"
    assert recall(keys, brute_force(data, np.arange(3000), queries, 10, metric)) >= 0.95
    exact_keys, _ = t.knn(queries, 10, exact=True)
    assert recall(exact_keys, brute_force(data, np.arange(3000), queries, 10, metric)) >= 0.999


def test_search_query_builder(db):
    t, data = make_table(db, 2000)
    t.create_index("emb")
    res = t.search(data[5]).limit(3).to_pandas()
    assert list(res.columns) == ["id", "bucket", "emb", "_distance"]
    assert res["id"].iloc[0] == 5 and res["_distance"].iloc[0] == pytest.approx(0, abs=1e-4)
    assert len(res) == 3
    sel = t.search(data[5]).select("_distance", "id").to_numpy()
    assert list(sel) == ["_distance", "id"]
    rows = t.search(data[5]).where("bucket = 5").limit(2).to_list()
    assert [r["bucket"] for r in rows] == [5, 5]
    assert t.search(data[5]).to_arrow().num_rows == 10
    assert "graph search" in t.search(data[5]).explain()
    assert "exact" in t.search(data[5]).exact().explain()
    assert "_distance" in repr(t.search(data[5]).limit(2))


@pytest.mark.parametrize("selectivity,where", [
    (0.001, "bucket = 7"),
    (0.01, "bucket < 10"),
    (0.1, "bucket < 100"),
    (0.5, "bucket < 500"),
])
def test_filtered_search_returns_exactly_k(db, selectivity, where):
    n = 20000
    t, data = make_table(db, n)
    t.create_index("emb", m=12, ef_construction=100)
    ids = np.arange(n)
    bucket = ids % 1000
    keep = {"bucket = 7": bucket == 7, "bucket < 10": bucket < 10, "bucket < 100": bucket < 100,
            "bucket < 500": bucket < 500}[where]
    queries = clustered(30, seed=4)
    keys, dist = t.knn(queries, 10, where=where)
    assert keys.shape == (30, 10), "exactly k results"
    assert np.all(keep[keys]), "only matching rows"
    truth = brute_force(data[keep], ids[keep], queries, 10, "l2")
    assert recall(keys, truth) >= 0.95
    assert len(t.search(queries[0]).where(where).to_list()) == 10


def test_fewer_matches_than_k(db):
    t, data = make_table(db, 2000)
    t.create_index("emb")
    keys, dist = t.knn(data[:3], 10, where="id < 4")
    assert keys.shape == (3, 4)
    assert set(keys[0]) == {0, 1, 2, 3}
    keys, _ = t.knn(data[:2], 10, where="id < 0")
    assert keys.shape == (2, 0)


def test_updates_and_deletes_are_searched_at_once(db):
    t, data = make_table(db, 2000)
    t.create_index("emb")
    far = np.full(DIM, 100.0, dtype=np.float32)
    t.upsert({"id": [7], "bucket": [7], "emb": [far]})
    assert t.search(far).limit(1).to_list()[0]["id"] == 7
    t.delete(7)
    assert 7 not in t.knn(far, 5)[0][0]
    t.update({"emb": far}, where="id = 8")
    assert t.search(far).limit(1).to_list()[0]["id"] == 8
    t.upsert({"id": [9], "bucket": [9], "emb": [None]})  # a null vector is not indexed
    assert 9 not in t.knn(data[9], 2000)[0][0]
    assert t.indexes[0].rows == 1998


def test_many_updates_keep_recall(db):
    n = 3000
    t, data = make_table(db, n)
    t.create_index("emb", m=12, ef_construction=100)
    rng = np.random.default_rng(3)
    for _ in range(20):
        ids = rng.choice(n, 300, replace=False)
        data[ids] = clustered(300, seed=int(rng.integers(1 << 30)))
        t.upsert({"id": ids, "bucket": (ids % 1000).astype(np.int32), "emb": data[ids]})
    queries = clustered(50, seed=11)
    keys, _ = t.knn(queries, 10)
    assert recall(keys, brute_force(data, np.arange(n), queries, 10, "l2")) >= 0.95
    assert t.indexes[0].rows == n


def test_reopen_keeps_the_index(tmp_path):
    path = str(tmp_path / "db")
    with embodb.connect(path) as db:
        t, data = make_table(db, 3000)
        t.create_index("emb", metric="cosine", quantization="sq8")
        t.delete(list(range(100)))
    assert any(p.name.startswith("vector-") for p in (tmp_path / "db").iterdir())
    with embodb.connect(path) as db:
        t = db["obs"]
        info = t.indexes[0]
        got = (info.kind, info.params["metric"], info.params["quantization"], info.rows)
        assert got == ("hnsw", "cosine", "sq8", 2900)
        queries = clustered(30, seed=5)
        keys, _ = t.knn(queries, 10)
        truth = brute_force(data[100:], np.arange(100, 3000), queries, 10, "cosine")
        assert recall(keys, truth) >= 0.95


def test_bad_input_is_refused(db):
    t, data = make_table(db, 500)
    with pytest.raises(SchemaError, match="holds vector"):
        t.search(np.zeros(DIM + 1)).to_list()
    with pytest.raises(InvalidInputError, match="NaN"):
        t.knn(np.full((2, DIM), np.nan), 3)
    with pytest.raises(InvalidInputError, match="k must be a positive integer"):
        t.knn(data[:2], 0)
    with pytest.raises(InvalidInputError, match="k must be"):
        t.knn(data[:2], True)
    with pytest.raises(InvalidInputError, match="ef must be"):
        t.search(data[0]).ef(2.5)
    keys, dist = t.knn(data[:2].astype(np.float64).tolist(), np.int64(3), ef=np.int32(20))
    assert keys.shape == dist.shape == (2, 3) and keys.dtype == np.int64 and dist.dtype == np.float32
    with pytest.raises(InvalidInputError, match="metric"):
        t.create_index("emb", metric="hamming")
    with pytest.raises(InvalidInputError, match="m must be"):
        t.create_index("emb", m=1000)
    with pytest.raises(SchemaError, match="vector column"):
        t.create_index("bucket", "hnsw")
    with pytest.raises(SchemaError):
        t.search(data[0], column="bucket").to_list()
    assert t.indexes == ()
    t.create_index("emb", metric="cosine")
    with pytest.raises(SchemaError):
        t.create_index("emb", "hnsw")
    with pytest.raises(InvalidInputError, match="zero"):
        t.search(np.zeros(DIM)).to_list()
    with pytest.raises(InvalidInputError, match="zero vector"):
        t.insert({"id": [1000, 1001], "bucket": [0, 0], "emb": np.stack([data[0], np.zeros(DIM, np.float32)])})
    assert t.get(1000) is None, "nothing of the batch was written"
    with pytest.raises(InvalidInputError, match="cosine metric"):
        t.search(data[0]).metric("l2").to_list()


def test_knn_takes_every_layout_of_float32_queries(db):
    """The float32 fast path hands arrays to the core as they are: a vector,
    a matrix, a strided view, a big-endian copy and a float32 NaN all behave
    as the same queries made the slow way."""
    t, data = make_table(db, 800)
    t.create_index("emb")
    rows = np.ascontiguousarray(data[:6])
    want_keys, want_dist = t.knn(rows.tolist(), 5)
    keys, dist = t.knn(rows, 5)
    assert np.array_equal(keys, want_keys) and np.allclose(dist, want_dist)
    one_keys, _ = t.knn(rows[2], 5)
    assert one_keys.shape == (1, 5) and np.array_equal(one_keys[0], want_keys[2])
    wide = np.zeros((6, 2 * DIM), np.float32)
    wide[:, ::2] = rows
    strided_keys, _ = t.knn(wide[:, ::2], 5)  # not contiguous: copied by the core
    assert np.array_equal(strided_keys, want_keys)
    column_keys, _ = t.knn(np.asfortranarray(rows), 5)
    assert np.array_equal(column_keys, want_keys)
    swapped_keys, _ = t.knn(rows.astype(">f4"), 5)
    assert np.array_equal(swapped_keys, want_keys)
    with pytest.raises(SchemaError, match=r"vector or an \(n, dim\) matrix, not an array of shape \(2, 3, 16\)"):
        t.knn(np.zeros((2, 3, 16), np.float32), 5)
    with pytest.raises(SchemaError, match=r"not an array of shape \(\)"):
        t.knn(np.float32(1.0) * np.ones((), np.float32), 5)
    with pytest.raises(SchemaError, match="the query has 3 values"):
        t.knn(np.zeros(3, np.float32), 5)
    bad = rows.copy()
    bad[4, 7] = np.inf
    with pytest.raises(InvalidInputError, match=r"query 4 holds NaN or infinity \(at 7\)"):
        t.knn(bad, 5)


def test_cosine_index_refuses_a_table_with_zero_vectors(db):
    t, data = make_table(db, 100)
    t.upsert({"id": [5], "bucket": [5], "emb": [np.zeros(DIM, np.float32)]})
    with pytest.raises(InvalidInputError, match="key 5"):
        t.create_index("emb", metric="cosine")
    assert t.indexes == ()
    t.create_index("emb", metric="l2")  # l2 takes it


def test_interrupted_build_leaves_no_index(db):
    t, _ = make_table(db, 20000)

    def interrupt(done, total):
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _core.create_index(db._live_handle(), "obs", "emb", "hnsw", {}, interrupt)
    assert t.indexes == ()
    t.create_index("emb", m=8, ef_construction=50)
    assert t.indexes[0].rows == 20000


def test_drop_index_and_table(tmp_path):
    path = tmp_path / "db"
    with embodb.connect(str(path)) as db:
        t, data = make_table(db, 300)
        t.create_index("emb")
        t.create_index("bucket")
        assert sorted(ix.kind for ix in t.indexes) == ["hnsw", "ordered"]
        t.drop_index("emb")
        assert [ix.kind for ix in t.indexes] == ["ordered"]
        assert not any(p.name.startswith("vector-") for p in path.iterdir())
        assert "exact" in t.search(data[0]).explain()  # still searchable, exactly
        t.create_index("emb")
        deadline = time.monotonic() + 10  # a fresh build is saved by the background thread
        while not any(p.name.startswith("vector-") for p in path.iterdir()):
            assert time.monotonic() < deadline, "the new index was never checkpointed"
            time.sleep(0.02)
        db.drop_table("obs")
        assert not any(p.name.startswith("vector-") for p in path.iterdir())
        with pytest.raises(NotFoundError):
            db.create_table("x", {"id": "int64", "v": embodb.vector(2)}, primary_key="id").drop_index("v")


def test_snapshots_and_transactions_search_exactly(db):
    t, data = make_table(db, 500)
    t.create_index("emb")
    with db.snapshot() as snap:
        old = snap.table("obs")
        t.delete(list(range(250)))
        keys, _ = old.knn(data[:1], 500)
        assert keys.shape == (1, 500), "the snapshot still has every row"
        assert "another" in old.search(data[0]).explain()
    assert t.knn(data[:1], 500)[0].shape == (1, 250)


def test_string_keys(db):
    t = db.create_table("docs", {"name": "string", "emb": embodb.vector(4)}, primary_key="name")
    t.insert({"name": ["a", "b", "c"], "emb": np.eye(4, dtype=np.float32)[:3]})
    t.create_index("emb", metric="cosine")
    keys, dist = t.knn(np.eye(4, dtype=np.float32)[:2], 2)
    assert keys[0, 0] == "a" and keys[1, 0] == "b"


def test_search_without_an_index_is_exact(db):
    t, data = make_table(db, 400)
    keys, _ = t.knn(data[:5], 3, metric="cosine")
    assert np.array_equal(keys, brute_force(data, np.arange(400), data[:5], 3, "cosine"))
    assert "no vector index" in t.search(data[0]).explain()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["upsert", "delete"]), st.lists(st.integers(0, 60), min_size=1,
                                                                           max_size=20)), max_size=12))
def test_index_always_agrees_with_the_table(ops):
    with embodb.connect(":memory:") as db:
        t = db.create_table("t", {"id": "int64", "emb": embodb.vector(4)}, primary_key="id")
        t.create_index("emb", m=4, ef_construction=16)
        rng = np.random.default_rng(len(ops))
        for op, ids in ops:
            if op == "upsert":
                t.upsert({"id": ids, "emb": rng.standard_normal((len(ids), 4)).astype(np.float32)})
            else:
                t.delete(ids)
        rows = set(t.to_numpy()["id"].tolist())
        t.verify()
        keys, _ = t.knn(np.zeros((1, 4), np.float32), 100)
        assert set(keys[0].tolist()) == rows
        assert t.indexes[0].rows == len(rows)


def test_knn_on_one_thread_equals_every_thread(db):
    t, data = make_table(db, 3000)
    t.create_index("emb", m=8, ef_construction=64)
    queries = clustered(200, seed=9)
    keys, dist = t.knn(queries, 7)
    one_keys, one_dist = t.knn(queries, 7, threads=1)
    assert np.array_equal(keys, one_keys) and np.array_equal(dist, one_dist)
    with pytest.raises(InvalidInputError, match="threads must be"):
        t.knn(queries, 7, threads=0)


def test_index_rebuilt_while_rows_arrive_holds_every_row(tmp_path):
    # Dropping a table's last vector index gave up its change-feed records
    # for good; an index created again then lost the rows written during its
    # build whenever a compaction ran meanwhile (182,000 rows, 76,820 indexed).
    path = str(tmp_path / "db")
    with embodb.connect(path, write_buffer_size=64 << 10, target_file_size=64 << 10) as db:
        t = db.create_table("t", {"emb": embodb.vector(4)})
        t.insert({"emb": np.random.default_rng(0).random((3000, 4), dtype=np.float32)})
        t.create_index("emb", m=4, ef_construction=16)
        stop = threading.Event()

        def writer():
            rng = np.random.default_rng(1)
            while not stop.is_set():
                t.insert({"emb": rng.random((20, 4), dtype=np.float32)})
                db.compact()

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            for _ in range(3):
                t.drop_index("emb")
                t.create_index("emb", m=4, ef_construction=16)
        finally:
            stop.set()
            thread.join()
        t.verify()
        assert t.indexes[0].rows == len(t)
    with embodb.connect(path) as db:
        db["t"].verify()
        assert db["t"].indexes[0].rows == len(db["t"])


@pytest.mark.parametrize("metric, quantization", [("l2", None), ("ip", None), ("cosine", None), ("l2", "sq8")])
def test_search_rows_equal_the_tables_rows(db, metric, quantization):
    # Rows of a search come from the index when it holds every column (its
    # keys, its float vectors, its copies of scalars and coded strings), else
    # from the table: both must give exactly the table's values.
    rng = np.random.default_rng(3)
    n = 600
    t = db.create_table("t", {
        "id": "int64", "i8": "int8", "i32": "int32", "u16": "uint16", "u64": "uint64", "f32": "float32",
        "f64": "float64", "ok": "bool", "ts": "timestamp", "label": "string", "emb": embodb.vector(8),
    }, primary_key="id")
    ids = rng.choice(10**12, size=n, replace=False) - 5 * 10**11
    t.insert({
        "id": ids, "i8": rng.integers(-128, 128, n).astype(np.int8), "i32": rng.integers(-2**31, 2**31, n),
        "u16": rng.integers(0, 2**16, n).astype(np.uint16), "u64": rng.integers(0, 2**63, n).astype(np.uint64) * 2,
        "f32": rng.standard_normal(n).astype(np.float32), "f64": rng.standard_normal(n),
        "ok": [None if i % 7 == 0 else bool(i % 2) for i in range(n)],
        "ts": rng.integers(-10**18, 10**18, n).astype("datetime64[ns]"),
        "label": [None if i % 5 == 0 else f"w{i % 13}" for i in range(n)],
        "emb": rng.standard_normal((n, 8)).astype(np.float32),
    })
    t.update({"i32": None}, where="i8 < -100")
    t.create_index("emb", metric=metric, quantization=quantization, m=8, ef_construction=64)
    for q in rng.standard_normal((5, 8)).astype(np.float32):
        for query in (t.search(q).limit(7), t.search(q).limit(7).where("i8 > 0"),
                      t.search(q).limit(7).select("label", "id", "emb", "_distance")):
            got = query.to_list()
            assert len(got) == 7
            want = {r["id"]: r for r in t.get_many([r["id"] for r in got]).to_list()}
            for row in got:
                for name, value in row.items():
                    if name == "_distance":
                        continue
                    expected = want[row["id"]][name]
                    if isinstance(expected, np.ndarray):
                        assert np.array_equal(value, expected), name
                    else:
                        assert value == expected or (value is None and expected is None), name


def test_create_index_takes_any_kind_by_name_with_its_options(db):
    t, _ = make_table(db, 300)
    with pytest.raises(InvalidInputError, match="no option 'M'"):
        t.create_index("emb", M=8)
    with pytest.raises(InvalidInputError, match="takes no options"):
        t.create_index("bucket", metric="l2")
    with pytest.raises(InvalidInputError, match="index kind must be"):
        t.create_index("emb", "ivf")
    with pytest.raises(InvalidInputError, match="m must be"):
        t.create_index("emb", m=True)
    with pytest.raises(TypeError):
        t.create_index("emb", b"hnsw")
    t.create_index("emb", m=np.int64(8), ef_construction=np.int32(32), quantization=None)  # kind from the type
    t.create_index("bucket")
    kinds = {ix.column: (ix.kind, ix.params) for ix in t.indexes}
    assert kinds["bucket"] == ("ordered", {})
    assert kinds["emb"][0] == "hnsw"
    assert kinds["emb"][1] == {"metric": "l2", "m": 8, "ef_construction": 32, "quantization": None, "dim": DIM}
    with pytest.raises(NotFoundError):
        t.drop_index("emb", "ordered")
    t.drop_index("emb", "hnsw")
    t.drop_index("bucket")
    assert t.indexes == ()
    with pytest.raises(NotFoundError):
        t.drop_index("bucket")
