import numpy as np
import pytest

import embodb
from embodb import errors


@pytest.fixture
def db(db_path):
    with embodb.connect(db_path, durability="off") as d:
        yield d


def test_put_get_delete(db):
    assert db.kv.get(b"missing") is None
    assert db.kv.get(b"missing", b"dflt") == b"dflt"
    db.kv.put(b"k", b"v")
    assert db.kv.get(b"k") == b"v"
    assert db.kv[b"k"] == b"v"
    assert b"k" in db.kv
    db.kv.delete(b"k")
    assert db.kv.get(b"k") is None
    assert b"k" not in db.kv
    db.kv.delete(b"never-there")  # deleting a missing key is fine


def test_missing_key_is_not_found_error_and_key_error(db):
    with pytest.raises(errors.NotFoundError) as info:
        db.kv[b"nope"]
    assert isinstance(info.value, KeyError)
    assert "nope" in str(info.value)


def test_bytes_like_inputs(db):
    db.kv.put(bytearray(b"ba"), memoryview(b"mv"))
    assert db.kv.get(b"ba") == b"mv"
    arr = np.arange(10, dtype=np.float32)
    db.kv.put(b"arr", arr)
    assert np.array_equal(np.frombuffer(db.kv.get(b"arr"), dtype=np.float32), arr)
    db.kv.put(b"", b"empty key")
    assert db.kv.get(b"") == b"empty key"
    db.kv.put(b"\x00\xff", b"")
    assert db.kv.get(b"\x00\xff") == b""


@pytest.mark.parametrize("bad", ["text", 5, None, 1.5, [b"x"]])
def test_non_bytes_key_or_value_is_type_error(db, bad):
    with pytest.raises(TypeError):
        db.kv.put(bad, b"v")
    with pytest.raises(TypeError):
        db.kv.put(b"k", bad)
    with pytest.raises(TypeError):
        db.kv.get(bad)
    assert list(db.kv.scan()) == []


def test_non_contiguous_buffer_is_type_error(db):
    arr = np.arange(20, dtype=np.uint8)[::2]
    with pytest.raises(TypeError, match="contiguous"):
        db.kv.put(b"k", arr)


def test_put_many_sequences_and_arrays(db):
    keys = [b"key%04d" % i for i in range(1000)]
    values = [b"value%d" % i for i in range(1000)]
    db.kv.put_many(keys, values)
    assert db.kv.get_many(keys[:3] + [b"absent"]) == values[:3] + [None]

    fixed = np.array([b"a1", b"b22", b"c333"], dtype="S4")
    matrix = np.arange(12, dtype=np.uint8).reshape(3, 4)
    db.kv.put_many(fixed, matrix)
    assert db.kv.get(b"b22") == bytes([4, 5, 6, 7])
    assert db.kv.get_many(fixed) == [bytes(r) for r in matrix]
    db.kv.put_many((k for k in [b"gen"]), [b"erator"])
    assert db.kv[b"gen"] == b"erator"


def test_put_many_is_all_or_nothing(db):
    with pytest.raises(TypeError):
        db.kv.put_many([b"a", b"b", "c"], [b"1", b"2", b"3"])
    with pytest.raises(errors.InvalidInputError):
        db.kv.put_many([b"a", b"b"], [b"1"])
    with pytest.raises(TypeError):
        db.kv.put_many(np.zeros(3, dtype=np.float64), [b"1", b"2", b"3"])
    assert db.kv.get(b"a") is None and db.kv.get(b"b") is None


def test_batch_commits_on_clean_exit_only(db):
    db.kv.put(b"x", b"old")
    with db.kv.batch() as b:
        b.put(b"a", b"1")
        b.put(b"b", b"2")
        b.delete(b"x")
        assert len(b) == 3
    assert db.kv.get_many([b"a", b"b", b"x"]) == [b"1", b"2", None]

    with pytest.raises(RuntimeError):
        with db.kv.batch() as b:
            b.put(b"c", b"3")
            raise RuntimeError("boom")
    assert db.kv.get(b"c") is None

    with pytest.raises(TypeError):
        with db.kv.batch() as b:
            b.put(b"d", b"4")
            b.put(b"e", "not bytes")
    assert db.kv.get(b"d") is None


def test_scan_ranges_prefix_reverse(db):
    keys = [b"a", b"ab", b"abc", b"b", b"ba", b"c", b"\xff", b"\xff\xff"]
    for k in keys:
        db.kv.put(k, k.upper())
    assert [k for k, _ in db.kv.scan()] == keys
    assert [k for k, _ in db.kv.scan(reverse=True)] == keys[::-1]
    assert [k for k, _ in db.kv.scan(start=b"ab", end=b"ba")] == [b"ab", b"abc", b"b"]
    assert [k for k, _ in db.kv.scan(start=b"ab", end=b"ba", reverse=True)] == [b"b", b"abc", b"ab"]
    assert [k for k, _ in db.kv.scan(prefix=b"a")] == [b"a", b"ab", b"abc"]
    assert [k for k, _ in db.kv.scan(prefix=b"\xff")] == [b"\xff", b"\xff\xff"]
    assert [k for k, _ in db.kv.scan(prefix=b"\xff", reverse=True)] == [b"\xff\xff", b"\xff"]
    assert [k for k, _ in db.kv.scan(prefix=b"a", start=b"ab", end=b"abc")] == [b"ab"]
    assert list(db.kv.scan(prefix=b"zzz")) == []
    assert dict(db.kv.scan(prefix=b"b")) == {b"b": b"B", b"ba": b"BA"}
    assert list(db.kv) == keys


