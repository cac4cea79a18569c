"""Query results: columns owned by the C++ core, shown to NumPy without copies.

A :class:`Result` converts to a dict of NumPy arrays (:meth:`Result.to_numpy`),
a pandas DataFrame, a pyarrow Table or a list of row dicts. Fixed-width columns
come out as views of the core's buffers (``arr.base`` keeps them alive); a
vector column is one ``(n, dim)`` float32 array, a point3 column ``(n, 3)``,
a point-cloud column a list of ``(n_i, channels)`` arrays sharing one buffer.
A column with nulls comes out as a ``numpy.ma.MaskedArray`` (strings and point
clouds hold ``None``).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Sequence

import numpy as np

from .errors import InvalidInputError

__all__ = ["Result"]

_CLOUD = re.compile(r"pointcloud\((\d+)\)")


def _concat(parts: List[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], list):
        return [x for p in parts for x in p]
    if any(isinstance(p, np.ma.MaskedArray) for p in parts):
        return np.ma.concatenate(parts)
    return np.concatenate(parts)


def selected_columns(columns: Sequence[Any]) -> List[str]:
    """The names given to a ``select(...)``: names, or sequences of names;
    InvalidInputError when there are none."""
    names: List[str] = []
    for c in columns:
        names.extend([c] if isinstance(c, str) else list(c))
    if not names:
        raise InvalidInputError("select() needs at least one column")
    return names


class Materializes:
    """The conversions of a query, through its ``execute()`` (a Result)."""

    __slots__ = ()

    def to_numpy(self) -> Dict[str, Any]:
        return self.execute().to_numpy()

    def to_pandas(self) -> Any:
        return self.execute().to_pandas()

    def to_arrow(self) -> Any:
        return self.execute().to_arrow()

    def to_list(self) -> List[Dict[str, Any]]:
        return self.execute().to_list()


class Result:
    """Rows read from a table, as columns."""

    def __init__(
        self,
        names: Sequence[str],
        types: Sequence[str],
        batches: Sequence[Any],
        positions: Optional[Sequence[int]] = None,
    ) -> None:
        """Column j of the result is column ``positions[j]`` of every batch
        (by default, column j). ``read_stats``: what the scan that produced
        it read (Query.execute of an unordered query), or None."""
        self.read_stats: Optional[Dict[str, Any]] = None
        self._names = list(names)
        self._types = list(types)
        self._positions = list(positions) if positions is not None else list(range(len(self._names)))
        self._batches = [b for b in batches if b.num_rows > 0] or list(batches[:1])

    @classmethod
    def of(cls, batch: Any) -> "Result":
        """Every column of one batch."""
        r = cls.__new__(cls)  # the common case, without __init__'s general steps
        r._names = batch.names
        r._types = batch.type_names
        r._positions = list(range(len(r._names)))
        r._batches = [batch]
        r.read_stats = None
        return r

    def select(self, names: Sequence[str]) -> "Result":
        """These columns only; nothing is copied."""
        picked = [self._names.index(n) for n in names]
        return Result(names, [self._types[j] for j in picked], self._batches, [self._positions[j] for j in picked])

    def head(self, n: int = 5) -> "Result":
        """The first rows, at most n (copies only those; from the first batch)."""
        if not self._batches or len(self) <= n:
            return self
        first = self._batches[0]
        part = first.take(np.arange(min(n, first.num_rows), dtype=np.int64))
        return Result(self._names, self._types, [part], self._positions)

    @property
    def columns(self) -> List[str]:
        return list(self._names)

    @property
    def types(self) -> Dict[str, str]:
        return dict(zip(self._names, self._types))

    def __len__(self) -> int:
        return sum(b.num_rows for b in self._batches)

    def to_numpy(self) -> Dict[str, Any]:
        """A dict of column name -> array (see the module docstring)."""
        if not self._batches:
            return {n: _empty(t) for n, t in zip(self._names, self._types)}
        if len(self._batches) == 1:
            return self._batches[0].to_numpy(self._names, self._positions)
        parts = [b.to_numpy(self._names, self._positions) for b in self._batches]
        return {n: _concat([p[n] for p in parts]) for n in self._names}

    def to_list(self) -> List[Dict[str, Any]]:
        """One dict per row, with Python scalars (vectors as float32 arrays)."""
        cols = self.to_numpy()
        out: List[Dict[str, Any]] = [{} for _ in range(len(self))]
        for name, values in cols.items():
            for r, v in enumerate(_python_values(values)):
                out[r][name] = v
        return out

    def to_pandas(self) -> Any:
        """A pandas DataFrame. Vectors and point clouds become object columns of arrays;
        integer columns with nulls become nullable integer columns."""
        import pandas as pd

        data: Dict[str, Any] = {}
        for name, values in self.to_numpy().items():
            if isinstance(values, np.ma.MaskedArray) and values.ndim == 1:
                if values.dtype.kind in "iub":
                    ext = pd.array(values.data, dtype=_pandas_nullable(values.dtype))
                    ext[values.mask] = pd.NA
                    data[name] = ext
                else:
                    if values.dtype.kind == "f":
                        data[name] = values.filled(np.nan)
                    elif values.dtype.kind == "M":  # timestamps: NaT where null
                        data[name] = values.filled(np.datetime64("NaT"))
                    else:
                        data[name] = values.astype(object).filled(None)
            elif isinstance(values, np.ndarray) and values.ndim == 2:
                data[name] = list(values)
            else:
                data[name] = values
        return pd.DataFrame(data, columns=self._names)

    def to_arrow(self) -> Any:
        """A pyarrow Table: vectors as fixed-size lists, point clouds as lists of
        fixed-size lists, strings without copying the character data."""
        import pyarrow as pa

        arrays = []
        for i, type_name in zip(self._positions, self._types):
            chunks = [_arrow_column(b, i, type_name) for b in self._batches] if self._batches else []
            if chunks:
                arrays.append(pa.chunked_array(chunks, type=chunks[0].type))
            else:
                arrays.append(pa.chunked_array([], _arrow_type(type_name)))
        return pa.Table.from_arrays(arrays, names=self._names)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return iter(self.to_list())

    def __repr__(self) -> str:
        return format_table(self, f"<embodb.Result: {len(self)} rows>", len(self))

    def _repr_html_(self) -> str:
        return html_table(self, f"{len(self)} rows", len(self))


def _empty(type_name: str) -> Any:
    if type_name in ("string", "bytes"):
        return np.zeros(0, dtype=object)
    if type_name.startswith("pointcloud"):
        return []
    if type_name.startswith("vector"):
        dim = int(type_name[7:-1])
        return np.zeros((0, dim), np.float32)
    if type_name == "point3":
        return np.zeros((0, 3), np.float32)
    if type_name == "timestamp":
        return np.zeros(0, "datetime64[ns]")
    return np.zeros(0, type_name if type_name != "bool" else bool)


def _pandas_nullable(dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "boolean"
    return ("UInt" if dtype.kind == "u" else "Int") + str(dtype.itemsize * 8)


def _python_values(values: Any) -> List[Any]:
    if isinstance(values, list):
        return values
    if isinstance(values, np.ma.MaskedArray):
        data = _python_values(values.data)
        mask = np.ma.getmaskarray(values)
        rows = mask if mask.ndim == 1 else mask.any(axis=1)
        return [None if m else v for v, m in zip(data, rows)]
    if values.ndim == 2:
        return list(values)
    if values.dtype.kind == "M":
        return list(values)
    return values.tolist()


def _arrow_type(type_name: str) -> Any:
    import pyarrow as pa

    simple = {"bool": pa.bool_(), "string": pa.large_string(), "bytes": pa.large_binary(),
              "timestamp": pa.timestamp("ns"), "float32": pa.float32(), "float64": pa.float64()}
    if type_name in simple:
        return simple[type_name]
    if type_name.startswith("vector"):
        return pa.list_(pa.float32(), int(type_name[7:-1]))
    if type_name == "point3":
        return pa.list_(pa.float32(), 3)
    m = _CLOUD.fullmatch(type_name)
    if m:
        return pa.large_list(pa.list_(pa.float32(), int(m.group(1))))
    return pa.from_numpy_dtype(np.dtype(type_name))


def _validity(nulls: Any) -> Any:
    import pyarrow as pa

    if nulls is None:
        return None
    return pa.py_buffer(np.packbits(~nulls, bitorder="little"))


def _arrow_column(batch: Any, i: int, type_name: str) -> Any:
    import pyarrow as pa

    n = batch.num_rows
    nulls = batch.nulls(i)
    validity = _validity(nulls)
    null_count = int(nulls.sum()) if nulls is not None else 0
    if type_name in ("string", "bytes"):
        data, offsets = batch.buffers(i)
        cls = pa.LargeStringArray if type_name == "string" else pa.LargeBinaryArray
        return cls.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), validity, null_count)
    m = _CLOUD.fullmatch(type_name)
    if m:
        channels = int(m.group(1))
        data, offsets = batch.buffers(i)
        flat = data.view(np.float32)
        points = pa.FixedSizeListArray.from_arrays(pa.array(flat, type=pa.float32()), channels)
        point_offsets = pa.array(offsets // (4 * channels), type=pa.int64())
        return pa.LargeListArray.from_arrays(point_offsets, points, mask=pa.array(nulls) if nulls is not None else None)
    arr = batch.array(i)
    if arr.ndim == 2:
        flat = pa.array(arr.reshape(-1), type=pa.float32())
        mask = pa.array(nulls) if nulls is not None else None
        return pa.FixedSizeListArray.from_arrays(flat, arr.shape[1], mask=mask)
    if type_name == "timestamp":
        return pa.Array.from_buffers(pa.timestamp("ns"), n, [validity, pa.py_buffer(arr.view(np.int64))], null_count)
    if type_name == "bool":
        return pa.array(arr, mask=nulls)
    return pa.Array.from_buffers(pa.from_numpy_dtype(arr.dtype), n, [validity, pa.py_buffer(arr)], null_count)


def _cell_text(v: Any, width: int = 24) -> str:
    if v is None:
        return "null"
    if isinstance(v, np.ndarray):
        if v.ndim == 2:
            text = f"<{v.shape[0]}x{v.shape[1]} points>"
        else:
            text = "[" + ", ".join(f"{x:.3g}" for x in v[:3]) + (", ...]" if v.size > 3 else "]")
    else:
        text = repr(v) if isinstance(v, (str, bytes)) else str(v)
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(result: Any, title: str, total: int, limit: int = 10) -> str:
    """A plain-text preview of the first rows of ``result`` (a Result or Query)
    that has ``total`` rows."""
    names = result.columns
    rows = [[_cell_text(r[n]) for n in names] for r in result.head(limit).to_list()]
    widths = [max([len(n)] + [len(r[j]) for r in rows]) for j, n in enumerate(names)]
    lines = [title, "  ".join(n.ljust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    if total > len(rows):
        lines.append(f"... ({total - len(rows)} more rows)")
    return "\n".join(lines)


def html_table(result: Any, caption: str, total: int, limit: int = 10) -> str:
    """The same preview as an HTML table, for Jupyter."""
    import html

    names = result.columns
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell_text(r[n], 60))}</td>" for n in names) + "</tr>"
        for r in result.head(limit).to_list()
    )
    more = total - min(limit, total)
    foot = f"<p>... {more} more rows</p>" if more > 0 else ""
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>{foot}"
