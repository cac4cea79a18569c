"""Flipping real bytes in real files gives CorruptionError, never a wrong value;
a second process gets DatabaseLockedError."""

import os
import subprocess
import sys

import numpy as np
import pytest

import embodb
from embodb import errors


def files_with(path, suffix):
    return sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(suffix) or f.startswith(suffix))


def flip(fname, offset, mask=0x20):
    with open(fname, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ mask]))


def make_db(path, big=False):
    expected = {}
    with embodb.connect(path, durability="off") as db:
        for i in range(3000):
            k = b"key%06d" % i
            v = (b"%06d" % i) * (2000 if big and i % 10 == 0 else 10)
            db.kv.put(k, v)
            expected[k] = v
        db.compact()
    return expected


def read_everything(path, expected):
    """Reads every key by get and by scan. Returns True when a CorruptionError
    was raised; fails the test if any wrong value comes back."""
    saw_corruption = False
    with embodb.connect(path) as db:
        for k, v in expected.items():
            try:
                got = db.kv.get(k)
            except errors.CorruptionError:
                saw_corruption = True
                continue
            assert got == v, f"wrong value for {k!r}"
        try:
            for k, v in db.kv.scan():
                assert expected[k] == v
        except errors.CorruptionError:
            saw_corruption = True
    return saw_corruption


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_flipped_byte_in_sstable(db_path, where):
    expected = make_db(db_path)
    (sst,) = files_with(db_path, ".sst")
    flip(sst, int(os.path.getsize(sst) * where))
    assert read_everything(db_path, expected)


