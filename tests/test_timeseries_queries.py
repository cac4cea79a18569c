"""Time-series queries against pandas on random data: resample (every
aggregate, NaN and nulls skipped, chunks aggregated from their statistics),
asof in each direction with and without tolerance, interpolation, and
Table.join_asof by tag."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError, SchemaError

AGGS = ["mean", "min", "max", "first", "last", "count", "sum"]


def make_series(db, ts, values, robot="a", counts=None):
    s = db.create_timeseries("imu", {"ts": "timestamp", "robot": "string", "v": "float64", "k": "int32"},
                             tags=("robot",))
    s.append({"ts": ts, "robot": [robot] * len(ts), "v": values,
              "k": counts if counts is not None else np.arange(len(ts), dtype=np.int32)})
    return s


def pandas_resample(ts, values, counts, every):
    frame = pd.DataFrame({"v": values, "k": counts}, index=pd.to_datetime(ts))
    out = frame.resample(pd.Timedelta(every), origin="epoch").agg({"v": AGGS, "k": ["min", "max", "sum"]})
    present = frame.groupby(frame.index.floor(pd.Timedelta(every))).size()
    return out.loc[present.index]


def check_resample(s, ts, values, counts, every):
    got = s.resample(every, {"v": AGGS, "k": ["min", "max", "sum"]}).to_pandas()
    want = pandas_resample(ts, values, counts, every)
    assert got["ts"].tolist() == list(want.index)
    for agg in AGGS:
        g = got[f"v_{agg}"].to_numpy(dtype=float)
        w = want[("v", agg)].to_numpy(dtype=float)
        assert np.allclose(g, w, equal_nan=True, rtol=1e-9, atol=1e-9), agg
    for agg in ["min", "max", "sum"]:
        assert np.allclose(got[f"k_{agg}"].to_numpy(dtype=float), want[("k", agg)].to_numpy(dtype=float)), agg


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5000), st.sampled_from(["7ms", "100ms", "1s", "10s", "1h"]), st.integers(0, 2**31))
def test_resample_matches_pandas(tmp_path_factory, n, every, seed):
    rng = np.random.default_rng(seed)
    ts = np.unique(rng.integers(-2_000_000_000, 20_000_000_000, n))
    values = np.round(rng.normal(size=len(ts)) * 100, 3)
    values[rng.random(len(ts)) < 0.05] = np.nan
    counts = rng.integers(-50, 50, len(ts)).astype(np.int32)
    with embodb.connect(tmp_path_factory.mktemp("db")) as db:
        s = make_series(db, ts, values, counts=counts)
        check_resample(s, ts, values, counts, every)


def test_resample_uses_chunk_statistics_and_late_samples_override_them(tmp_path):
    with embodb.connect(tmp_path / "db") as db:
        ts = np.arange(20_000, dtype=np.int64) * 1_000_000  # 1 kHz: a chunk spans about 1 s
        values = np.sin(np.arange(20_000) / 100.0)
        counts = np.arange(20_000, dtype=np.int32)
        s = make_series(db, ts, values, counts=counts)
        check_resample(s, ts, values, counts, "1h")
        check_resample(s, ts, values, counts, "5s")
        # At 1 kHz chunks hold at most one 1 s grid cell: 5 s buckets read every chunk from its statistics.
        stats = s.resample("5s", {"v": "mean"}).read_stats["chunks_from_statistics"]
        assert stats >= 20
        assert s.resample("100ms", {"v": "mean"}).read_stats["chunks_from_statistics"] == 0
        # A late sample lands in the head and overrides a chunk's sample.
        s.append({"ts": [ts[5000]], "robot": ["a"], "v": [1000.0], "k": [7]})
        values[5000], counts[5000] = 1000.0, 7
        check_resample(s, ts, values, counts, "1h")
        check_resample(s, ts, values, counts, "5s")
        assert s.resample("5s", {"v": "mean"}).read_stats["chunks_from_statistics"] < stats  # its chunk is decoded
        window = s.resample("1s", {"v": "count"}, ts[1500], ts[4500]).to_pandas()
        assert window["v_count"].sum() == 3000
        assert window["ts"].iloc[0] == pd.Timestamp(ts[1000])


def test_resample_several_series_and_bad_input(tmp_path):
    with embodb.connect(tmp_path / "db") as db:
        s = make_series(db, np.arange(100) * 10_000_000, np.arange(100.0))
        s.append({"ts": np.arange(50) * 10_000_000, "robot": ["b"] * 50, "v": np.ones(50), "k": np.zeros(50, np.int32)})
        got = s.resample("100ms", {"v": ["sum", "count"]}).to_pandas()
        assert list(got["robot"]) == ["a"] * 10 + ["b"] * 5
        assert got["v_count"].tolist() == [10] * 15
        only_b = s.resample("1s", {"v": "sum"}, where="robot = 'b'").to_pandas()
        assert only_b["v_sum"].tolist() == [50.0]
        for every in [0, -5, "0ms", "", "fast", 1.5]:
            with pytest.raises(InvalidInputError):
                s.resample(every, {"v": "mean"})
        with pytest.raises(InvalidInputError):
            s.resample("1s", {"v": "median"})
        with pytest.raises(SchemaError):
            s.resample("1s", {"robot": "max"})
        with pytest.raises(InvalidInputError):
            s.resample("1s", {"v": "mean"}, where="v > 3")
        with pytest.raises(InvalidInputError):
            s.resample("1s", {"v": "mean"}, 10, 5)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 300), st.sampled_from(["backward", "forward", "nearest"]),
       st.sampled_from([None, "1ms", "50ms"]), st.integers(0, 2**31))
def test_asof_matches_merge_asof(tmp_path_factory, n, m, direction, tolerance, seed):
    rng = np.random.default_rng(seed)
    ts = np.unique(rng.integers(0, 5_000_000_000, n))
    values = rng.normal(size=len(ts))
    queries = rng.integers(-100_000_000, 5_100_000_000, m)
    with embodb.connect(tmp_path_factory.mktemp("db")) as db:
        s = make_series(db, ts, values)
        got = s.asof(queries, direction=direction, tolerance=tolerance).to_pandas()
    left = pd.DataFrame({"ts": pd.to_datetime(queries), "order": np.arange(m)}).sort_values("ts")
    right = pd.DataFrame({"ts": pd.to_datetime(ts), "v": values})
    want = pd.merge_asof(left, right, on="ts", direction=direction,
                         tolerance=None if tolerance is None else pd.Timedelta(tolerance)).sort_values("order")
    assert got["ts"].astype("int64").tolist() == queries.tolist()
    assert np.array_equal(got["v"].to_numpy(dtype=float), want["v"].to_numpy(), equal_nan=True)


def test_interpolate_matches_numpy(tmp_path):
    rng = np.random.default_rng(3)
    ts = np.unique(rng.integers(0, 1_000_000_000, 2000))
    values = rng.normal(size=len(ts))
    queries = np.concatenate([rng.integers(ts[0], ts[-1], 500), ts[:5], [ts[0] - 1, ts[-1] + 1]])
    with embodb.connect(tmp_path / "db") as db:
        s = make_series(db, ts, values)
        got = s.interpolate(queries, columns=["v"]).to_numpy()["v"]
    inside = (queries >= ts[0]) & (queries <= ts[-1])
    assert np.allclose(np.ma.getdata(got)[inside], np.interp(queries[inside], ts, values), rtol=1e-12, atol=1e-12)
    assert np.ma.getmaskarray(got).tolist() == (~inside).tolist()


def test_join_asof_by_tag(tmp_path):
    rng = np.random.default_rng(4)
    with embodb.connect(tmp_path / "db") as db:
        imu = db.create_timeseries("imu", {"ts": "timestamp", "robot": "string", "gx": "float64"}, tags=("robot",))
        for robot in ["a", "b"]:
            ts = np.arange(0, 5_000_000_000, 2_500_000)
            imu.append({"ts": ts, "robot": [robot] * len(ts), "gx": rng.normal(size=len(ts))})
        frames = db.create_table("frames", {"id": "int64", "ts": "timestamp", "robot": "string"}, primary_key="id")
        frames.insert({"id": np.arange(400), "ts": rng.integers(-10_000_000, 5_000_000_000, 400),
                       "robot": rng.choice(["a", "b", "c"], 400)})
        frames.insert({"id": [400], "ts": [None], "robot": ["a"]})
        got = frames.join_asof(imu, on="ts", by="robot", columns=["gx"]).to_pandas().sort_values("id")
        left = frames.query().to_pandas().dropna().sort_values("ts")
        right = imu.range().to_pandas().sort_values("ts")
        want = pd.merge_asof(left, right, on="ts", by="robot").sort_values("id")
        assert np.array_equal(got["gx"].to_numpy(dtype=float)[:-1], want["gx"].to_numpy(), equal_nan=True)
        assert pd.isna(got["gx"].iloc[-1])  # a null time matches nothing
        with pytest.raises(InvalidInputError, match="several series"):
            frames.join_asof(imu, on="ts")
        with pytest.raises(SchemaError):
            frames.join_asof(imu, on="ts", by="id")


def lttb_reference(x, y, n_out):
    """Largest-Triangle-Three-Buckets as Steinarsson describes it."""
    n = len(x)
    if n <= n_out:
        return list(range(n))
    x = (x - x[0]).astype(float)
    every = (n - 2) / (n_out - 2)
    out, a = [0], 0
    for b in range(n_out - 2):
        begin, end = int(every * b) + 1, min(n - 1, int(every * (b + 1)) + 1)
        nb, ne = end, min(n, int(every * (b + 2)) + 1)
        mx, my = x[nb:ne].mean(), y[nb:ne].mean()
        area = np.abs((x[a] - mx) * (y[begin:end] - y[a]) - (x[a] - x[begin:end]) * (my - y[a]))
        a = begin + int(np.argmax(area))
        out.append(a)
    return out + [n - 1]


def minmax_reference(ts, y, n_out):
    """n_out / 2 bins of equal time width; each bin's min and max, in order."""
    edges = np.linspace(ts[0], ts[-1], n_out // 2 + 1)[1:-1]
    bins = np.searchsorted(edges, ts, side="right")
    out = []
    for b in range(n_out // 2):
        inside = np.nonzero(bins == b)[0]
        if len(inside):
            out.extend(sorted({inside[np.argmin(y[inside])], inside[np.argmax(y[inside])]}))
    return out


def test_downsample_minmax_and_lttb(tmp_path):
    rng = np.random.default_rng(6)
    ts = np.unique(rng.integers(0, 10**11, 50_000))
    y = np.cumsum(rng.normal(size=len(ts)))
    with embodb.connect(tmp_path / "db") as db:
        s = make_series(db, ts, y)
        got = s.downsample("v", 500, method="minmax").to_numpy()
        assert got["ts"].view(np.int64).tolist() == ts[minmax_reference(ts, y, 500)].tolist()
        try:  # the peer, where installed (make bench installs it)
            import tsdownsample
        except ImportError:
            tsdownsample = None
        if tsdownsample is not None:
            want = tsdownsample.MinMaxDownsampler().downsample(ts, y, n_out=500)
            assert got["ts"].view(np.int64).tolist() == ts[want].tolist()
        # NaN is skipped: a bin's extremes are those of its other values.
        s.append({"ts": ts[::97], "robot": ["a"] * len(ts[::97]), "v": np.full(len(ts[::97]), np.nan),
                  "k": np.zeros(len(ts[::97]), np.int32)})
        y[::97] = np.nan
        got = s.downsample("v", 500, method="minmax").to_numpy()
        assert not np.isnan(got["v"]).any()
        edges = np.linspace(ts[0], ts[-1], 251)[1:-1]
        bins = np.searchsorted(edges, ts, side="right")
        for b in (0, 17, 249):
            inside = np.nonzero((bins == b) & ~np.isnan(y))[0]
            expected = sorted({inside[np.argmin(y[inside])], inside[np.argmax(y[inside])]})
            assert set(ts[expected].tolist()) <= set(got["ts"].view(np.int64).tolist())
        clean = ~np.isnan(y)
        got = s.downsample("v", 300, method="lttb").to_numpy()
        want = lttb_reference(ts[clean], y[clean], 300)
        assert got["ts"].view(np.int64).tolist() == ts[clean][want].tolist()
        assert len(s.downsample("v", 10**6).to_numpy()["ts"]) == clean.sum()  # fewer samples than asked: all
        window = s.downsample("v", 100, ts[100], ts[5000]).to_numpy()["ts"].view(np.int64)
        assert window.min() >= ts[100] and window.max() < ts[5000]
        with pytest.raises(InvalidInputError):
            s.downsample("v", 1)
        with pytest.raises(InvalidInputError):
            s.downsample("v", 100, method="m4")
        with pytest.raises(SchemaError):
            s.downsample("robot", 100)
