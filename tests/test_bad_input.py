"""Bad input and odd input from an adversarial run (issue 23): each case gets
a clear error from embodb.errors or a correct answer, never a crash, a wrong
exception type or a silently wrong value."""

import os

import numpy as np
import pytest

import embodb
from embodb.errors import CorruptionError, Error, InvalidInputError, SchemaError

# ---------------------------------------------------------------- long filters


@pytest.fixture
def small(db):
    t = db.create_table("t", {"id": "int64", "x": "float64", "v": embodb.vector(4)}, primary_key="id")
    rng = np.random.default_rng(0)
    t.insert({"id": np.arange(300), "x": np.arange(300) * 0.5, "v": rng.random((300, 4), dtype=np.float32)})
    return t


def test_thousands_of_and_terms_run_everywhere_a_filter_goes(small):
    # 6,000 terms killed the process with SIGSEGV (recursion over a left-deep tree).
    many = " AND ".join(["id >= 10"] * 6000)
    assert small.where(many).count() == 290
    assert small.where(" OR ".join(["id = 7"] * 6000)).count() == 1
    small.create_index("v")
    hits = small.search(np.ones(4, np.float32)).where(many).limit(5).to_list()
    assert len(hits) == 5 and all(h["id"] >= 10 for h in hits)
    assert small.update({"x": -1.0}, where=" AND ".join(["id >= 295"] * 6000)) == 5
    assert small.delete(where=" AND ".join(["id >= 290"] * 6000)) == 10
    assert len(small) == 290


def test_deep_nesting_is_refused_with_an_error(small):
    for text in [" + ".join(["x"] * 6000) + " > 0", "(" * 6000 + "id = 1" + ")" * 6000, "NOT " * 6000 + "id = 1"]:
        with pytest.raises(InvalidInputError, match="nested too deeply"):
            small.where(text).count()
    assert small.where(" + ".join(["x"] * 100) + " > 0").count() == 299


def test_non_ascii_names_in_filters(db):
    t = db.create_table("名前", {"名字": "string", "n": "int64"})
    t.insert({"名字": ["x", "y"], "n": [1, 2]})
    assert t.where("名字 = 'x'").to_list()[0]["n"] == 1
    with pytest.raises(SchemaError, match="no column 'näme'"):
        t.where("näme = 'x'").count()


# ---------------------------------------------------------------- byte order

NUMERIC = ["int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float32", "float64"]


@pytest.mark.parametrize("mode", ["insert", "upsert"])
def test_big_endian_arrays_are_converted_not_reinterpreted(db, mode):
    t = db.create_table("t", {"id": "int64", **{c: c for c in NUMERIC}, "ts": "timestamp",
                              "v": embodb.vector(3), "p": embodb.point3(), "c": embodb.pointcloud()},
                        primary_key="id")
    n = 5
    data = {"id": np.arange(n).astype(">i8")}
    for c in NUMERIC:
        data[c] = (np.arange(n) + 1).astype(np.dtype(c).newbyteorder(">"))
    data["ts"] = (np.arange(n) * 1000).astype(">M8[ns]")
    data["v"] = np.arange(3 * n).reshape(n, 3).astype(">f4")
    data["p"] = np.arange(3 * n).reshape(n, 3).astype(">f8")
    data["c"] = [np.full((2, 3), i, dtype=">f4") for i in range(n)]
    getattr(t, mode)(data)
    back = t.to_numpy()
    assert back["id"].tolist() == list(range(n))
    for c in NUMERIC:
        assert back[c].tolist() == list(range(1, n + 1)), c
    assert back["ts"].astype(np.int64).tolist() == [i * 1000 for i in range(n)]
    np.testing.assert_array_equal(back["v"], np.arange(3 * n).reshape(n, 3))
    np.testing.assert_array_equal(back["p"], np.arange(3 * n).reshape(n, 3))
    assert [float(c[0, 0]) for c in back["c"]] == list(range(n))
    assert t.get(3)["int32"] == 4  # the key too
    t.delete(np.array([4], dtype=">i8"))
    assert len(t) == 4
    t.update({"float64": np.float64(7.5).astype(">f8")}, where="id = 0")
    assert t.get(0)["float64"] == 7.5
    keys, _ = t.knn(np.ones(3, dtype=">f4"), k=1, exact=True)
    assert keys.shape == (1, 1)


# ---------------------------------------------------------------- exception types


def test_timestamps_out_of_range_are_schema_errors(db):
    t = db.create_table("t", {"id": "int64", "ts": "timestamp"}, primary_key="id")
    for bad in ([2**70], [-(2**63)], np.array([2**63 + 1], dtype=np.uint64)):
        with pytest.raises(SchemaError, match="range"):
            t.insert({"id": [1], "ts": bad})
    assert len(t) == 0


def test_history_out_of_range(tmp_path):
    for bad in (1e30, float("inf"), -1, "1000000d"):
        with pytest.raises(InvalidInputError, match="history"):
            embodb.connect(str(tmp_path / "db"), history=bad)