def test_flipped_byte_in_blob_file(db_path):
    expected = make_db(db_path, big=True)
    blobs = files_with(db_path, ".blob")
    assert blobs
    flip(blobs[0], os.path.getsize(blobs[0]) // 2)
    assert read_everything(db_path, expected)


def test_flipped_byte_in_sstable_footer_fails_reads(db_path):
    expected = make_db(db_path)
    (sst,) = files_with(db_path, ".sst")
    flip(sst, os.path.getsize(sst) - 10)  # inside the footer's magic number
    assert read_everything(db_path, expected)


def test_flipped_byte_in_manifest_fails_open(db_path):
    make_db(db_path)
    (manifest,) = files_with(db_path, "MANIFEST-")
    flip(manifest, 12)
    with pytest.raises(errors.CorruptionError):
        embodb.connect(db_path)


def write_synced_wal(path, n):
    """Writes n keys with durability="sync" and returns the WAL holding them."""
    with embodb.connect(path, durability="sync") as db:
        for i in range(n):
            db.kv.put(b"k%05d" % i, b"v" * 50)
    (wal,) = [f for f in files_with(path, ".log") if os.path.getsize(f) > 0]
    return wal


def test_flipped_byte_in_wal_middle_fails_open(db_path):
    wal = write_synced_wal(db_path, 2000)
    flip(wal, 5000)
    with pytest.raises(errors.CorruptionError):
        embodb.connect(db_path)


def test_torn_wal_tail_is_dropped(db_path):
    # A process killed during an append (no close): the live WAL may end in a
    # partial record, which was never acknowledged.
    code = (
        "import os, sys, embodb\n"
        "db = embodb.connect(sys.argv[1], durability='sync')\n"
        "for i in range(100):\n"
        "    db.kv.put(b'k%05d' % i, b'v' * 50)\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, db_path], check=True)
    (wal,) = [f for f in files_with(db_path, ".log") if os.path.getsize(f) > 0]
    with open(wal, "r+b") as f:
        f.truncate(os.path.getsize(wal) - 20)  # cut into the last record
    with embodb.connect(db_path) as db:
        assert db.kv.get(b"k00098") == b"v" * 50
        assert db.kv.get(b"k00099") is None
        db.kv.put(b"after", b"x")
    with embodb.connect(db_path) as db:  # the truncated WAL reads cleanly now
        assert db.kv.get(b"after") == b"x"


def test_truncated_or_missing_closed_wal_is_reported(db_path):
    # The manifest records each WAL and the size it had when it was closed
    # whole: its acknowledged writes cannot vanish unnoticed.
    wal = write_synced_wal(db_path, 100)
    with open(wal, "rb") as f:
        data = f.read()
    with open(wal, "r+b") as f:
        f.truncate(len(data) - 20)
    with pytest.raises(errors.CorruptionError, match="shorter"):
        embodb.connect(db_path)
    os.remove(wal)
    with pytest.raises(errors.CorruptionError, match="WAL the manifest lists is missing"):
        embodb.connect(db_path)
    with open(wal, "wb") as f:
        f.write(data)
    with embodb.connect(db_path) as db:
        assert db.kv.get(b"k00099") == b"v" * 50


def test_flipped_byte_in_last_wal_record_is_reported(db_path):
    wal = write_synced_wal(db_path, 100)
    flip(wal, os.path.getsize(wal) - 10)  # inside the last record, which is complete
    with pytest.raises(errors.CorruptionError, match="checksum"):
        embodb.connect(db_path)


def test_missing_table_file_fails_open(db_path):
    make_db(db_path)
    for f in files_with(db_path, ".sst"):
        os.remove(f)
    with pytest.raises(errors.CorruptionError, match="missing"):
        embodb.connect(db_path)


def test_second_process_gets_database_locked(db_path):
    with embodb.connect(db_path):
        code = (
            "import sys, embodb\n"
            "try:\n"
            "    embodb.connect(sys.argv[1])\n"
            "except embodb.DatabaseLockedError as e:\n"
            "    print('locked:', e)\n"
            "    sys.exit(0)\n"
            "sys.exit(1)\n"
        )
        result = subprocess.run([sys.executable, "-c", code, db_path], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "locked" in result.stdout
    # Released on close: another process may open it now.
    result = subprocess.run(
        [sys.executable, "-c", "import sys, embodb; embodb.connect(sys.argv[1]).close()", db_path],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("offset", [0, 7, 8, 9, 11, 12, 40, -9, -1])
def test_damaged_vector_checkpoint_is_rebuilt(db_path, offset):
    # Every byte of the header (magic, then the version, which no checksum
    # covers), a section and the footer: the index is rebuilt from its table.
    rng = np.random.default_rng(0)
    vectors = rng.random((500, 8), dtype=np.float32)
    with embodb.connect(db_path) as db:
        t = db.create_table("t", {"id": "int64", "v": embodb.vector(8)}, primary_key="id")
        t.insert({"id": np.arange(500), "v": vectors})
        t.create_index("v")
    [checkpoint] = files_with(db_path, ".hnsw")
    flip(checkpoint, offset if offset >= 0 else os.path.getsize(checkpoint) + offset)
    with embodb.connect(db_path) as db:
        t = db["t"]
        assert t.indexes[0].rows == 500
        keys, _ = t.knn(vectors[:20], 1)
        assert (keys[:, 0] == np.arange(20)).mean() >= 0.95


@pytest.mark.parametrize("cloud", [False, True])
@pytest.mark.parametrize("offset", [0, 7, 8, 9, 11, 12, 20, 40, -9, -1])
def test_damaged_spatial_checkpoint_is_rebuilt(db_path, offset, cloud):
    # The header (magic, the version no checksum covers, length, checksum),
    # the payload and its end: the index is rebuilt from its table and
    # answers as before.
    rng = np.random.default_rng(1)
    with embodb.connect(db_path) as db:
        if cloud:
            t = db.create_table("t", {"id": "int64", "c": embodb.pointcloud(3)}, primary_key="id")
            t.insert({"id": np.arange(20), "c": [rng.uniform(0, 10, (50, 3)).astype(np.float32) for _ in range(20)]})
        else:
            t = db.create_table("t", {"id": "int64", "c": embodb.point3()}, primary_key="id")
            t.insert({"id": np.arange(1000), "c": rng.uniform(0, 10, (1000, 3)).astype(np.float32)})
        t.create_index("c", "spatial")
        queries = rng.uniform(0, 10, (20, 3))
        want = t.knn_points(queries, k=3, column="c")
    [checkpoint] = files_with(db_path, ".kdt")
    flip(checkpoint, offset if offset >= 0 else os.path.getsize(checkpoint) + offset)
    with embodb.connect(db_path) as db:
        t = db["t"]
        assert t.indexes[0].rows == (20 if cloud else 1000)
        got = t.knn_points(queries, k=3, column="c")
        for a, b in zip(got, want):
            assert np.array_equal(a, b)
        t.verify()


@pytest.mark.parametrize("where", [0.2, 0.5, 0.8])
def test_flipped_byte_under_a_time_series(db_path, where):
    """Series chunks live in sstables (in blob files when large): a flipped
    byte there is a CorruptionError or no harm, never a wrong sample."""
    ts = np.arange(20_000, dtype=np.int64) * 2_500_000
    values = np.round(np.sin(np.arange(20_000) / 50.0), 5)
    with embodb.connect(db_path, durability="off") as db:
        s = db.create_timeseries("imu", {"ts": "timestamp", "robot": "string", "gx": "float64"}, tags=("robot",))
        s.append({"ts": ts, "robot": ["a"] * len(ts), "gx": values})
        db.compact()
    files = files_with(db_path, ".sst") + files_with(db_path, ".blob")
    biggest = max(files, key=os.path.getsize)
    flip(biggest, int(os.path.getsize(biggest) * where))
    with embodb.connect(db_path) as db:
        try:
            got = db["imu"].range().to_numpy()
        except errors.CorruptionError:
            return
        assert np.array_equal(got["ts"].view(np.int64), ts)
        assert np.array_equal(got["gx"], values)
