"""The column codecs of the C++ core (cpp/codec/): every value, edge values
included, comes back bit for bit; decimals and sorted values take less room."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from embodb import _core

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 300), elements=INT64))
def test_integers_round_trip(values):
    back, _ = _core.codec_roundtrip("int64", values)
    assert np.array_equal(back, values)


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_doubles_round_trip_bit_for_bit(values):
    back, _ = _core.codec_roundtrip("float64", values)
    assert back.view(np.uint64).tolist() == values.view(np.uint64).tolist()


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float32, st.integers(0, 300), elements=st.floats(width=32, allow_nan=True)))
def test_floats_round_trip_bit_for_bit(values):
    back, _ = _core.codec_roundtrip("float32", values)
    assert back.view(np.uint32).tolist() == values.view(np.uint32).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False), min_size=200,
                max_size=400))
def test_decimals_round_trip_in_less_room(decimals):
    values = np.array([float(d) for d in decimals])
    back, size = _core.codec_roundtrip("float64", values)
    assert back.view(np.uint64).tolist() == values.view(np.uint64).tolist()
    assert size < values.nbytes / 2  # at most 21 bits a value for 3 decimals within +-1000, not 64


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=20) | st.sampled_from([b"cup", b"mug", b"", b"\x00"]), max_size=300))
def test_strings_round_trip(values):
    back, _ = _core.codec_roundtrip("bytes", values)
    assert back == values


def test_sorted_timestamps_take_few_bits():
    ts = 1_700_000_000_000_000_000 + np.arange(100_000, dtype=np.int64) * 5_000_000
    back, size = _core.codec_roundtrip("int64", ts)
    assert np.array_equal(back, ts)
    assert size < 100  # a constant step: no bits a value
