"""Primary keys of every kind a table takes: integers, strings and
timestamps (an IMU table keyed by its sample time)."""
import datetime

import numpy as np
import pytest

import embodb
from embodb.errors import DuplicateKeyError, SchemaError


def test_a_timestamp_is_a_primary_key(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    imu = db.create_table("imu", {"ts": "timestamp", "gx": "float64"}, primary_key="ts")
    rng = np.random.default_rng(0)
    ts = rng.permutation(np.arange(-500, 4500) * 5_000_000)  # 200 Hz, before and after the epoch, shuffled
    imu.insert({"ts": ts.astype("datetime64[ns]"), "gx": ts / 1e9})
    for step in ("memtable", "flushed", "compacted", "reopened"):
        if step == "flushed":
            db.flush()
        elif step == "compacted":
            db.compact()
        elif step == "reopened":
            db.close()
            db = embodb.connect(str(tmp_path / "db"))
            imu = db["imu"]
        got = imu.to_numpy()
        assert got["ts"].astype(np.int64).tolist() == sorted(ts.tolist()), step  # rows in time order
        np.testing.assert_array_equal(got["gx"], np.sort(ts) / 1e9)
        # Any spelling of a time finds its row.
        for key in (np.datetime64(10**9, "ns"), 10**9, datetime.datetime(1970, 1, 1, 0, 0, 1)):
            assert imu.get(key)["gx"] == 1.0, (step, key)
        assert imu.get(np.datetime64(-2_500_000_000, "ns"))["gx"] == -2.5
        assert imu.get(7) is None
        # A time range is a range of the key: read in order, nothing else visited.
        q = imu.where("ts >= '1970-01-01T00:00:01' AND ts < '1970-01-01T00:00:02'")
        assert "range" in q.explain()
        assert q.count() == 200
        latest = imu.query().order_by("ts", descending=True).limit(1).to_list()[0]
        assert latest["ts"] == np.datetime64(4499 * 5_000_000, "ns")
    with pytest.raises(DuplicateKeyError):
        imu.insert({"ts": [np.datetime64(0, "ns")], "gx": [0.0]})
    imu.upsert({"ts": [np.datetime64(0, "ns")], "gx": [42.0]})
    assert imu.get(0)["gx"] == 42.0
    assert imu.delete(keys=[np.datetime64(0, "ns"), 5_000_000]) == 2
    assert len(imu) == 4998
    db.close()


@pytest.mark.parametrize("kind", ["float64", "bool", "vector(3)", "point3", "bytes"])
def test_other_types_cannot_be_primary_keys(kind):
    db = embodb.connect(":memory:")
    with pytest.raises(SchemaError, match="integer, a timestamp or a string"):
        db.create_table("t", {"k": kind, "x": "int32"}, primary_key="k")
