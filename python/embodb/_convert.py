"""Turning the user's data into the column specs that ``_core.write_rows``
takes, with NumPy doing every per-value step (no Python loop over rows for
arrays, DataFrames and Arrow data).

A spec is one of (see cpp/bindings/columns.h)::

    ("array", name, ndarray, null_mask or None, as_timestamp)
    ("strings", name, list of str/bytes/None, want_bytes)
    ("arrow", name, offsets, data, null_mask or None, is_bytes)
    ("clouds", name, list of (n, channels) arrays or None, channels)
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .errors import InvalidInputError, SchemaError


class _Missing:
    """A cell a row dict left out: it gets the column's default."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

_SCALARS = (str, bytes, bytearray, int, float, bool, np.generic, _dt.datetime, _dt.date, type(None))


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def table_columns(data: Any) -> Tuple[Dict[str, Any], int]:
    """The columns of ``data`` by name, and the row count.

    Accepts a dict of columns, one row as a dict of scalars, a list of row
    dicts, a pandas DataFrame, a pyarrow Table or RecordBatch.
    """
    mod = _module_of(data)
    if mod == "pandas" and hasattr(data, "columns") and hasattr(data, "iloc"):
        cols = {str(c): data[c] for c in data.columns}
        return cols, len(data)
    if mod == "pyarrow" and hasattr(data, "schema") and hasattr(data, "column"):
        cols = {name: data.column(i) for i, name in enumerate(data.schema.names)}
        return cols, data.num_rows
    if isinstance(data, Mapping):
        if not data:
            raise InvalidInputError("no columns given")
        if all(isinstance(v, _SCALARS) for v in data.values()):
            return {str(k): [v] for k, v in data.items()}, 1  # one row
        cols = {str(k): v for k, v in data.items()}
        lengths = {k: _length(k, v) for k, v in cols.items()}
        n = next(iter(lengths.values()))
        for k, length in lengths.items():
            if length != n:
                raise SchemaError(f"column {k!r} has {length} values, column {next(iter(lengths))!r} has {n}")
        return cols, n
    if isinstance(data, (list, tuple)):
        if not data:
            return {}, 0
        if not all(isinstance(r, Mapping) for r in data):
            raise InvalidInputError("a list of rows must hold dicts (column name -> value)")
        names: List[str] = []
        for r in data:
            for k in r:
                if k not in names:
                    names.append(k)
        return {str(k): [r.get(k, MISSING) for r in data] for k in names}, len(data)
    raise InvalidInputError(
        f"cannot insert {type(data).__name__}: give a dict of columns, a list of row dicts, "
        "a pandas DataFrame or a pyarrow Table"
    )


def _length(name: str, values: Any) -> int:
    try:
        return len(values)
    except TypeError:
        raise InvalidInputError(f"column {name!r}: expected a sequence or array of values, got {values!r}") from None


def _null_mask_of_list(values: Sequence[Any]) -> Any:
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    return mask if mask.any() else None


def _pandas_to_numpy(values: Any, kind: str) -> Tuple[np.ndarray, Any]:
    """A pandas Series as (array, null mask); nullable dtypes fill nulls with 0."""
    mask = values.isna().to_numpy()
    if not mask.any():
        mask = None
    if kind == "timestamp":
        import pandas as pd

        s = pd.to_datetime(values, utc=True).dt.tz_localize(None)
        return s.to_numpy("datetime64[ns]", na_value=np.datetime64(0, "ns")), mask
    if mask is not None:
        return values.to_numpy(na_value=0 if kind != "bool" else False), mask
    return values.to_numpy(), None


