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
from ._convert import column_spec, fill_missing, filter_text, table_columns
from ._protocols import DatabaseHandle
from ._time import time_nanos
from .errors import InvalidInputError, SchemaError
from .result import Result
from .table import TableSchema
from .types import Column

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


class TimeSeries:
    """A time series of ``db``; reads go through ``reader`` (a snapshot
    sequence or a transaction) when given."""

    def __init__(self, db: DatabaseHandle, name: str, reader: Any = None, tx: Any = None, owner: Any = None) -> None:
        self._db = db
        self._name = name
        self._reader = reader if reader is not None else tx
        self._tx = tx
        self._owner = owner

    # ------------------------------------------------------------ schema

    @property
    def name(self) -> str:
        return self._name

    @property
    def schema(self) -> TableSchema:
        info = _core.table_schema(self._db._live_handle(), self._name)
        cols = {n: Column(t, nn, d) for n, t, nn, d in info["columns"]}
        key = info["primary_key"]
        return TableSchema(cols, key[0] if len(key) == 1 else tuple(key), info["auto_id"], tuple(info["indexes"]))

    @property
    def tags(self) -> tuple:
        """The tag columns: each combination of their values is one series."""
        return tuple(_core.table_schema(self._db._live_handle(), self._name)["primary_key"][:-1])

    @property
    def time_column(self) -> str:
        return _core.table_schema(self._db._live_handle(), self._name)["primary_key"][-1]

    def as_of(self, time: Any) -> "TimeSeries":
        """The time series as it was at ``time`` (read-only), as
        :meth:`embodb.Table.as_of` does for tables."""
        return self._db.snapshot(as_of=time).table(self._name)

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
        schema = self.schema
        columns, rows = table_columns(data)
        time_column = self.time_column
        specs = []
        for name, values in columns.items():
            col = schema.columns.get(name)
            if col is None:
                raise SchemaError(f"time series {self._name!r} has no column {name!r}")
            if name == time_column:
                values = _time_values(name, values)
            specs.append(column_spec(name, fill_missing(values, col.default), col.type))
        if time_column not in columns:
            raise SchemaError(f"the samples have no timestamps (column {time_column!r})")
        for tag in self.tags:
            if tag not in columns:
                raise SchemaError(f"the samples have no value for the tag {tag!r}")
        _core.ts_append(self._db._live_handle(), self._tx, self._name, specs, rows, durability)

    # ------------------------------------------------------------ reads

    def range(self, t0: Any = None, t1: Any = None, *, where: Optional[str] = None,
              columns: Optional[Sequence[str]] = None) -> Result:
        """The samples with ``t0 <= time < t1`` (None: unbounded), series by
        series, each in time order. ``where`` filters them (tags or values,
        the filter language of tables); ``columns`` picks columns (default:
        every column, tags and time included)."""
        lo = _MIN_TIME if t0 is None else time_nanos(t0, "t0")
        hi = _MAX_TIME if t1 is None else time_nanos(t1, "t1")
        if hi < lo:
            raise InvalidInputError(f"range(t0, t1): t1 ({t1!r}) is before t0 ({t0!r})")
        return Result.of(_core.ts_range(self._db._live_handle(), self._reader, self._name, lo, hi,
                                        _columns(columns), _where(where)))

    def latest(self, n: int = 1, *, where: Optional[str] = None, columns: Optional[Sequence[str]] = None) -> Result:
        """The last ``n`` samples of every series (fewer where a series has
        fewer), series by series, each in time order."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InvalidInputError(f"latest(n): n must be a positive integer, not {n!r}")
        return Result.of(_core.ts_latest(self._db._live_handle(), self._reader, self._name, int(n),
                                         _columns(columns), _where(where)))

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


def _columns(columns: Optional[Sequence[str]]) -> Optional[List[str]]:
    if columns is None:
        return None
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def _where(where: Optional[str]) -> Optional[str]:
    return None if where is None else filter_text(where)
