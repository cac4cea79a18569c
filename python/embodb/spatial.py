"""Spatial queries over a table's ``point3`` column: ``table.near(p, k)``,
``table.within(center, radius)`` and ``table.in_box(lo, hi)`` return a
:class:`SpatialQuery`; ``table.knn_points`` and ``table.radius_points`` answer
many query points at once as NumPy arrays. They use the column's spatial
index when it has one (``table.create_index("position")``) and compare every
row otherwise. A filter (``.where(...)``) never makes ``near`` return fewer
than k rows when at least k rows match (``.explain()`` names the plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._convert import and_filter
from ._protocols import TableHandle
from .errors import InvalidInputError
from .result import Materializes, Result, format_table, html_table, selected_columns
from .vector import DISTANCE, positive_int

__all__ = ["SpatialQuery", "CloudPoints", "points_array"]

POINT = "_point"  # over a pointcloud column: a result's index in its row's cloud


def points_array(points: Any, what: str, one: bool = False) -> np.ndarray:
    """points as a C-contiguous (n, 3) float32 array (one point as (1, 3));
    InvalidInputError for another shape or for values that are not numbers."""
    try:
        arr = np.asarray(points, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{what} must be numbers: {e}") from None
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != 3 or (one and arr.shape[0] != 1):
        want = "a point (x, y, z)" if one else "an (n, 3) array of points"
        raise InvalidInputError(f"{what} must be {want}, not an array of shape {np.shape(points)}")
    return np.ascontiguousarray(arr)


def radius_value(radius: Any) -> float:
    if isinstance(radius, (bool, np.bool_)) or not isinstance(radius, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"a radius is a number, not {radius!r}")
    return float(radius)


class SpatialQuery(Materializes):
    """Rows by where their point lies: the k nearest to a point (nearest
    first), those within a radius of it (nearest first) or those inside a
    box; ``near`` and ``within`` add their distance in a ``_distance``
    column. Chain ``where``, ``select``, ``limit``; end with ``to_numpy()``,
    ``to_pandas()``, ``to_arrow()``, ``to_list()`` or ``execute()``."""

    __slots__ = ("_table", "_kind", "_points", "_k", "_radius", "_column", "_where", "_columns", "_limit")

    def __init__(self, table: TableHandle, kind: str, points: np.ndarray, *, k: int = 10, radius: float = 0.0,
                 column: Optional[str] = None) -> None:
        self._table = table
        self._kind = kind
        self._points = points
        self._k = k
        self._radius = radius
        self._column = column
        self._where: Optional[str] = None
        self._columns: Optional[List[str]] = None
        self._limit: Optional[int] = None

    def _copy(self) -> "SpatialQuery":
        q = SpatialQuery.__new__(SpatialQuery)
        for name in SpatialQuery.__slots__:
            setattr(q, name, getattr(self, name))
        return q

    def where(self, expression: str) -> "SpatialQuery":
        """Only rows matching the filter; a second ``where`` ANDs with the first."""
        q = self._copy()
        q._where = and_filter(self._where, expression)
        return q

    def select(self, *columns: Union[str, Sequence[str]]) -> "SpatialQuery":
        q = self._copy()
        q._columns = selected_columns(columns)
        return q

    def limit(self, n: int) -> "SpatialQuery":
        """At most n rows (for ``near``: the n nearest, as ``k=n``)."""
        q = self._copy()
        n = positive_int("limit", n)
        if self._kind == "nearest":
            q._k = n
        else:
            q._limit = n
        return q

    def _run(self, columns: Optional[List[str]], explain: bool = False, rows: bool = False,
             numpy: bool = False) -> Tuple[Any, List[str]]:
        t = self._table
        out = _core.spatial(t._db._live_handle(), t._reader, t._name, self._column, self._kind, self._points,
                            self._k, self._radius, self._where, columns, explain, 0, rows, numpy, self._limit or 0)
        return out[3], out[4]

    def execute(self) -> Result:
        """Runs the query: the rows, with ``_distance`` last (or where
        ``select`` put it; a box query's distances are 0)."""
        wanted = None if self._columns is None else [c for c in self._columns if c not in (DISTANCE, POINT)]
        result = Result.of(self._run(wanted, rows=True)[0])
        if self._columns is not None:
            result = result.select(self._columns)
        elif self._kind == "box":
            result = result.select([n for n in result.columns if n != DISTANCE])
        return result

    def __len__(self) -> int:
        return len(self.execute())

    def explain(self) -> str:
        """How the query runs (it runs it to find out how many rows match)."""
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.plan_steps()))

    def plan_steps(self) -> List[str]:
        """The steps explain() numbers."""
        _, plan = self._run(None, explain=True)
        steps = list(plan)
        if self._limit is not None:
            steps.append(f"keep the first {self._limit}")
        if self._columns is not None:
            steps.append("columns " + ", ".join(self._columns))
        return steps

    def __repr__(self) -> str:
        result = self.execute()
        return format_table(result, f"<embodb.SpatialQuery on {self._table.name!r}>", len(result))

    def _repr_html_(self) -> str:
        result = self.execute()
        return html_table(result, f"spatial query on {self._table.name}", len(result))