@pytest.mark.parametrize("option, value", [
    ("compaction_threads", 10**6), ("compaction_threads", -1), ("zstd_level", 1000), ("zstd_level", -1),
    ("write_buffer_size", 0), ("target_file_size", 2**70), ("min_blob_size", 0),
    ("group_commit_interval_ms", 0), ("compaction_threads", 2.5), ("zstd_level", True),
])
def test_bad_engine_options_are_refused(tmp_path, option, value):
    with pytest.raises(InvalidInputError, match=option):
        embodb.connect(str(tmp_path / "db"), **{option: value})


def test_numpy_integers_are_good_options(tmp_path):
    with embodb.connect(str(tmp_path / "db"), zstd_level=np.int64(3), compaction_threads=np.int32(2)) as db:
        db.kv.put(b"a", b"b")


def test_batches_of_zero_rows_are_refused(small):
    with pytest.raises(InvalidInputError, match="rows"):
        list(small.query().batches(0))
    assert sum(len(b) for b in small.query().batches(7)) == 300


@pytest.mark.parametrize("bad", ["a\0b", "tab\tname", "new\nline", "", "x" * 300])
def test_bad_table_and_column_names(db, bad):
    with pytest.raises(SchemaError):
        db.create_table(bad, {"x": "int64"})
    with pytest.raises(SchemaError):
        db.create_table("ok", {bad: "int64"})
    t = db.create_table("ok", {"x": "int64"})
    with pytest.raises(SchemaError):
        t.add_column(bad, "int64")
    assert db.tables == ["ok"]


def test_names_must_be_str_not_bytes(db):
    with pytest.raises(TypeError, match="str"):
        db.create_table(b"bytes", {"x": "int64"})
    with pytest.raises(TypeError, match="str"):
        db.create_table("t", {b"x": "int64"})
    db.create_table("t", {"x": "int64"})
    with pytest.raises(TypeError):
        db[b"t"]
    assert b"t" not in db and db.tables == ["t"]


def test_writes_through_snapshots_raise_the_same_error(db):
    t = db.create_table("t", {"x": "int64"})
    with db.snapshot() as snap:
        with pytest.raises(InvalidInputError, match="read-only"):
            snap.kv.put(b"a", b"b")
        with pytest.raises(InvalidInputError, match="read-only"):
            snap["t"].insert({"x": [1]})
    assert len(t) == 0 and db.kv.get(b"a") is None


def test_damaged_current_file_is_a_corruption_error(tmp_path):
    path = tmp_path / "db"
    with embodb.connect(str(path)) as db:
        db.kv.put(b"k", b"v")
    current = (path / "CURRENT").read_bytes()
    for i in range(len(current)):
        for flip in (0x80, 0x01):
            damaged = bytearray(current)
            damaged[i] ^= flip
            (path / "CURRENT").write_bytes(bytes(damaged))
            try:
                with embodb.connect(str(path)) as db:
                    assert db.kv.get(b"k") == b"v"  # a flip that still names the same manifest
            except Error as e:
                assert isinstance(e, (CorruptionError, embodb.errors.StorageError)), (i, flip, e)
    (path / "CURRENT").write_bytes(current)
    with embodb.connect(str(path)) as db:
        assert db.kv.get(b"k") == b"v"


# ---------------------------------------------------------------- handles


def open_files_under(path):
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            out.append(target)
    return out


def test_close_leaves_no_file_open(tmp_path):
    path = tmp_path / "db"
    db = embodb.connect(str(path), history="1h")
    t = db.create_table("t", {"id": "int64", "v": embodb.vector(4), "c": embodb.pointcloud()}, primary_key="id")
    t.insert({"id": np.arange(100), "v": np.ones((100, 4), np.float32),
              "c": [np.zeros((2000, 3), np.float32)] * 100})  # clouds big enough for blob files
    t.create_index("v")
    db.flush()
    assert t.get(5)["id"] == 5
    assert open_files_under(path)
    db.close()
    assert open_files_under(path) == []  # the MANIFEST stayed open until garbage collection


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_cannot_use_the_parents_database(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("t", {"id": "int64"}, primary_key="id")
    t.insert({"id": [1]})
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: every use is refused, and closing writes nothing
        code = 0
        for use in (lambda: t.insert({"id": [2]}), lambda: db.kv.put(b"a", b"b"), lambda: t.get(1), lambda: len(t)):
            try:
                use()
                code = 1
            except embodb.errors.DatabaseClosedError as e:
                if "fork" not in str(e):
                    code = 2
            except BaseException:  # noqa: BLE001 - report any other outcome to the parent
                code = 3
        db.close()
        os.write(write, bytes([code]))
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"\x00" and status == 0
    os.close(read)
    t.insert({"id": [3]})  # the parent goes on
    assert sorted(t.to_numpy()["id"].tolist()) == [1, 3]
    db.close()