def test_scan_is_a_consistent_view(db):
    for i in range(2000):
        db.kv.put(b"k%05d" % i, b"v")
    it = db.kv.scan()
    first = next(it)
    for i in range(2000):
        db.kv.delete(b"k%05d" % i)
    assert 1 + sum(1 for _ in it) == 2000
    assert first[0] == b"k00000"


def test_snapshot_reads_past_state(db):
    db.kv.put(b"k", b"v1")
    with db.snapshot() as snap:
        db.kv.put(b"k", b"v2")
        db.kv.put(b"new", b"x")
        db.flush()
        db.compact()
        assert snap.kv.get(b"k") == b"v1"
        assert snap.kv.get(b"new") is None
        assert dict(snap.kv.scan()) == {b"k": b"v1"}
        assert snap.kv.get_many([b"k", b"new"]) == [b"v1", None]
        with pytest.raises(errors.InvalidInputError, match="read-only"):
            snap.kv.put(b"a", b"b")
    with pytest.raises(errors.DatabaseClosedError):
        snap.kv  # noqa: B018 - the property raises
    assert db.kv.get(b"k") == b"v2"


def test_values_large_and_small_survive_reopen(db_path):
    rng = np.random.default_rng(0)
    big = {b"cloud%d" % i: rng.standard_normal((2000 + i, 3)).astype(np.float32).tobytes() for i in range(20)}
    with embodb.connect(db_path, durability="off") as db:
        for k, v in big.items():
            db.kv.put(k, v)
        db.kv.put(b"small", b"s")
        db.flush()
        st = db.stats()
        assert st["blob_files"] >= 1
    with embodb.connect(db_path) as db:
        for k, v in big.items():
            assert db.kv.get(k) == v
        assert db.kv.get(b"small") == b"s"


def test_flush_compact_stats(db):
    for i in range(20000):
        db.kv.put(b"%08d" % i, b"x" * 100)
    db.flush()
    db.compact()
    st = db.stats()
    assert sum(level["files"] for level in st["levels"]) >= 1
    assert st["levels"][0]["files"] == 0
    assert st["num_flushes"] >= 1 and st["num_compactions"] >= 1
    assert st["write_amplification"] > 1.0
    assert 0.0 <= st["block_cache_hit_rate"] <= 1.0
    assert db.kv.get(b"%08d" % 12345) == b"x" * 100


def test_closed_database_refuses_every_call(db_path):
    db = embodb.connect(db_path)
    db.kv.put(b"a", b"b")
    kv = db.kv
    it = kv.scan()
    db.close()
    db.close()  # idempotent
    assert db.closed
    for call in (
        lambda: db.kv,
        lambda: kv.get(b"a"),
        lambda: kv.put(b"a", b"b"),
        lambda: kv.get_many([b"a"]),
        lambda: list(kv.scan()),
        lambda: next(it),
        db.flush,
        db.compact,
        db.stats,
        db.snapshot,
    ):
        with pytest.raises(errors.DatabaseClosedError):
            call()


def test_second_connection_is_locked(db_path):
    with embodb.connect(db_path):
        with pytest.raises(errors.DatabaseLockedError):
            embodb.connect(db_path)
    with embodb.connect(db_path):
        pass


def test_bad_options(db_path):
    with pytest.raises(errors.InvalidInputError):
        embodb.connect(db_path, durability="fast")
    with pytest.raises(errors.InvalidInputError):
        embodb.connect(db_path, no_such_option=1)
    with pytest.raises(errors.InvalidInputError):
        embodb.connect(db_path, write_buffer_size=10)
    with pytest.raises(errors.InvalidInputError):
        embodb.connect(db_path, memory_budget=-5)
    with pytest.raises(errors.InvalidInputError):
        embodb.connect(db_path + "_absent", create_if_missing=False)


def test_per_write_durability(db_path):
    with embodb.connect(db_path, durability="off") as db:
        db.kv.put(b"a", b"1", durability="sync")
        with pytest.raises(errors.InvalidInputError):
            db.kv.put(b"a", b"1", durability="maybe")
        with db.kv.batch(durability="sync") as b:
            b.put(b"b", b"2")
        db.sync()
        assert db.stats()["wal_syncs"] >= 2


def test_memory_database_and_repr(tmp_path):
    with embodb.connect(":memory:") as db:
        db.kv.put(b"k", b"v")
        assert db.kv.get(b"k") == b"v"
        assert "memory" in repr(db)
        assert "KeyValue" in repr(db.kv)
        with db.kv.batch() as b:
            assert "WriteBatch" in repr(b)
    assert "closed" in repr(db)


def test_connect_creates_missing_parent_directories(tmp_path):
    with embodb.connect(str(tmp_path / "a" / "b" / "db")) as db:
        db.kv.put(b"k", b"v")
    assert (tmp_path / "a" / "b" / "db" / "CURRENT").exists()


def test_connect_to_a_file_is_a_storage_error(tmp_path):
    f = tmp_path / "file"
    f.write_bytes(b"x")
    with pytest.raises(errors.StorageError):
        embodb.connect(str(f))