def knn_points(table: TableHandle, queries: Any, k: int, where: Optional[str], column: Optional[str],
               threads: int) -> Tuple[np.ndarray, ...]:
    """(keys, distances), each (m, k'), k' = min(k, points that can match);
    over a pointcloud column (keys, point indexes, distances)."""
    pts = points_array(queries, "queries")
    k = positive_int("k", k)
    keys, distances, offsets, _, _, points = _core.spatial(table._db._live_handle(), table._reader, table._name,
                                                           column, "nearest", pts, k, 0.0, where, None, False,
                                                           _threads(threads), False, False)
    m = pts.shape[0]
    per = int(offsets[1] - offsets[0]) if m else 0
    if points is not None:
        return keys.reshape(m, per), points.reshape(m, per), distances.reshape(m, per)
    return keys.reshape(m, per), distances.reshape(m, per)


def radius_points(table: TableHandle, queries: Any, radius: Any, where: Optional[str], column: Optional[str],
                  threads: int) -> Tuple[np.ndarray, ...]:
    """(keys, distances, offsets): the results of query i are
    keys[offsets[i]:offsets[i + 1]], nearest first; over a pointcloud
    column (keys, point indexes, distances, offsets)."""
    pts = points_array(queries, "queries")
    keys, distances, offsets, _, _, points = _core.spatial(table._db._live_handle(), table._reader, table._name,
                                                           column, "within", pts, 1, radius_value(radius), where,
                                                           None, False, _threads(threads), False, False)
    if points is not None:
        return keys, points, distances, offsets
    return keys, distances, offsets


def _threads(threads: Any) -> int:
    if threads is None or threads == 0:
        return 0
    return positive_int("threads", threads)


@dataclass(frozen=True)
class CloudPoints:
    """The points of the clouds of the rows a query selected (Query.points):
    ``points`` is one (n, channels) float32 array; the points of row
    ``keys[i]`` are ``points[offsets[i]:offsets[i + 1]]`` (rows that kept no
    point are left out). With a voxel grid the points are voxel means, and
    ``keys`` and ``offsets`` are None. ``rows`` counts the rows read."""

    points: np.ndarray
    keys: Optional[np.ndarray]
    offsets: Optional[np.ndarray]
    rows: int


def cloud_points(table: TableHandle, where: Optional[str], column: str, box: Any, center: Any, radius: Any,
                 voxel: Any, transform: Any) -> CloudPoints:
    box_values = None
    if box is not None:
        lo_hi = np.asarray(box, dtype=np.float32)
        if lo_hi.shape != (2, 3):
            raise InvalidInputError(f"box= is (lo, hi), two points (x, y, z), not an array of shape {lo_hi.shape}")
        box_values = lo_hi.reshape(-1).tolist()
    center_values = None
    if center is not None:
        center_values = points_array(center, "center=", one=True).reshape(-1).tolist()
        if radius is None:
            raise InvalidInputError("center= needs radius=")
    elif radius is not None:
        raise InvalidInputError("radius= needs center=")
    position = orientation = None
    if transform is not None:
        if (not isinstance(transform, (tuple, list)) or len(transform) != 2
                or not all(isinstance(c, str) for c in transform)):
            raise InvalidInputError("transform= is (position column, orientation column), such as "
                                    "(\"position\", \"orientation\")")
        position, orientation = transform
    if voxel is not None:
        voxel = radius_value(voxel)
        if not voxel > 0:
            raise InvalidInputError(f"voxel= must be a number > 0, not {voxel!r}")
    points, keys, offsets, rows = _core.cloud_points(
        table._db._live_handle(), table._reader, table._name, where, column, box_values, center_values,
        0.0 if radius is None else radius_value(radius), 0.0 if voxel is None else voxel, position, orientation)
    return CloudPoints(points, keys, offsets, rows)
