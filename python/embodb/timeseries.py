"""Time series: compressed sensor streams in the same engine as tables.

A time series is created with :meth:`embodb.Database.create_timeseries`. Its
samples are keyed by (tags..., timestamp): each distinct combination of tag
values is one *series* (one robot's IMU, say), kept in time order in chunks
of up to 1,024 samples, compressed column by column (delta-coded
timestamps, decimal-aware floats, frame-of-reference integers, dictionary
strings). Appends may come out of order; on an equal (series, timestamp) the
later write wins. Reads return :class:`~embodb.result.Result` objects
(NumPy, pandas, Arrow), series after series, each in time order.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core
from ._convert import column_spec, filter_text, table_columns
from ._time import duration_nanos, time_nanos
from .errors import InvalidInputError, SchemaError
from .result import Result
from .table import Stored, write_specs

__all__ = ["TimeSeries"]

_MIN_TIME = -(2**63)
_MAX_TIME = 2**63 - 1


def _time_values(name: str, values: Any) -> Any:
    """Refuses timestamps that are floats (seconds or nanoseconds? NaN?)
    before the generic conversion sees them."""
    arr = values
    if type(values).__module__.startswith("pandas"):
        arr = getattr(values, "to_numpy", lambda: values)()
    elif type(values).__module__.startswith("pyarrow"):
        arr = values.to_numpy(zero_copy_only=False) if hasattr(values, "to_numpy") else values
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        detail = " (NaN among them)" if np.isnan(arr).any() else ""
        raise SchemaError(f"column {name!r}: timestamps must be integers of nanoseconds or datetimes, "
                          f"not floats{detail}")
    if isinstance(arr, (list, tuple)) and any(isinstance(v, float) for v in arr):
        raise SchemaError(f"column {name!r}: timestamps must be integers of nanoseconds or datetimes, not floats")
    return values


class TimeSeries(Stored):
    """A time series of ``db``; reads go through ``reader`` (a snapshot
    sequence or a transaction) when given."""

    # ------------------------------------------------------------ schema

    @property
    def tags(self) -> tuple:
        """The tag columns: each combination of their values is one series."""
        return self.schema.key_columns[:-1]

    @property
    def time_column(self) -> str:
        return self.schema.key_columns[-1]

    @property
    def ttl(self) -> Optional[int]:
        """The time-to-live in nanoseconds (None: samples are kept)."""
        ttl = _core.ts_ttl(self._db._live_handle(), self._name)
        return ttl or None

    @property
    def rollup(self) -> Optional["TimeSeries"]:
        """The time series holding this one's rollup, or None (see
        :meth:`embodb.Database.create_timeseries`)."""
        name = _core.ts_rollup_table(self._db._live_handle(), self._name)
        if name is None:
            return None
        return TimeSeries(self._db, name, reader=self._reader, tx=self._tx, owner=self._owner)

    def set_ttl(self, ttl: Any) -> None:
        """Changes the time-to-live (a duration such as ``"7d"``; None keeps
        every sample from now on). Durable and atomic; the next append or
        :meth:`apply_retention` deletes what a shorter one expires."""
        _core.ts_set_ttl(self._db._live_handle(), self._name, 0 if ttl is None else duration_nanos(ttl, "ttl"))

    def apply_retention(self, *, durability: Optional[str] = None) -> int:
        """Deletes the chunks and recent samples past the time-to-live in
        every series now (appends do it for the series they write); returns
        how many keys went. Compaction frees their space."""
        return _core.ts_apply_retention(self._db._live_handle(), self._name, durability)

    # ------------------------------------------------------------ writes

    def append(self, data: Any, *, durability: Optional[str] = None) -> None:
        """Adds samples: a dict of columns (NumPy arrays or lists), one sample
        as a dict of scalars, a list of sample dicts, a pandas DataFrame or a
        pyarrow Table/RecordBatch. Every sample needs its timestamp (integer
        nanoseconds since the epoch, datetime64 or datetimes) and its tags;
        value columns left out are null. Samples may come in any order; a
        sample whose series and timestamp exist replaces it. All or nothing:
        a bad sample raises and nothing is appended."""
        if self._reader is not None and self._tx is None:
            raise InvalidInputError(f"time series {self._name!r} is read-only here (a snapshot)")
        schema = self.schema  # one look: its key is (tags..., time)
        *tags, time_column = schema.key_columns
        columns, rows = table_columns(data)
        if time_column not in columns:
            raise SchemaError(f"the samples have no timestamps (column {time_column!r})")
        for tag in tags:
            if tag not in columns:
                raise SchemaError(f"the samples have no value for the tag {tag!r}")
        specs = write_specs(f"time series {self._name!r}", schema, columns,
                            lambda name, values: _time_values(name, values) if name == time_column else values)
        _core.ts_append(self._db._live_handle(), self._tx, self._name, specs, rows, durability)

    # ------------------------------------------------------------ reads

    def range(self, t0: Any = None, t1: Any = None, *, where: Optional[str] = None,
              columns: Optional[Sequence[str]] = None) -> Result:
        """The samples with ``t0 <= time < t1`` (None: unbounded; so is
        ``t1 = 2**63 - 1``, the largest time, which is then included), series
        by series, each in time order. ``where`` filters them (tags or values,
        the filter language of tables); ``columns`` picks columns (default:
        every column, tags and time included)."""
        lo, hi = self._bounds(t0, t1)
        return Result.of(_core.ts_range(self._db._live_handle(), self._reader, self._name, lo, hi,
                                        _columns(columns), _where(where)))

    def latest(self, n: int = 1, *, where: Optional[str] = None, columns: Optional[Sequence[str]] = None) -> Result:
        """The last ``n`` samples of every series (fewer where a series has
        fewer), series by series, each in time order."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InvalidInputError(f"latest(n): n must be a positive integer, not {n!r}")
        return Result.of(_core.ts_latest(self._db._live_handle(), self._reader, self._name, int(n),
                                         _columns(columns), _where(where)))

    def resample(self, every: Any, agg: Dict[str, Any], t0: Any = None, t1: Any = None, *,
                 where: Optional[str] = None) -> Result:
        """Aggregates per time bucket, series by series: buckets are
        ``[k * every, (k + 1) * every)`` nanoseconds since the epoch (``every``
        like ``"100ms"``, ``"1s"``, a timedelta or nanoseconds). ``agg`` maps
        value columns to an aggregate or a list of them: first, last, min,
        max, mean, sum, count. The result has the tags, the bucket start
        (under the time column's name) and a column ``<column>_<aggregate>``
        per aggregate, in the order given. Only buckets holding samples
        appear (pandas also lists the empty ones between, with NaN). Nulls
        and NaN are skipped, as pandas does: ``count`` counts the rest,
        ``mean`` of none is NaN, ``sum`` of none 0, and first/last/min/max
        of none null. ``where`` may test tags only. Chunks within one bucket
        are aggregated from their statistics without being decoded; the
        result's ``read_stats["chunks_from_statistics"]`` counts them."""
        nanos = duration_nanos(every, "resample's interval (every)")
        if not isinstance(agg, dict) or not agg:
            raise InvalidInputError("agg must be a non-empty dict of column -> aggregate or list of aggregates")
        pairs = []
        for column, kinds in agg.items():
            for kind in [kinds] if isinstance(kinds, str) else list(kinds):
                if not isinstance(kind, str):
                    raise InvalidInputError(f"an aggregate is a name such as 'mean', not {kind!r}")
                pairs.append((column, kind))
        lo, hi = self._bounds(t0, t1)
        batch, from_stats = _core.ts_resample(self._db._live_handle(), self._reader, self._name, nanos, lo, hi, pairs,
                                              _where(where))
        result = Result.of(batch)
        result.read_stats = {"chunks_from_statistics": from_stats}
        return result

    def asof(self, timestamps: Any, *, columns: Optional[Sequence[str]] = None, direction: str = "backward",
             tolerance: Any = None, where: Optional[str] = None) -> Result:
        """For each series (passing ``where``, which may test tags only) and
        each of ``timestamps`` (in the order given): the sample at or before
        it (``direction="backward"``, as ``pandas.merge_asof``), at or after it
        (``"forward"``) or the closer one (``"nearest"``; the earlier on a
        tie), no farther than ``tolerance`` (a duration) when given. The
        result holds the tags, the asked time (under the time column's
        name), the value columns (default: all) and ``_sample_time``, the
        matched sample's time; both are null where nothing matches."""
        queries = query_times(timestamps)
        tol = -1 if tolerance is None else duration_nanos(tolerance, "tolerance") if tolerance != 0 else 0
        return Result.of(_core.ts_asof(self._db._live_handle(), self._reader, self._name, queries,
                                       _columns(columns), direction, tol, _where(where), False))

    def interpolate(self, timestamps: Any, *, columns: Optional[Sequence[str]] = None,
                    where: Optional[str] = None) -> Result:
        """For each series (passing ``where``, tags only) and each of
        ``timestamps``: the numeric value columns (default: all of them)
        interpolated linearly between the samples around it, as float64; a
        sample's own value at its time; null before the first sample, after
        the last, or next to a null (NaN next to a NaN)."""
        queries = query_times(timestamps)
        return Result.of(_core.ts_asof(self._db._live_handle(), self._reader, self._name, queries,
                                       _columns(columns), "backward", -1, _where(where), True))

    def downsample(self, column: str, n_out: int = 1000, t0: Any = None, t1: Any = None, *,
                   method: str = "minmax", where: Optional[str] = None) -> Result:
        """The samples worth drawing of a numeric column, at most ``n_out``
        per series (passing ``where``, tags only), in time order: the tags,
        the time and the column. ``method="minmax"``: ``n_out / 2`` bins of
        equal time width, and in each the samples with its smallest and
        largest value (NaN skipped), as tsdownsample's MinMaxDownsampler;
        ``"lttb"``: Largest-Triangle-Three-Buckets as Steinarsson describes it
        (tsdownsample's LTTBDownsampler takes the middle of the next bin's
        first and last times for its mean time, so it picks otherwise in a
        few bins). Nulls and NaN are not drawn."""
        if isinstance(n_out, bool) or not isinstance(n_out, (int, np.integer)) or n_out < 2:
            raise InvalidInputError(f"n_out must be an integer of at least 2, not {n_out!r}")
        lo, hi = self._bounds(t0, t1)
        return Result.of(_core.ts_downsample(self._db._live_handle(), self._reader, self._name, column, int(n_out),
                                             lo, hi, method, _where(where)))

    def _bounds(self, t0: Any, t1: Any) -> tuple:
        lo = _MIN_TIME if t0 is None else time_nanos(t0, "t0")
        hi = _MAX_TIME if t1 is None else time_nanos(t1, "t1")
        if hi < lo:
            raise InvalidInputError(f"t1 ({t1!r}) is before t0 ({t0!r})")
        return lo, hi

    def to_pandas(self) -> Any:
        """Every sample as a DataFrame (see :meth:`range`)."""
        return self.range().to_pandas()

    def to_numpy(self) -> Dict[str, Any]:
        return self.range().to_numpy()

    def __len__(self) -> int:
        return len(self.range(columns=[self.time_column]))

    def __repr__(self) -> str:
        try:
            schema = self.schema
        except Exception:  # a closed database
            return f"<embodb.TimeSeries {self._name!r}>"
        tags = ", ".join(self.tags)
        cols = ", ".join(f"{n} {c.type}" for n, c in schema.columns.items())
        return f"<embodb.TimeSeries {self._name!r} ({cols}) tags=({tags})>"


def query_times(timestamps: Any) -> np.ndarray:
    """Times to look up as int64 nanoseconds: an array or list of integers
    (nanoseconds) or datetimes, a pandas DatetimeIndex or Series, an Arrow
    array. SchemaError for floats, NaT or None among them."""
    if isinstance(timestamps, str) or not hasattr(timestamps, "__len__"):  # one time
        timestamps = [timestamps]
    values = _time_values("timestamps", timestamps)
    spec = column_spec("timestamps", values, "timestamp")
    if spec[3] is not None and np.asarray(spec[3]).any():
        raise SchemaError("timestamps must not hold None or NaT")
    return np.ascontiguousarray(spec[2], dtype=np.int64)


def _columns(columns: Optional[Sequence[str]]) -> Optional[List[str]]:
    if columns is None:
        return None
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def _where(where: Optional[str]) -> Optional[str]:
    return None if where is None else filter_text(where)