def _timestamps(name: str, values: Any) -> Tuple[np.ndarray, Any]:
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        arr = values.astype("datetime64[ns]")
        mask = np.isnat(arr)
        return arr.view(np.int64), (mask if mask.any() else None)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if values.dtype.kind == "u" and values.dtype.itemsize == 8 and values.size and values.max() > 2**63 - 1:
            raise SchemaError(f"column {name!r}: a timestamp is past the int64 nanosecond range")
        return values.astype(np.int64), None
    items = list(values)
    mask = _null_mask_of_list(items)
    converted = []
    for v in items:
        if v is None:
            converted.append(np.datetime64(0, "ns"))
        elif isinstance(v, _dt.datetime) and v.tzinfo is not None:
            converted.append(np.datetime64(v.astimezone(_dt.timezone.utc).replace(tzinfo=None), "ns"))
        elif _module_of(v) == "pandas":  # a pandas Timestamp
            ts = v.tz_convert("UTC").tz_localize(None) if v.tzinfo is not None else v
            converted.append(ts.to_datetime64().astype("datetime64[ns]"))
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not -(2**63) < int(v) < 2**63:  # -2**63 is NaT
                raise SchemaError(f"column {name!r}: timestamp {v} is outside the int64 nanosecond range")
            converted.append(np.datetime64(int(v), "ns"))
        elif isinstance(v, str):
            converted.append(_parse_timestamp(name, v))
        else:
            try:
                converted.append(np.datetime64(v, "ns"))
            except (TypeError, ValueError):
                raise SchemaError(f"column {name!r}: {v!r} is not a timestamp") from None
    arr = np.array(converted, dtype="datetime64[ns]") if converted else np.zeros(0, "datetime64[ns]")
    return arr.view(np.int64), mask


def _parse_timestamp(name: str, text: str) -> np.datetime64:
    """An ISO 8601 string; one with an offset or 'Z' is converted to UTC."""
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise SchemaError(f"column {name!r}: {text!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return np.datetime64(parsed, "ns")


_VECTOR = re.compile(r"vector\((\d+)\)")
_CLOUD = re.compile(r"pointcloud\((\d+)\)")


def fill_missing(values: Any, default: Any) -> Any:
    """Replaces the cells that row dicts left out with the column default."""
    if isinstance(values, list) and any(v is MISSING for v in values):
        return [default if v is MISSING else v for v in values]
    return values


def column_spec(name: str, values: Any, type_name: str) -> tuple:
    """The spec for a column of values bound for a column of ``type_name``."""
    mod = _module_of(values)
    if type_name in ("string", "bytes"):
        want_bytes = type_name == "bytes"
        if mod == "pyarrow":
            return _arrow_strings(name, values, want_bytes)
        if isinstance(values, np.ndarray) or mod == "pandas":
            values = values.tolist()
        return ("strings", name, list(values), want_bytes)
    m = _CLOUD.fullmatch(type_name)
    if m:
        if mod == "pyarrow":
            values = values.to_pylist()
        return ("clouds", name, list(values), int(m.group(1)))
    if _VECTOR.fullmatch(type_name) or type_name == "point3":
        return _vectors(name, values, mod, 3 if type_name == "point3" else int(type_name[7:-1]))
    kind = "timestamp" if type_name == "timestamp" else type_name
    mask = None
    if mod == "pyarrow":
        values = values.to_pandas() if hasattr(values, "to_pandas") else values
        mod = "pandas"
    if mod == "pandas":
        values, mask = _pandas_to_numpy(values, kind)
    if kind == "timestamp":
        arr, list_mask = _timestamps(name, values)
        return ("array", name, np.ascontiguousarray(arr), mask if mask is not None else list_mask, True)
    if not isinstance(values, np.ndarray):
        items = list(values)
        mask = _null_mask_of_list(items)
        if mask is not None and mask.all():
            values = np.zeros(len(items), dtype=_empty_dtype(type_name))  # only nulls: any values of the type
        else:
            if mask is not None:
                zero = False if type_name == "bool" else 0
                items = [zero if v is None else v for v in items]
            if type_name == "uint64" and items and all(type(v) is int for v in items):
                # NumPy turns Python ints above the int64 range into float64 (losing
                # digits); a uint64 column asks for them as they are.
                try:
                    values = np.asarray(items, dtype=np.uint64)
                except OverflowError:
                    raise SchemaError(f"column {name!r}: a value is outside the uint64 range") from None
            else:
                values = np.asarray(items) if items else np.zeros(0, dtype=_empty_dtype(type_name))
    if values.dtype.kind in "USO":
        what = {"U": "str", "S": "bytes", "O": "object"}[values.dtype.kind]
        raise SchemaError(f"column {name!r} has type {type_name} and cannot take {what} values")
    if values.ndim != 1:
        raise SchemaError(f"column {name!r} has type {type_name}: expected one value per row, got shape {values.shape}")
    return ("array", name, np.ascontiguousarray(values), mask, False)


def _empty_dtype(type_name: str) -> str:
    return "bool" if type_name == "bool" else ("float64" if type_name.startswith("float") else "int64")


def _vectors(name: str, values: Any, mod: str, dim: int) -> tuple:
    mask = None
    if mod == "pyarrow":
        values = values.to_pylist()
    elif mod == "pandas":
        values = values.tolist()
    if not isinstance(values, np.ndarray):
        items = list(values)
        mask = _null_mask_of_list(items)
        if mask is not None:
            items = [np.zeros(dim, np.float32) if v is None else v for v in items]
        try:
            values = np.asarray(items, dtype=np.float32)
        except ValueError:
            raise SchemaError(f"column {name!r}: vectors must all have the same dimension") from None
        if values.ndim == 1 and len(items) == 0:
            values = values.reshape(0, 1)
    if values.dtype.kind not in "fiu":
        raise SchemaError(f"column {name!r}: vectors must be numbers, got dtype {values.dtype}")
    if values.ndim != 2:
        raise SchemaError(f"column {name!r}: expected an (n, dim) array of vectors, got shape {values.shape}")
    return ("array", name, np.ascontiguousarray(values, dtype=np.float32), mask, False)


def _arrow_strings(name: str, values: Any, want_bytes: bool) -> tuple:
    import pyarrow as pa

    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type):
        offset_type = np.int64
    elif pa.types.is_string(arr.type) or pa.types.is_binary(arr.type):
        offset_type = np.int32
    else:
        arr = arr.cast(pa.binary() if want_bytes else pa.string())
        offset_type = np.int32
    is_bytes = pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)
    if is_bytes != want_bytes:
        raise SchemaError(f"column {name!r} holds {'bytes' if want_bytes else 'strings'}, got Arrow {arr.type}")
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=offset_type)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    mask = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
    return ("arrow", name, offsets, data, mask, want_bytes)


