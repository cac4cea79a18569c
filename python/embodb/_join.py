"""Table.join_asof: a table's rows side by side with the samples of a time
series as of each row's time (TimeSeries.asof), grouped by the tags the
table shares. Apart from table.py and timeseries.py so that neither imports
the other."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core
from .errors import InvalidInputError, SchemaError
from .result import Result


def _literal(value: Any) -> str:
    """A filter-language literal of a tag value."""
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


def join_asof(table: Any, series: Any, on: str, by: Any, columns: Optional[Sequence[str]], direction: str,
              tolerance: Any, where: Optional[str]) -> Result:
    """Table.join_asof: the table's rows, side by side with as-of matches."""
    if not callable(getattr(series, "asof", None)) or not hasattr(series, "tags"):
        raise InvalidInputError(f"join_asof joins a time series, not {type(series).__name__}")
    by_columns = [] if by is None else [by] if isinstance(by, str) else list(by)
    tags = series.tags
    for b in by_columns:
        if b not in tags:
            raise SchemaError(f"join_asof: {b!r} is not a tag of time series {series.name!r} (tags: {tags})")
    left = (table.where(where) if where is not None else table.query()).execute()
    left_batch = _core.batch_concat([(b, left._positions) for b in left._batches], left.columns, "rows")
    left_cols = left_batch.to_numpy()
    if on not in left_cols:
        raise SchemaError(f"join_asof: table {table.name!r} has no column {on!r}")
    times = left_cols[on]
    if np.asarray(times).dtype.kind != "M":
        raise SchemaError(f"join_asof: {on!r} must be a timestamp column")
    valid = ~np.ma.getmaskarray(times)
    times = np.ma.getdata(times).view(np.int64)
    n = len(times)
    if by_columns:
        keys = [tuple(left_cols[b][i] for b in by_columns) for i in range(n)]
        groups: Dict[Any, List[int]] = {}
        for i, k in enumerate(keys):
            if valid[i]:
                groups.setdefault(k, []).append(i)
    else:
        groups = {(): [i for i in range(n) if valid[i]]}
    parts = []
    order: List[int] = []
    names = None
    for key, rows in groups.items():
        tag_filter = " AND ".join(f'"{b}" = {_literal(v)}' for b, v in zip(by_columns, key)) or None
        found = series.asof(times[rows], columns=columns, direction=direction, tolerance=tolerance, where=tag_filter)
        batch = found._batches[0]
        names = found.columns
        if not by_columns and len(found) != len(rows):
            raise InvalidInputError(f"join_asof: time series {series.name!r} holds several series; "
                                    f"name the columns that match its tags with by=")
        if len(found) == 0:
            continue
        parts.append(batch)
        order.extend(rows)
    skip = len(tags) + 1  # tags and the asked time
    if names is None:  # no row to look up: ask for the columns' names and types
        empty = series.asof(np.zeros(0, np.int64), columns=columns)
        names, parts = empty.columns, [empty._batches[0]]
    value_names = names[skip:]
    positions = list(range(skip, len(names)))
    right = _core.batch_concat([(b, positions) for b in parts], value_names, "rows")
    # Rows the lookups left out (a null time; a series that does not exist) get nulls.
    where_in_right = np.full(n, -1, dtype=np.int64)
    where_in_right[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    right = right.take(where_in_right, len(order) != n)
    clash = set(left.columns) & set(value_names)
    if clash:
        raise SchemaError(f"join_asof: columns {sorted(clash)} are in both the table and the time series; "
                          "pick the series' columns with columns=")
    joined = _core.batch_concat([(left_batch, list(range(len(left.columns)))), (right, list(range(len(value_names))))],
                                [*left.columns, *value_names], "columns")
    return Result.of(joined)
