"""Nearest-neighbour search over a table's vector column.

``table.search(vec)`` returns a :class:`VectorQuery`; ``table.knn(matrix, k)``
searches many queries at once. Both use the column's HNSW index when it has
one (``table.create_index("emb", "hnsw", metric="cosine")``) and exact
distances otherwise. A filter (``.where(...)``) never makes a search return
fewer than k rows when at least k rows match: the planner computes exact
distances to the matching rows when few match, and restricts the graph
search to them otherwise (``.explain()`` names the plan).
"""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._convert import and_filter
from ._protocols import TableHandle
from .errors import InvalidInputError, SchemaError
from .result import Materializes, Result, format_table, html_table, selected_columns

__all__ = ["VectorQuery", "IndexInfo"]

DISTANCE = "_distance"
FLOAT32 = np.dtype(np.float32)  # NumPy's one native float32 dtype: `is` tells it apart from '>f4'


@dataclass(frozen=True)
class IndexInfo:
    """An index of a table: its column, kind and parameters. ``rows`` and
    ``memory_bytes`` are given for in-memory (vector) indexes."""

    column: str
    kind: str  # "ordered" (a secondary index) or "hnsw"
    params: Dict[str, Any]
    rows: Optional[int] = None
    memory_bytes: Optional[int] = None

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        size = "" if self.rows is None else f", {self.rows} rows, {self.memory_bytes / 2**20:.1f} MiB"
        return f"IndexInfo({self.column!r}, {self.kind!r}{', ' + params if params else ''}{size})"


def positive_int(what: str, value: Any) -> int:
    """value as an int >= 1 (Python or NumPy integers; not bool), else
    InvalidInputError naming `what`."""
    if type(value) is int and value >= 1:
        return value
    if not isinstance(value, (bool, np.bool_)):
        try:
            n = operator.index(value)
        except TypeError:
            n = 0
        if n >= 1:
            return n
    raise InvalidInputError(f"{what} must be a positive integer, not {value!r}")


def query_matrix(queries: Any, what: str = "queries") -> np.ndarray:
    """queries as a C-contiguous (nq, dim) float32 array; one vector becomes (1, dim)."""
    if type(queries) is np.ndarray and queries.dtype == np.float32 and queries.flags.c_contiguous:
        if queries.ndim == 2:
            return queries
        if queries.ndim == 1:
            return queries.reshape(1, -1)
    try:
        arr = np.asarray(queries, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{what} must be numbers: {e}") from None
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise SchemaError(f"{what} must be a vector or an (n, dim) matrix, not an array of shape {arr.shape}")
    return np.ascontiguousarray(arr)


def build_progress(progress: Optional[bool]) -> Tuple[Optional[Callable[[int, int], None]], Callable[[], None]]:
    """A callback drawing a tqdm bar (or None), and a function closing it.
    progress=None shows the bar only when stderr is a terminal or in Jupyter."""
    if progress is None:
        progress = sys.stderr.isatty() or "ipykernel" in sys.modules
    if not progress:
        return None, lambda: None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, lambda: None
    bar: List[Any] = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, unit="rows", desc="building the index"))
        bar[0].update(done - bar[0].n)

    def close() -> None:
        if bar:
            bar[0].close()

    return update, close


