"""Tables: typed rows with a primary key, read and written as columns.

Get one with :meth:`Database.create_table` or ``db["name"]``. Every write call
is atomic on its own (all rows or none); inside ``db.transaction()`` it joins
the transaction instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._convert import and_filter, column_spec, fill_missing, filter_text, key_specs, table_columns
from ._join import join_asof
from ._protocols import DatabaseHandle
from .errors import InvalidInputError, SchemaError
from .result import Materializes, Result, format_table, html_table, selected_columns
from .spatial import CloudPoints, SpatialQuery, cloud_points, knn_points, points_array, radius_points, radius_value
from .types import Column, ColumnLike, as_column
from .vector import FLOAT32, IndexInfo, VectorQuery, build_progress, positive_int, query_matrix

__all__ = ["Table", "Query", "GroupedQuery", "TableSchema"]


@dataclass(frozen=True)
class TableSchema:
    """The columns of a table (in order), its primary key and its indexes."""

    columns: Dict[str, Column]
    primary_key: Union[str, Tuple[str, ...]]  # a tuple for a composite key
    auto_id: bool
    indexes: Tuple[str, ...] = ()

    @property
    def key_columns(self) -> Tuple[str, ...]:
        """The primary key's columns, in key order."""
        return self.primary_key if isinstance(self.primary_key, tuple) else (self.primary_key,)

    def __repr__(self) -> str:
        parts = []
        for name, c in self.columns.items():
            text = f"{name} {c.type}"
            if name in self.key_columns:
                text += " (auto id)" if self.auto_id else " (primary key)"
            elif c.not_null:
                text += " not null"
            if c.default is not None:
                text += f" default {c.default!r}"
            parts.append(text)
        return "TableSchema(" + ", ".join(parts) + ")"


def table_schema(db: DatabaseHandle, name: str) -> TableSchema:
    """The schema of the table (or time series) ``name`` of ``db``."""
    info = _core.table_schema(db._live_handle(), name)
    cols = {n: Column(t, nn, d) for n, t, nn, d in info["columns"]}
    key = info["primary_key"]
    return TableSchema(cols, key[0] if len(key) == 1 else tuple(key), info["auto_id"], tuple(info["indexes"]))


def write_specs(what: str, schema: TableSchema, columns: Dict[str, Any],
                prepare: Optional[Any] = None) -> list:
    """The column specs of a write's columns (table_columns' dict), each
    with the column's default for missing values; SchemaError naming `what`
    for a column the schema lacks. prepare(name, values) may check or
    convert a column's values first."""
    specs = []
    for name, values in columns.items():
        col = schema.columns.get(name)
        if col is None:
            raise SchemaError(f"{what} has no column {name!r}")
        if prepare is not None:
            values = prepare(name, values)
        specs.append(column_spec(name, fill_missing(values, col.default), col.type))
    return specs


class Stored:
    """What tables and time series share: a name in ``db``, read through
    ``reader`` (a snapshot sequence or a transaction) when given."""

    def __init__(self, db: DatabaseHandle, name: str, reader: Any = None, tx: Any = None, owner: Any = None) -> None:
        self._db = db
        self._name = name
        self._reader = reader if reader is not None else tx
        self._tx = tx
        self._owner = owner  # keeps the snapshot that pins `reader` open

    def as_of(self, time: Any) -> Any:
        """The table as it was at ``time`` (read-only): a datetime, an ISO
        8601 string, a numpy datetime64 or epoch seconds; without a time zone,
        UTC. Needs ``connect(..., history=...)``; a time outside the window
        raises :class:`~embodb.errors.InvalidInputError`. The view pins that
        state until it is garbage collected."""
        return self._db.snapshot(as_of=time).table(self._name)

    @property
    def name(self) -> str:
        return self._name

    @property
    def schema(self) -> TableSchema:
        return table_schema(self._db, self._name)