def key_specs(values: Any, key_columns: Sequence[Tuple[str, str]]) -> list:
    """Specs for primary-key values, one per key column ((name, type) pairs,
    in key order). A one-column key takes a scalar or a sequence; a
    composite key one tuple of values, a sequence of tuples, or a dict of
    the key columns (scalars or sequences)."""
    if len(key_columns) == 1:
        name, type_name = key_columns[0]
        if isinstance(values, _SCALARS):
            values = [values]
        return [column_spec(name, values, type_name)]
    names = [n for n, _ in key_columns]
    shape = f"the primary key ({', '.join(names)})"
    if isinstance(values, dict):
        unknown = [n for n in values if n not in names]
        if unknown or len(values) != len(names):
            missing = [n for n in names if n not in values]
            what = f"has column {unknown[0]!r}" if unknown else f"lacks column {missing[0]!r}"
            raise InvalidInputError(f"a dict of keys for {shape} {what}")
        columns = [[values[n]] if isinstance(values[n], _SCALARS) else values[n] for n in names]
    else:
        if isinstance(values, tuple) and all(isinstance(v, _SCALARS) for v in values):
            values = [values]  # one key
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise InvalidInputError(f"a key of {shape} is a tuple of {len(names)} values, not {values!r}")
        rows = list(values)
        for i, row in enumerate(rows):
            if not isinstance(row, (tuple, list)) or len(row) != len(names):
                raise InvalidInputError(f"key {i} is {row!r}: a key of {shape} is a tuple of {len(names)} values")
        columns = [[row[k] for row in rows] for k in range(len(names))]
    return [column_spec(name, column, type_name) for (name, type_name), column in zip(key_columns, columns)]


def filter_text(expression: Any) -> str:
    """A filter as given to where=: a string, else InvalidInputError."""
    if not isinstance(expression, str):
        raise InvalidInputError(f"a filter is a string such as \"episode = 3\", not {type(expression).__name__}")
    return expression


def and_filter(previous: Optional[str], expression: Any) -> str:
    """The filter of a second ``.where(expression)``: ANDed with the first."""
    text = filter_text(expression)
    return text if previous is None else f"({previous}) AND ({text})"