class VectorQuery(Materializes):
    """The rows nearest to a vector, nearest first, with their distance in a
    ``_distance`` column. Chain ``where``, ``limit`` (k, default 10), ``ef``,
    ``exact``, ``select``; end with ``to_numpy()``, ``to_pandas()``,
    ``to_arrow()``, ``to_list()`` or ``execute()``."""

    # Slots, and copies made field by field: a search runs in tens of
    # microseconds, and building its query must not cost several of them.
    __slots__ = ("_table", "_vector", "_column", "_where", "_k", "_ef", "_exact", "_columns", "_metric")

    def __init__(self, table: TableHandle, vector: Any, column: Optional[str] = None) -> None:
        if type(vector) is np.ndarray and vector.dtype is FLOAT32 and vector.ndim == 1 and vector.flags.c_contiguous:
            q = vector  # the common case: the core takes a vector as one query
        else:
            q = query_matrix(vector, "the query vector")
            if q.shape[0] != 1:
                raise SchemaError(f"search() takes one vector; use knn() for {q.shape[0]} queries")
        self._table = table
        self._vector = q
        self._column = column
        self._where: Optional[str] = None
        self._k = 10
        self._ef = 0
        self._exact = False
        self._columns: Optional[List[str]] = None
        self._metric: Optional[str] = None

    def _copy(self) -> "VectorQuery":
        q = VectorQuery.__new__(VectorQuery)
        (q._table, q._vector, q._column, q._where, q._k, q._ef, q._exact, q._columns, q._metric) = (
            self._table, self._vector, self._column, self._where, self._k, self._ef, self._exact, self._columns,
            self._metric)
        return q

    def where(self, expression: str) -> "VectorQuery":
        """Only rows matching the filter; a second ``where`` ANDs with the first."""
        q = self._copy()
        q._where = and_filter(self._where, expression)
        return q

    def limit(self, k: int) -> "VectorQuery":
        """How many neighbours (k)."""
        q = self._copy()
        q._k = k if type(k) is int and k >= 1 else positive_int("limit", k)
        return q

    def ef(self, n: int) -> "VectorQuery":
        """The width of the graph search (default max(k, 64)): higher finds
        more of the true neighbours, slower."""
        q = self._copy()
        q._ef = n if type(n) is int and n >= 1 else positive_int("ef", n)
        return q

    def exact(self, exact: bool = True) -> "VectorQuery":
        """Exact distances to every (matching) row instead of the index."""
        q = self._copy()
        q._exact = bool(exact)
        return q

    def metric(self, metric: str) -> "VectorQuery":
        """The metric of a search without an index ("l2", "cosine", "ip");
        with an index, it must be the index's."""
        q = self._copy()
        q._metric = metric
        return q

    def select(self, *columns: Union[str, Sequence[str]]) -> "VectorQuery":
        q = self._copy()
        q._columns = selected_columns(columns)
        return q

    def _run(self, columns: Optional[List[str]], explain: bool = False, rows: bool = False) -> Tuple[Any, List[str]]:
        """The rows of the projection `columns` (None: every column with
        `rows`, else no rows) and, with explain, the plan."""
        t = self._table
        _, _, found, plan = _core.knn(
            t._db._handle, t._reader, t._name, self._column, self._vector, self._k, self._ef, self._exact,
            self._where, self._metric, columns, explain, 0, rows)
        return found, plan

    def execute(self) -> Result:
        """Runs the search: the rows, nearest first, with ``_distance`` last
        (or where ``select`` put it)."""
        if self._columns is None:
            return Result.of(self._run(None, rows=True)[0])
        rows, _ = self._run([c for c in self._columns if c != DISTANCE])
        return Result.of(rows).select(self._columns)

    def to_numpy(self) -> Dict[str, Any]:
        if self._columns is None:  # the common call: every column, in one call to the core
            t = self._table
            return _core.knn(t._db._handle, t._reader, t._name, self._column, self._vector, self._k, self._ef,
                             self._exact, self._where, self._metric, None, False, 0, True, True)[2]
        return self.execute().to_numpy()

    def __len__(self) -> int:
        return len(self.execute())

    def explain(self) -> str:
        """How the search runs (it runs it to find out how many rows match)."""
        _, plan = self._run(None, explain=True)
        steps = list(plan) + [f"keep the {self._k} nearest"]
        if self._columns is not None:
            steps.append("columns " + ", ".join(self._columns))
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))

    def __repr__(self) -> str:
        result = self.execute()
        return format_table(result, f"<embodb.VectorQuery on {self._table.name!r}>", len(result))

    def _repr_html_(self) -> str:
        result = self.execute()
        return html_table(result, f"vector search on {self._table.name}", len(result))