class Table(Stored):
    """A table of ``db``; reads and writes go through ``reader`` (a snapshot
    sequence or a transaction) when given."""

    # ------------------------------------------------------------ schema

    def add_column(self, name: str, type: ColumnLike, default: Any = None) -> None:
        """Appends a column; existing rows read it as ``default`` (or null).
        Durable and atomic."""
        self._check_writable()
        col = as_column(name, type)
        if default is not None:
            col = Column(col.type, col.not_null, default)
        _core.add_column(self._db._live_handle(), self._name, (name, col.type, col.not_null, col.default))

    def create_index(self, column: str, kind: Optional[str] = None, *, progress: Optional[bool] = None,
                     **options: Any) -> None:
        """Builds an index of ``kind`` on ``column`` (by default the kind its
        type calls for), with the kind's ``options`` by name. Durable and
        atomic: a failed or interrupted (Ctrl-C) build leaves no index.
        ``progress`` shows a tqdm bar while it builds (default: only when
        interactive). The kinds:

        ``"ordered"`` (scalar columns; no options): a secondary index;
        filters with ``=``, ``IN``, ranges, ``BETWEEN``, ``LIKE 'prefix%'``
        and ``IS NULL`` on the column then read only the matching rows (see
        ``explain()``).

        ``"hnsw"`` (vector columns): an HNSW graph for :meth:`search` and
        :meth:`knn`, kept in memory, updated by every write before it
        returns, checkpointed to its own file and recovered after a crash.
        Options: ``metric`` is ``"l2"`` (squared Euclidean, the default),
        ``"cosine"`` (1 - cosine similarity; zero vectors are refused) or
        ``"ip"`` (1 - dot product); ``m`` (16) links per node (2m on the
        ground level) and ``ef_construction`` (200) candidates per insert
        trade build time and memory for recall; ``quantization="sq8"``
        stores 8-bit codes in the graph (about a quarter of the memory) and
        re-ranks candidates with the float32 vectors.

        ``"spatial"`` (point3 and pointcloud columns): a k-d tree for
        :meth:`near`, :meth:`within`, :meth:`in_box`, :meth:`knn_points`,
        :meth:`radius_points` and spatial filters, kept like an HNSW index.
        Over a pointcloud column it holds every point of every cloud (the
        map built scan by scan); ``pose=("position", "orientation")`` (a
        point3 and a vector(4) quaternion (x, y, z, w) column) places each
        cloud in the world frame first."""
        self._check_writable()
        if kind is not None and not isinstance(kind, str):
            raise TypeError(f"an index kind is a str, not {type(kind).__name__}")
        if "pose" in options:
            pose = options.pop("pose")
            if isinstance(pose, str) or not isinstance(pose, (tuple, list)) or len(pose) != 2:
                raise InvalidInputError(f"pose= is a pair of column names (position, orientation), not {pose!r}")
            options["position"], options["orientation"] = pose
        update, close = build_progress(progress)
        try:
            _core.create_index(self._db._live_handle(), self._name, column, kind, options, update)
        finally:
            close()

    def drop_index(self, column: str, kind: Optional[str] = None) -> None:
        """Drops the index on ``column`` (naming its ``kind`` when the column
        has several)."""
        self._check_writable()
        _core.drop_index(self._db._live_handle(), self._name, column, kind)

    def verify(self) -> None:
        """Checks that every index of the table agrees with its rows: each
        ordered index holds exactly the entries the rows call for, each
        vector index exactly the rows with a vector, with their vectors.
        Raises :class:`~embodb.errors.CorruptionError` naming the first
        difference. Reads the whole table; writes to it wait while a vector
        index is checked. For data tests and after a suspected fault."""
        _core.verify_table(self._db._live_handle(), self._name)

    @property
    def indexes(self) -> Tuple[IndexInfo, ...]:
        """The table's indexes: ordered secondary indexes, then the indexes
        kept in memory (vector indexes) with their parameters, rows and
        memory."""
        out = [IndexInfo(d["column"], d["kind"], d["params"], d["rows"], d["memory_bytes"])
               for d in _core.indexes(self._db._live_handle(), self._name)]
        return tuple(out)

    # ------------------------------------------------------------ vector search

    def search(self, vector: Any, column: Optional[str] = None) -> VectorQuery:
        """The rows nearest to ``vector`` in a vector column (the one with an
        index, or the only one, when ``column`` is None), nearest first with a
        ``_distance`` column: chain ``.where(...)``, ``.limit(k)``, ``.ef(n)``,
        ``.exact()``, ``.select(...)``, then ``.to_pandas()`` etc."""
        return VectorQuery(self, vector, column)

    def near(self, point: Any, k: int = 10, column: Optional[str] = None) -> SpatialQuery:
        """The k rows whose point (in a point3 column: the one with a spatial
        index, or the only one, when ``column`` is None) is nearest to
        ``point``, nearest first with a ``_distance`` column (Euclidean).
        Chain ``.where(...)`` (exactly k rows whenever k match),
        ``.select(...)``, ``.limit(k)``, then ``.to_pandas()`` etc."""
        return SpatialQuery(self, "nearest", points_array(point, "the point", one=True), k=positive_int("k", k),
                            column=column)

    def within(self, center: Any, radius: float, column: Optional[str] = None) -> SpatialQuery:
        """The rows whose point lies within ``radius`` of ``center`` (distance
        <= radius), nearest first with a ``_distance`` column."""
        return SpatialQuery(self, "within", points_array(center, "the center", one=True),
                            radius=radius_value(radius), column=column)

    def in_box(self, lo: Any, hi: Any, column: Optional[str] = None) -> SpatialQuery:
        """The rows whose point lies inside the box [lo, hi] (bounds
        inclusive), in no particular order."""
        box = np.concatenate([points_array(lo, "lo", one=True), points_array(hi, "hi", one=True)])
        return SpatialQuery(self, "box", box, column=column)

    def knn_points(self, queries: Any, k: int = 10, where: Optional[str] = None, column: Optional[str] = None, *,
                   threads: Optional[int] = None) -> Tuple[np.ndarray, ...]:
        """The k nearest rows to each of ``queries`` (an (m, 3) array):
        ``(keys, distances)``, both (m, k'), nearest first, k' = min(k, rows
        that can match). Runs in parallel with the GIL released, on every
        core or on ``threads``. Over a pointcloud column with a spatial
        index, the k nearest points: ``(keys, points, distances)``, points
        being each one's index in its row's cloud."""
        return knn_points(self, queries, k, None if where is None else filter_text(where), column, threads)

    def radius_points(self, queries: Any, radius: float, where: Optional[str] = None,
                      column: Optional[str] = None, *,
                      threads: Optional[int] = None) -> Tuple[np.ndarray, ...]:
        """The rows within ``radius`` of each of ``queries`` (an (m, 3)
        array): ``(keys, distances, offsets)``, flat, query i's results
        being ``keys[offsets[i]:offsets[i + 1]]``, nearest first. Over a
        pointcloud column with a spatial index, the points within it:
        ``(keys, points, distances, offsets)``."""
        return radius_points(self, queries, radius, None if where is None else filter_text(where), column, threads)

    def knn(self, queries: Any, k: int = 10, where: Optional[str] = None, column: Optional[str] = None, *,
            ef: Optional[int] = None, exact: bool = False, metric: Optional[str] = None,
            threads: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """The k nearest rows of each row of ``queries`` (an (nq, dim) array):
        ``(keys, distances)``, both (nq, k'), nearest first, where k' is k or
        the number of rows that can match if fewer. Runs in parallel with the
        GIL released, on every core or on ``threads`` of them; ``where``
        filters as in :meth:`search`."""
        # The common call (one float32 array, int k and ef) takes no detours:
        # at a few microseconds a search, each one shows.
        if type(k) is not int or k < 1:
            k = positive_int("k", k)
        if ef is None:
            ef = 0
        elif type(ef) is not int or ef < 1:
            ef = positive_int("ef", ef)
        threads = 0 if threads is None else positive_int("threads", threads)
        if where is not None:
            where = filter_text(where)
        if type(queries) is not np.ndarray or queries.dtype is not FLOAT32:
            queries = query_matrix(queries)  # the core takes a float32 vector or matrix, and copies a strided one
        keys, distances, _, _ = _core.knn(self._db._live_handle(), self._reader, self._name, column, queries, k, ef,
                                          exact is True or bool(exact), where, metric, None, False, threads)
        return keys, distances

    # ------------------------------------------------------------ writes

    def insert(self, data: Any, *, durability: Optional[str] = None) -> Optional[np.ndarray]:
        """Adds rows. ``data`` is a dict of columns (arrays or lists), one row as a
        dict of scalars, a list of row dicts, a pandas DataFrame or a pyarrow
        Table/RecordBatch. A primary key that exists (or repeats in ``data``)
        raises :class:`~embodb.errors.DuplicateKeyError` and nothing is written.
        Returns the new ids for a table without a declared primary key."""
        return self._write(data, "insert", durability)

    def upsert(self, data: Any, *, durability: Optional[str] = None) -> Optional[np.ndarray]:
        """Inserts rows, replacing whole rows whose primary key exists."""
        return self._write(data, "upsert", durability)

    def delete(self, keys: Any = None, *, where: Optional[str] = None, durability: Optional[str] = None) -> int:
        """Deletes the rows with these primary keys (one key or a sequence), or
        the rows matching the filter ``where`` (``where="TRUE"`` deletes every
        row); returns how many rows were deleted."""
        self._check_writable()
        handle = self._db._live_handle()
        if (keys is None) == (where is None):
            raise InvalidInputError("delete() takes either keys or where=..., not both or neither")
        if where is not None:
            return _core.delete_where(handle, self._tx, self._name, filter_text(where), durability)
        specs = key_specs(keys, self._key_types())
        return _core.delete_keys(handle, self._tx, self._name, specs, durability)

    def update(self, values: Dict[str, Any], where: Optional[str] = None, *,
               durability: Optional[str] = None) -> int:
        """Sets columns to new values (``{"label": "cup", "score": 0.5}``) in
        every row matching the filter ``where`` (every row when None); returns
        how many rows changed. The primary key cannot be updated."""
        self._check_writable()
        if not isinstance(values, dict) or not values:
            raise InvalidInputError("update() takes a non-empty dict of {column: new value}")
        schema = self.schema
        specs = []
        for name, value in values.items():
            col = schema.columns.get(name)
            if col is None:
                raise SchemaError(f"table {self._name!r} has no column {name!r}")
            specs.append(column_spec(name, [value], col.type))
        return _core.update_where(self._db._live_handle(), self._tx, self._name, specs,
                                  None if where is None else filter_text(where), durability)

    def _write(self, data: Any, mode: str, durability: Optional[str]) -> Optional[np.ndarray]:
        self._check_writable()
        columns, rows = table_columns(data)
        specs = write_specs(f"table {self._name!r}", self.schema, columns)
        return _core.write_rows(self._db._live_handle(), self._tx, self._name, specs, rows, mode, durability)

    def _check_writable(self) -> None:
        if self._reader is not None and self._tx is None:
            raise InvalidInputError(f"table {self._name!r} is read-only here (a snapshot)")

    # ------------------------------------------------------------ reads

    def get(self, key: Any, columns: Optional[Sequence[str]] = None) -> Optional[Dict[str, Any]]:
        """The row with this primary key as a dict, or None."""
        if type(key) is int or type(key) is str or (
                type(key) is tuple and all(type(k) is int or type(k) is str for k in key)):
            # the common case: one call into C++ (which refuses a closed database itself)
            cols = list(columns) if columns is not None else None
            return _core.get_row(self._db._handle, self._reader, self._name, key, cols)
        rows = self.get_many([key], columns).to_list()
        return rows[0] if rows else None

    def get_many(self, keys: Any, columns: Optional[Sequence[str]] = None) -> Result:
        """The rows of these primary keys that exist, in the order of ``keys``."""
        specs = key_specs(keys, self._key_types())
        cols = list(columns) if columns is not None else None
        return Result.of(_core.get_rows(self._db._live_handle(), self._reader, self._name, specs, cols))

    def _key_types(self) -> list:
        """(name, type) of each primary key column, in key order."""
        schema = self.schema
        return [(name, schema.columns[name].type) for name in schema.key_columns]

    def __len__(self) -> int:
        return Query(self).count()

    def query(self) -> "Query":
        return Query(self)

    def where(self, expression: str) -> "Query":
        """The rows matching a filter such as ``"episode = 3 AND ts >= '2026-11-01'
        AND label IN ('cup', 'mug')"``; parsed and evaluated in C++ (see
        docs/filters.md)."""
        return Query(self).where(expression)

    def select(self, *columns: str) -> "Query":
        return Query(self).select(*columns)

    def order_by(self, column: str, descending: bool = False) -> "Query":
        return Query(self).order_by(column, descending)

    def limit(self, n: int) -> "Query":
        return Query(self).limit(n)

    def join_asof(self, series: Any, *, on: str = "ts", by: Union[None, str, Sequence[str]] = None,
                  columns: Optional[Sequence[str]] = None, direction: str = "backward", tolerance: Any = None,
                  where: Optional[str] = None) -> Result:
        """Every row of this table (passing ``where``) with the values of the
        time series ``series`` as of the row's ``on`` timestamp, as
        :meth:`TimeSeries.asof` finds them (``direction``, ``tolerance``):
        the camera frames with the IMU sample at each frame, say. ``by``
        names columns of this table that are also tags of the series (the
        frame's robot matches the IMU's robot); without it the series must
        hold one series. ``columns`` picks the series' value columns
        (default: all); ``_sample_time`` tells the matched sample's time.
        Rows without a match (or a null ``on``) get nulls."""
        return join_asof(self, series, on, by, columns, direction, tolerance, where)

    def points(self, column: str, **options: Any) -> CloudPoints:
        """The points of every row's cloud in ``column``: see :meth:`Query.points`."""
        return Query(self).points(column, **options)

    def head(self, n: int = 5) -> Result:
        return Query(self).limit(n).execute()

    def to_numpy(self) -> Dict[str, Any]:
        return Query(self).to_numpy()

    def to_pandas(self) -> Any:
        return Query(self).to_pandas()

    def to_arrow(self) -> Any:
        return Query(self).to_arrow()

    def to_list(self) -> List[Dict[str, Any]]:
        return Query(self).to_list()

    @property
    def columns(self) -> List[str]:
        return list(self.schema.columns)

    def __repr__(self) -> str:
        return f"<embodb.Table {self._name!r}: {self.schema!r}>"

    def _repr_html_(self) -> str:
        total = len(self)
        return html_table(Query(self), f"table {self._name} ({total} rows)", total)


_UNLIMITED = 2**62


class Query(Materializes):
    """A lazy query over a table: chain ``select``, ``order_by``, ``limit``,
    ``offset``; end with ``to_numpy()``, ``to_pandas()``, ``to_arrow()``,
    ``to_list()``, ``count()``, or iterate over ``batches()``."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self._columns: Optional[List[str]] = None
        self._order: Optional[Tuple[str, bool]] = None
        self._limit: Optional[int] = None
        self._offset = 0
        self._where: Optional[str] = None
        self._near: Optional[Tuple[str, Tuple[float, float, float]]] = None  # order by distance to a point

    def _copy(self) -> "Query":
        q = Query(self._table)
        q._columns, q._order, q._limit, q._offset = self._columns, self._order, self._limit, self._offset
        q._where, q._near = self._where, self._near
        return q

    def where(self, expression: str) -> "Query":
        """Keeps the rows matching the filter; a second ``where`` ANDs with the first."""
        q = self._copy()
        q._where = and_filter(self._where, expression)
        return q

    def select(self, *columns: Union[str, Sequence[str]]) -> "Query":
        q = self._copy()
        q._columns = selected_columns(columns)
        return q

    def order_by(self, column: str, descending: bool = False) -> "Query":
        """Orders by a column (nulls last), or nearest first by
        ``distance(column, [x, y, z])`` over a point3 column: the rows that
        have a point, with their ``_distance`` last, found through the
        column's spatial index when it has one (as ``near``; rows whose point
        is null have no distance and are left out)."""
        q = self._copy()
        q._order = (column, bool(descending))
        q._near = None
        if isinstance(column, str) and "(" in column:
            t = self._table
            name, point = _core.order_key(t._db._live_handle(), t._name, column)
            q._order = (name, bool(descending))
            if point is not None:
                if descending:
                    raise InvalidInputError(f"order_by({column!r}) is nearest first: it cannot be descending")
                q._near = (name, point)
        return q

    def limit(self, n: int) -> "Query":
        q = self._copy()
        q._limit = _row_count("limit", n)
        return q

    def offset(self, n: int) -> "Query":
        q = self._copy()
        q._offset = _row_count("offset", n)
        return q

    def head(self, n: int = 5) -> Result:
        """The first ``n`` rows (never more than the query's own limit)."""
        return self.limit(n if self._limit is None else min(n, self._limit)).execute()

    @property
    def columns(self) -> List[str]:
        return list(self._columns) if self._columns is not None else self._table.columns

    # ------------------------------------------------------------ execution

    def _scan(self, columns: Optional[List[str]]) -> Any:
        t = self._table
        return _core.scan(t._db._live_handle(), t._reader, t._name, columns, self._where)

    def _nearest(self) -> SpatialQuery:
        """The query ordered by distance, as a k-nearest search: k is the
        offset plus the limit, or every row."""
        column, point = self._near
        k = _UNLIMITED if self._limit is None else self._offset + self._limit
        q = SpatialQuery(self._table, "nearest", points_array(point, "the point", one=True), k=k, column=column)
        if self._where is not None:
            q = q.where(self._where)
        return q if self._columns is None else q.select(self._columns)

    def _by_distance(self) -> Result:
        if self._limit == 0:
            return self._nearest().limit(1).execute().head(0)
        result = self._nearest().execute()
        if self._offset == 0 or not result._batches:
            return result
        batch = result._batches[0]
        rest = batch.take(np.arange(min(self._offset, batch.num_rows), batch.num_rows, dtype=np.int64))
        return Result(result.columns, list(result.types.values()), [rest], result._positions)

    def _sorted(self, plan_only: bool = False) -> Any:
        """(rows, plan) of an ordered query, ordered in the core (a top-k when
        the limit is small)."""
        t = self._table
        column, descending = self._order
        return _core.sorted_rows(t._db._live_handle(), t._reader, t._name, self._columns, self._where, column,
                                 descending, self._offset, self._limit, plan_only)

    def points(self, column: str, *, box: Any = None, center: Any = None, radius: Any = None,
               voxel: Any = None, transform: Any = None) -> CloudPoints:
        """The points of the point-cloud ``column`` of every row the filter
        selects, in one (n, channels) array, gathered in C++: each cloud
        moved into the world frame by ``transform=("position",
        "orientation")`` (a point3 column and a vector(4) column holding a
        unit quaternion (x, y, z, w), applied to the first three channels),
        kept inside ``box=(lo, hi)`` (inclusive) and/or within ``radius`` of
        ``center``, then downsampled on a grid of ``voxel``-sized cubes
        aligned at the origin (one point per occupied voxel: the mean of its
        points, every channel). Rows without a cloud (or, with a transform,
        without a pose) are skipped."""
        if self._order is not None or self._limit is not None or self._offset:
            raise InvalidInputError("points() reads every row the filter selects: no order_by, limit or offset")
        return cloud_points(self._table, self._where, column, box, center, radius, voxel, transform)

    def execute(self) -> Result:
        """Runs the query; the rows in one result."""
        t = self._table
        columns = self._columns
        if self._near is not None:
            return self._by_distance()
        if self._order is not None:
            return Result.of(self._sorted()[0])
        stop = _UNLIMITED
        if self._limit is not None:
            stop = self._offset + self._limit  # no sort: the first rows in key order are the answer
        scanner = self._scan(columns) if stop > 0 else None
        batch = scanner.next(max(stop, 1)) if scanner is not None else None
        if batch is None:
            names = columns if columns is not None else t.columns
            schema = t.schema.columns
            result = Result(names, [schema[n].type for n in names], [])
        else:
            n = batch.num_rows
            end = n if self._limit is None else min(n, self._offset + self._limit)
            if self._offset > 0 or end < n:
                batch = batch.take(np.arange(min(self._offset, n), max(end, min(self._offset, n)), dtype=np.int64))
            result = Result.of(batch)
        if scanner is not None:
            result.read_stats = scanner.stats()
        return result

    # ------------------------------------------------------------ aggregates

    def group_by(self, *keys: str, **named_keys: str) -> "GroupedQuery":
        """Groups the rows that pass the filter by columns, or by
        ``time_bucket(ts, '1s')`` (the timestamp rounded down to a multiple of
        the duration since the epoch); name a key by keyword
        (``second="time_bucket(ts, '1s')"``). End with :meth:`GroupedQuery.agg`."""
        named = [(k, k) for k in keys] + list(named_keys.items())
        if not named:
            raise InvalidInputError("group_by() needs at least one key")
        return GroupedQuery(self, named)

    def agg(self, **aggregates: str) -> Result:
        """Aggregates over every row that passes the filter, as one row:
        ``agg(n="count()", g="mean(gx)", hi="max(ts)")``. Functions: count()
        (rows), count(col) (values), sum, mean (or avg), min, max, first and
        last (in primary-key order); nulls are skipped; computed in the core."""
        return self._aggregate([], aggregates)

    def _aggregate(self, keys: List[Tuple[str, str]], aggregates: Dict[str, str]) -> Result:
        if not aggregates:
            raise InvalidInputError("agg() needs at least one aggregate, such as n='count()'")
        if self._order is not None or self._limit is not None or self._offset or self._columns is not None:
            raise InvalidInputError("aggregates apply to where() alone: drop order_by, limit, offset and select")
        for name, expr in list(aggregates.items()) + keys:
            if not isinstance(expr, str):
                raise InvalidInputError(f"{name}: an expression is a string such as 'mean(gx)', not {expr!r}")
        t = self._table
        return Result.of(_core.aggregate(t._db._live_handle(), t._reader, t._name, self._where, keys,
                                         list(aggregates.items())))

    def _scalar(self, function: str, column: str) -> Any:
        return self.agg(value=f"{function}({column})").to_list()[0]["value"]

    def min(self, column: str) -> Any:
        """The smallest value of the column among the rows (None when there is none)."""
        return self._scalar("min", column)

    def max(self, column: str) -> Any:
        """The largest value of the column among the rows (None when there is none)."""
        return self._scalar("max", column)

    def sum(self, column: str) -> Any:
        return self._scalar("sum", column)

    def mean(self, column: str) -> Any:
        return self._scalar("mean", column)

    def count(self) -> int:
        """The number of rows the query returns."""
        if self._order is None and self._limit is None and self._offset == 0:
            return self._scan([]).count_rest()
        return len(self.execute())

    def batches(self, rows: int = 65536) -> Iterator[Result]:
        """The rows in batches of at most ``rows``, reading as it goes (bounded
        memory). Every batch sees the state the iteration started in, however
        the table changes meanwhile (the query holds a snapshot until it is
        exhausted or dropped). Ordered queries sort everything first."""
        rows = positive_int("rows", rows)
        if self._order is not None or self._limit is not None or self._offset:
            result = self.execute()
            data = result._batches[0] if result._batches else None
            if data is None:
                return
            for start in range(0, data.num_rows, rows):
                idx = np.arange(start, min(start + rows, data.num_rows), dtype=np.int64)
                part = data.take(idx)
                yield Result(result.columns, result._types, [part], result._positions)
            return
        scanner = self._scan(self._columns)
        while True:
            batch = scanner.next(rows)
            if batch is None:
                return
            yield Result.of(batch)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for batch in self.batches():
            yield from batch.to_list()

    def __len__(self) -> int:
        return self.count()

    def explain(self, analyze: bool = False) -> str:
        """How the query runs. With ``analyze=True`` the scan is run and what
        it read is reported: the columns, the column chunks of columnar
        blocks decoded and skipped (by their min/max statistics, or because
        no row of the block passed the filter), and the rows read whole
        (recent writes not yet flushed, blocks kept as rows)."""
        if self._near is not None:
            steps = self._nearest().plan_steps()
            if self._offset:
                steps.append(f"skip {self._offset} rows")
            return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))
        steps = list(self._scan([]).explain())
        if analyze:
            steps.append(self._analyze())
        if self._order is not None:
            steps.append(self._sorted(plan_only=True)[1])
        if self._offset:
            steps.append(f"skip {self._offset} rows")
        if self._limit is not None:
            steps.append(f"keep {self._limit} rows" + ("" if self._order else " (stop scanning after them)"))
        if self._columns is not None:
            steps.append("columns " + ", ".join(self._columns))
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))

    def _analyze(self) -> str:
        scanner = self._scan(self._columns)
        while scanner.next(65536) is not None:
            pass
        s = scanner.stats()
        names = self._columns if self._columns is not None else self._table.columns
        where = ", ".join(names)
        if s["filter_columns"]:
            where = f"{', '.join(s['filter_columns'])} for the filter, then {where} for the rows that pass"
        return (f"read {where}: {s['chunks_read']} column chunks decoded, {s['chunks_skipped']} skipped; "
                f"{s['runs_read']} columnar block runs read, {s['runs_skipped']} skipped by their statistics; "
                f"{s['rows_read_whole']} rows read whole")

    def __repr__(self) -> str:
        return format_table(self, f"<embodb.Query on {self._table.name!r}>", self.count())

    def _repr_html_(self) -> str:
        return html_table(self, f"query on {self._table.name}", self.count())


def _row_count(what: str, n: Any) -> int:
    if not isinstance(n, int) or n < 0:
        raise InvalidInputError(f"{what} must be a non-negative integer, not {n!r}")
    return n


class GroupedQuery:
    """A query grouped by keys (:meth:`Query.group_by`); :meth:`agg` runs it."""

    def __init__(self, query: Query, keys: List[Tuple[str, str]]) -> None:
        self._query = query
        self._keys = keys

    def agg(self, **aggregates: str) -> Result:
        """One row per group, ordered by the keys (nulls last): the keys, then
        the aggregates by name (see :meth:`Query.agg`)."""
        return self._query._aggregate(self._keys, aggregates)

    def __repr__(self) -> str:
        return f"<embodb.GroupedQuery by {', '.join(k for k, _ in self._keys)}>"
