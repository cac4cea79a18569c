"""Time series (python/embodb/timeseries.py): appends in any order and size
read back in time order, last write wins, bit-exact values, reopen,
snapshots and transactions, and bad input refused with nothing appended."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, NotFoundError, SchemaError

SCHEMA = {"ts": "timestamp", "robot": "string", "gx": "float32", "ax": "float64", "n": "int32"}


@pytest.fixture
def db(tmp_path):
    d = embodb.connect(tmp_path / "db")
    yield d
    d.close()


def make(db, name="imu"):
    return db.create_timeseries(name, SCHEMA, tags=("robot",))


def samples(robot, ts, seed=0):
    rng = np.random.default_rng(seed)
    n = len(ts)
    return {
        "ts": np.asarray(ts, dtype=np.int64),
        "robot": [robot] * n,
        "gx": rng.normal(size=n).astype(np.float32),
        "ax": np.round(rng.normal(size=n), 4),
        "n": rng.integers(-1000, 1000, n).astype(np.int32),
    }


class Model:
    """What the time series should hold: (robot, ts) -> sample, last write wins."""

    def __init__(self):
        self.rows = {}

    def append(self, data):
        for i in range(len(data["ts"])):
            self.rows[(data["robot"][i], int(data["ts"][i]))] = (
                np.float32(data["gx"][i]), np.float64(data["ax"][i]), int(data["n"][i]))

    def frame(self, t0=None, t1=None):
        keys = sorted(k for k in self.rows if (t0 is None or k[1] >= t0) and (t1 is None or k[1] < t1))
        return keys, [self.rows[k] for k in keys]


def check(ts_obj, model, t0=None, t1=None):
    got = ts_obj.range(t0, t1).to_numpy()
    keys, values = model.frame(t0, t1)
    assert list(got["robot"]) == [k[0] for k in keys]
    assert got["ts"].view(np.int64).tolist() == [k[1] for k in keys]
    assert got["gx"].view(np.uint32).tolist() == [np.float32(v[0]).view(np.uint32) for v in values]
    assert got["ax"].view(np.uint64).tolist() == [np.float64(v[1]).view(np.uint64) for v in values]
    assert got["n"].tolist() == [v[2] for v in values]


def test_append_and_range_in_time_order(db):
    imu = make(db)
    model = Model()
    ts = np.arange(5000, dtype=np.int64) * 2_500_000
    for part in np.array_split(np.random.default_rng(1).permutation(ts), 7):  # out of order, several sizes
        data = samples("r1", part, seed=len(part))
        imu.append(data)
        model.append(data)
    check(imu, model)
    check(imu, model, ts[100], ts[3000])
    assert len(imu.range(ts[10], ts[10])) == 0


def test_small_appends_go_through_the_head_and_seal(db):
    imu = make(db)
    model = Model()
    for i in range(3000):  # single samples: head, then sealed every 1024
        data = samples("r%d" % (i % 2), [i * 1000], seed=i)
        imu.append(data)
        model.append(data)
    check(imu, model)
    check(imu, model, 500_000, 2_600_000)


def test_last_write_wins_across_head_and_chunks(db):
    imu = make(db)
    model = Model()
    base = samples("r1", np.arange(2000) * 10, seed=1)
    imu.append(base)
    model.append(base)
    for seed, ts in enumerate([[50, 60], np.arange(0, 20000, 97), [5, 5, 5], np.arange(1000) * 10 + 3]):
        data = samples("r1", ts, seed=seed + 10)
        imu.append(data)
        model.append(data)
        check(imu, model)


def test_duplicates_in_one_append_keep_the_last(db):
    imu = make(db)
    imu.append({"ts": [1, 1, 2], "robot": ["a", "a", "a"], "gx": [1.0, 2.0, 3.0], "ax": [0.0] * 3, "n": [0] * 3})
    got = imu.range().to_numpy()
    assert got["gx"].tolist() == [2.0, 3.0]


def test_special_floats_round_trip_bit_for_bit(db):
    imu = make(db)
    values = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-310, 1.5, -2.25] * 200)
    nan_payload = np.array([0x7FF8000000000123], dtype=np.uint64).view(np.float64)[0]
    values[7] = nan_payload
    n = len(values)
    imu.append({"ts": np.arange(n), "robot": ["a"] * n, "gx": values.astype(np.float32), "ax": values, "n": [1] * n})
    got = imu.range().to_numpy()
    assert got["ax"].view(np.uint64).tolist() == values.view(np.uint64).tolist()
    assert got["gx"].view(np.uint32).tolist() == values.astype(np.float32).view(np.uint32).tolist()


def test_pandas_and_arrow_input(db):
    imu = make(db)
    frame = pd.DataFrame({
        "ts": pd.date_range("2026-01-01", periods=500, freq="5ms"),
        "robot": "r1", "gx": np.arange(500, dtype=np.float32), "ax": np.arange(500) / 8,
        "n": np.arange(500, dtype=np.int32)})
    imu.append(frame)
    table = pa.table({"ts": pa.array(frame["ts"].astype("int64") + 1), "robot": ["r2"] * 500,
                      "gx": pa.array(np.ones(500, np.float32)), "ax": np.zeros(500),
                      "n": pa.array(np.zeros(500, np.int32))})
    imu.append(table)
    out = imu.range().to_pandas()
    assert len(out) == 1000
    assert list(out["robot"].unique()) == ["r1", "r2"]
    assert out["ts"].iloc[0] == pd.Timestamp("2026-01-01")
    window = imu.range("2026-01-01T00:00:00.010", pd.Timestamp("2026-01-01 00:00:00.020"), where="robot = 'r1'")
    assert window.to_numpy()["gx"].tolist() == [2.0, 3.0]


def test_latest_per_series(db):
    imu = make(db)
    imu.append(samples("a", np.arange(3000) * 7, seed=1))
    imu.append(samples("b", [5, 1, 3], seed=2))
    got = imu.latest(2).to_numpy()
    assert list(got["robot"]) == ["a", "a", "b", "b"]
    assert got["ts"].view(np.int64).tolist() == [2998 * 7, 2999 * 7, 3, 5]
    assert imu.latest(10_000, where="robot = 'b'").to_numpy()["ts"].view(np.int64).tolist() == [1, 3, 5]


def test_reopen_keeps_everything(tmp_path):
    path = tmp_path / "db"
    model = Model()
    with embodb.connect(path) as db:
        imu = make(db)
        for k in range(5):
            data = samples("r%d" % (k % 2), np.arange(k * 300, k * 300 + 700), seed=k)
            imu.append(data)
            model.append(data)
        db.flush()
        late = samples("r0", [3, 4], seed=99)
        imu.append(late)
        model.append(late)
    with embodb.connect(path) as db:
        imu = db["imu"]
        assert isinstance(imu, embodb.TimeSeries)
        check(imu, model)
        db.compact()
        check(imu, model)


def test_snapshots_and_transactions(db):
    imu = make(db)
    imu.append(samples("a", np.arange(100), seed=1))
    snap = db.snapshot()
    imu.append(samples("a", np.arange(100, 600), seed=2))
    assert len(snap["imu"].range()) == 100
    assert len(imu) == 600
    with pytest.raises(InvalidInputError):
        snap["imu"].append(samples("a", [1000]))
    snap.close()
    tx = db.transaction()
    tx["imu"].append(samples("b", np.arange(300), seed=3))
    assert len(tx["imu"].range(where="robot = 'b'")) == 300
    tx.rollback()
    assert len(imu.range(where="robot = 'b'")) == 0
    with db.transaction() as tx:
        tx["imu"].append(samples("b", np.arange(300), seed=3))
    assert len(imu.range(where="robot = 'b'")) == 300


def test_where_on_values_and_columns(db):
    imu = make(db)
    data = samples("a", np.arange(2000), seed=4)
    imu.append(data)
    got = imu.range(where="n > 500", columns=["ts", "n"]).to_numpy()
    assert list(got) == ["ts", "n"]
    expected = data["ts"][data["n"] > 500]
    assert got["ts"].view(np.int64).tolist() == expected.tolist()


def test_no_tags_and_nulls(db):
    s = db.create_timeseries("battery", {"time": "timestamp", "volts": "float64", "state": "string"}, time="time")
    s.append([{"time": 5, "volts": 12.5, "state": "ok"}, {"time": 1, "volts": None, "state": "low"}])
    s.append({"time": np.arange(10, 400), "volts": np.linspace(12, 11, 390)})
    got = s.range().to_pandas()
    assert got["time"].astype("int64").tolist()[:3] == [1, 5, 10]
    assert pd.isna(got["volts"].iloc[0])
    assert got["state"].iloc[0] == "low" and pd.isna(got["state"].iloc[2])


@pytest.mark.parametrize("bad, error", [
    ({"ts": [1.5, 2.0], "robot": ["a", "a"], "gx": [1, 2]}, SchemaError),                # float timestamps
    ({"ts": np.array([1.0, np.nan]), "robot": ["a", "a"], "gx": [1, 2]}, SchemaError),   # NaN timestamps
    ({"ts": ["not a time"], "robot": ["a"], "gx": [1]}, SchemaError),
    ({"ts": [1, 2, 3], "robot": ["a", "a"], "gx": [1, 2, 3]}, SchemaError),             # lengths differ
    ({"ts": [1], "robot": ["a"], "gy": [1]}, SchemaError),                              # unknown column
    ({"ts": [1], "gx": [1]}, SchemaError),                                              # no tag
    ({"robot": ["a"], "gx": [1]}, SchemaError),                                         # no timestamp
    ({"ts": [1, None], "robot": ["a", "a"], "gx": [1, 2]}, SchemaError),                 # a null timestamp
    ({"ts": [1, 2], "robot": ["a", None], "gx": [1, 2]}, SchemaError),                   # a null tag
])
def test_bad_appends_write_nothing(db, bad, error):
    imu = make(db)
    imu.append(samples("a", [100, 200], seed=1))
    with pytest.raises(error):
        imu.append(bad)
    assert imu.range().to_numpy()["ts"].view(np.int64).tolist() == [100, 200]


def test_bad_reads_and_definitions(db):
    imu = make(db)
    with pytest.raises(InvalidInputError, match="before t0"):
        imu.range(10, 5)
    with pytest.raises(InvalidInputError):
        imu.range(1.5, 3)
    with pytest.raises(InvalidInputError):
        imu.latest(0)
    with pytest.raises(SchemaError):
        imu.range(columns=["nope"])
    with pytest.raises(SchemaError):
        db.create_timeseries("x", {"ts": "int64", "v": "float64"})               # time column not a timestamp
    with pytest.raises(SchemaError):
        db.create_timeseries("x", {"ts": "timestamp", "v": "float64"}, tags=("w",))  # unknown tag
    with pytest.raises(SchemaError):
        db.create_timeseries("x", {"ts": "timestamp", "v": "float64"}, tags=("v",))  # a float tag
    with pytest.raises(SchemaError):
        db.create_timeseries("x", {"ts": "timestamp", "r": "string"}, tags=("r",))   # no value column
    with pytest.raises(SchemaError):
        db.create_timeseries("imu", SCHEMA, tags=("robot",))                     # exists
    db.drop_table("imu")
    with pytest.raises(NotFoundError):
        db["imu"]
    again = make(db)
    assert len(again) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.lists(st.integers(-5000, 5000), min_size=1, max_size=400)),
                min_size=1, max_size=8))
def test_random_appends_match_a_model(tmp_path_factory, appends):
    with embodb.connect(tmp_path_factory.mktemp("db")) as db:
        imu = make(db)
        model = Model()
        for k, (robot, ts) in enumerate(appends):
            data = samples(robot, ts, seed=k)
            imu.append(data)
            model.append(data)
        check(imu, model)
        check(imu, model, -100, 2500)


def test_retention_drops_exactly_the_expired_samples(tmp_path):
    import time
    hour = 3_600_000_000_000
    now = time.time_ns()
    # Two hours of 10 Hz samples, the first ending 90 min ago; a ttl of 1 h.
    old = now - 2 * hour + np.arange(0, hour // 2, 100_000_000)
    recent = now - hour // 2 + np.arange(0, hour // 4, 100_000_000)
    path = tmp_path / "db"
    with embodb.connect(path) as db:
        s = db.create_timeseries("battery", {"ts": "timestamp", "robot": "string", "volts": "float64"},
                                 tags=("robot",), ttl="1h")
        assert s.ttl == hour
        s.append({"ts": np.concatenate([old, recent]), "robot": ["a"] * (len(old) + len(recent)),
                  "volts": np.linspace(24, 20, len(old) + len(recent))})
        got = s.range().to_numpy()["ts"].view(np.int64)
        assert got.tolist() == recent.tolist()  # the old ones were never kept
        assert s.resample("1m", {"volts": "count"}).to_pandas()["volts_count"].sum() == len(recent)
        assert s.latest(5).to_numpy()["ts"].view(np.int64).tolist() == recent[-5:].tolist()
    # Samples written without a ttl, then a ttl's view of them: reopen a
    # database whose series keeps everything, append under a second series
    # with a ttl and check apply_retention deletes what reads already hide.
    with embodb.connect(path) as db:
        s = db["battery"]
        assert s.ttl == hour
        assert s.apply_retention() == 0  # nothing old was ever stored
        s.append({"ts": recent[:3] + 1, "robot": ["b"] * 3, "volts": [1.0, 2.0, 3.0]})
        assert len(s.range(where="robot = 'b'")) == 3
    with pytest.raises(InvalidInputError):
        with embodb.connect(tmp_path / "other") as db:
            db.create_timeseries("x", {"ts": "timestamp", "v": "float64"}, ttl="-1h")


def test_a_shorter_ttl_deletes_stored_chunks(tmp_path):
    import time
    minute = 60_000_000_000
    now = time.time_ns()
    path = tmp_path / "db"
    with embodb.connect(path) as db:
        s = db.create_timeseries("imu", {"ts": "timestamp", "v": "float64"})
        # 20 kHz for two hours ending now: chunks old and new.
        ts = now - 120 * minute + np.arange(0, 120 * minute, 5_000_000)
        values = np.round(np.sin(np.arange(len(ts)) / 500.0), 4)
        s.append({"ts": ts, "v": values})
        db.flush()
        db.compact()
        before = sum(f.stat().st_size for f in path.iterdir())
        s.set_ttl("30m")
        cutoff = time.time_ns() - 30 * minute
        got = s.range().to_numpy()["ts"].view(np.int64)
        assert got.min() >= cutoff and got.min() - cutoff < 60_000_000_000
        assert got.tolist() == ts[ts >= got.min()].tolist()  # exactly the samples since the cutoff
        dropped = s.apply_retention()
        assert dropped > 100  # the chunks of the expired 90 minutes
        db.flush()
        db.compact()
        after = sum(f.stat().st_size for f in path.iterdir())
        assert after < before * 0.5
    with embodb.connect(path) as db:  # the ttl and the deletions survive reopening
        s = db["imu"]
        assert s.ttl == 30 * minute
        assert s.range().to_numpy()["ts"].view(np.int64).min() >= cutoff
        s.set_ttl(None)
        assert s.ttl is None
        assert s.range().to_numpy()["ts"].view(np.int64).min() < cutoff  # a partly expired chunk still holds them


def test_rollup_keeps_the_aggregates_of_what_expires(tmp_path):
    import time
    minute = 60_000_000_000
    now = time.time_ns()
    path = tmp_path / "db"
    ts = now - 150 * minute + np.arange(0, 150 * minute, 250_000_000)  # 4 Hz for 2.5 h, up to now
    values = np.round(np.sin(np.arange(len(ts)) / 40.0) * 10, 3)
    with embodb.connect(path) as db:
        s = db.create_timeseries("battery", {"ts": "timestamp", "robot": "string", "volts": "float64"},
                                 tags=("robot",), ttl="3h",
                                 rollup={"every": "1m", "agg": {"volts": ["mean", "min", "max", "count"]}})
        assert s.rollup.name == "battery_rollup" and s.rollup.ttl is None
        for robot in ["a", "b"]:
            s.append({"ts": ts, "robot": [robot] * len(ts), "volts": values})
        assert len(s.rollup) == 0  # nothing expired yet
        s.set_ttl("1h")
        cutoff = time.time_ns() - 60 * minute
        s.apply_retention()
        rolled = s.rollup.range(where="robot = 'a'").to_pandas()
    boundary = (cutoff // minute) * minute  # whole buckets before the cutoff are rolled up
    frame = pd.DataFrame({"volts": values}, index=pd.to_datetime(ts))
    want = frame[frame.index < pd.Timestamp(boundary)].resample("1min", origin="epoch")["volts"].agg(
        ["mean", "min", "max", "count"])
    want = want[want["count"] > 0]
    assert rolled["ts"].tolist() == list(want.index)
    assert np.allclose(rolled["volts_mean"], want["mean"]) and (rolled["volts_count"].to_numpy() == want["count"]).all()
    assert (rolled["volts_min"].to_numpy() == want["min"].to_numpy()).all()
    with embodb.connect(path) as db:  # reopened: the rollup and its progress stay; nothing is rolled twice
        s = db["battery"]
        before = s.rollup.range().to_numpy()["volts_count"].sum()
        s.apply_retention()
        s.append({"ts": [time.time_ns()], "robot": ["a"], "volts": [1.0]})
        after = s.rollup.range().to_numpy()["volts_count"]
        assert after.sum() >= before and after.sum() - before <= 2 * 4 * 60  # at most a new minute per series
        assert s.range(where="robot = 'b'").to_numpy()["ts"].view(np.int64).min() >= cutoff
    with pytest.raises(InvalidInputError):
        with embodb.connect(tmp_path / "other") as db:
            db.create_timeseries("x", {"ts": "timestamp", "v": "float64"}, rollup={"every": "1s", "agg": {"v": "max"}})


def test_extreme_timestamps(db):
    s = db.create_timeseries("edge", {"ts": "timestamp", "v": "float64"})
    lo, hi = -(2**63) + 1, 2**63 - 1
    ts = np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi], dtype=np.int64)
    s.append({"ts": ts, "v": np.arange(7.0)})
    s.append({"ts": np.arange(lo + 10, lo + 2010, dtype=np.int64), "v": np.ones(2000)})  # sealed near the bottom
    got = s.range().to_numpy()["ts"].view(np.int64)
    assert got.tolist() == sorted(set(ts.tolist()) | set(range(lo + 10, lo + 2010)))
    assert s.range(0, hi - 1).to_numpy()["v"].tolist() == [3.0, 4.0]
    assert s.range(0, hi).to_numpy()["v"].tolist() == [3.0, 4.0, 5.0, 6.0]  # the largest time: no bound
    counts = s.resample("1s", {"v": "count"}).to_numpy()["v_count"]
    assert counts.sum() == len(got)
    assert s.latest(2).to_numpy()["ts"].view(np.int64).tolist() == [hi - 1, hi]
    assert s.asof([lo, 0, hi]).to_numpy()["v"].tolist() == [0.0, 3.0, 6.0]
