"""Opening a database: :func:`connect` and :class:`Database`."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _core
from ._time import duration_micros, duration_nanos, epoch_micros
from .errors import DatabaseClosedError, InvalidInputError, NotFoundError, SchemaError
from .kv import KeyValue
from .table import Table
from .timeseries import TimeSeries
from .transaction import Transaction
from .types import ColumnLike, as_column

_DURABILITIES = ("sync", "group", "periodic", "off")


def _name(name: Any, what: str = "a table name") -> str:
    """``name`` if it is a str; TypeError otherwise (bytes are not silently
    decoded: b"obs" and "obs" would then name one table)."""
    if not isinstance(name, str):
        raise TypeError(f"{what} is a str, not {type(name).__name__}")
    return name


class Snapshot:
    """A read-only, consistent view of the whole database at one moment: now,
    or a past time inside the history window (``as_of``).

    Writes made after that moment are invisible through it. Close it (or use
    it as a context manager) so that compaction can drop the versions it pins;
    tables taken from it keep it open while they are in use.
    """

    def __init__(self, db: "Database", as_of: Any = None) -> None:
        self._db = db
        self._seq: Optional[int] = None
        if as_of is None:
            self._seq = db._live_handle().acquire_snapshot()
        else:
            self._seq = db._live_handle().acquire_snapshot_at(epoch_micros(as_of))

    @property
    def sequence(self) -> int:
        if self._seq is None:
            raise DatabaseClosedError("the snapshot is closed")
        return self._seq

    @property
    def kv(self) -> KeyValue:
        return KeyValue(self._db, self.sequence)

    def table(self, name: str) -> Table:
        """The table as of the snapshot (read-only)."""
        if not _core.has_table(self._db._live_handle(), _name(name)):
            raise NotFoundError(f"no table {name!r}")
        if _core.is_timeseries(self._db._live_handle(), name):
            return TimeSeries(self._db, name, reader=self.sequence, owner=self)
        return Table(self._db, name, reader=self.sequence, owner=self)

    def __getitem__(self, name: str) -> Table:
        return self.table(name)

    def close(self) -> None:
        if self._seq is not None:
            self._db._handle.release_snapshot(self._seq)
            self._seq = None

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        state = "closed" if self._seq is None else f"at sequence {self._seq}"
        return f"<embodb.Snapshot of {self._db.path!r} {state}>"


class Database:
    """An open embodb database. Create it with :func:`embodb.connect`."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def _live_handle(self) -> Any:
        if self._handle.closed:
            raise DatabaseClosedError(f"the database {self.path!r} is closed")
        return self._handle

    @property
    def path(self) -> str:
        return self._handle.path

    @property
    def closed(self) -> bool:
        return self._handle.closed

    @property
    def kv(self) -> KeyValue:
        """The key-value store."""
        self._live_handle()
        return KeyValue(self)  # a light view; not cached, so no reference cycle

    def snapshot(self, as_of: Any = None) -> Snapshot:
        """A consistent read view of the database as it is now or, with
        ``as_of``, as it was at that time (a datetime, an ISO 8601 string,
        a numpy datetime64 or epoch seconds; without a time zone, UTC).
        ``as_of`` needs ``connect(..., history=...)`` and a time inside that
        window, else :class:`~embodb.errors.InvalidInputError`."""
        return Snapshot(self, as_of)

    # ------------------------------------------------------------ tables

    def create_table(
        self, name: str, schema: Dict[str, ColumnLike], primary_key: Union[None, str, Sequence[str]] = None
    ) -> Table:
        """Creates a table. ``schema`` maps column names to type names or
        :func:`embodb.column` definitions (see :mod:`embodb.types`). Rows are
        stored in ``primary_key`` order: one column, or several for a
        composite key (``("robot", "ts")``: the rows of each robot together,
        in time order; a filter on the leading key columns reads one range
        of rows). Key columns are integers, timestamps or strings, never
        null. Without a ``primary_key``, the table gets an int64 column
        ``_id`` that embodb fills with increasing ids. Durable and atomic."""
        if not isinstance(schema, dict) or not schema:
            raise SchemaError("a schema is a non-empty dict of column name -> type")
        _name(name)
        if primary_key is None:
            key: List[str] = []
        elif isinstance(primary_key, str):
            key = [_name(primary_key, "a primary key")]
        elif isinstance(primary_key, (tuple, list)) and primary_key:
            key = [_name(k, "a primary key column") for k in primary_key]
        else:
            raise SchemaError(f"primary_key is a column name or a non-empty tuple of them, not {primary_key!r}")
        _core.create_table(self._live_handle(), name, _column_specs(schema), key)
        return Table(self, name)

    def table(self, name: str) -> Any:
        """The table (or time series) ``name``; :class:`~embodb.errors.NotFoundError` if missing."""
        if not _core.has_table(self._live_handle(), _name(name)):
            raise NotFoundError(f"no table {name!r}")
        if _core.is_timeseries(self._live_handle(), name):
            return TimeSeries(self, name)
        return Table(self, name)

    def __getitem__(self, name: str) -> Any:
        return self.table(name)

    def create_timeseries(
        self,
        name: str,
        schema: Dict[str, ColumnLike],
        tags: Sequence[str] = (),
        *,
        time: str = "ts",
        ttl: Any = None,
        rollup: Optional[Dict[str, Any]] = None,
    ) -> TimeSeries:
        """Creates a time series: ``schema`` maps column names to types as in
        :meth:`create_table`; ``time`` names its timestamp column (default
        ``"ts"``, of type ``timestamp``); ``tags`` name the string or integer
        columns whose values tell its series apart (``("robot",)``: one series
        per robot). Every other column is a value column (numbers, booleans,
        strings; null where a sample has none). Samples are keyed by
        (tags..., time). ``ttl`` (a duration such as ``"7d"``) keeps samples
        younger than that, counted back from the wall clock: older ones are
        not read nor appended, and appends and :meth:`TimeSeries.apply_retention`
        delete their chunks (compaction then frees the space).

        ``rollup`` keeps aggregates of what the ttl expires, for longer:
        ``{"every": "1s", "agg": {"gx": ["mean", "min", "max"]}, "ttl":
        "365d"}`` creates the time series ``<name>_rollup`` (the tags, the
        bucket start, a column ``<column>_<aggregate>`` per aggregate, as
        :meth:`TimeSeries.resample` gives them; its own ``ttl``, default
        none), and whenever samples expire the aggregates of their whole
        buckets are appended to it in the same transaction
        (:attr:`TimeSeries.rollup`). Durable and atomic."""
        if not isinstance(schema, dict) or not schema:
            raise SchemaError("a schema is a non-empty dict of column name -> type")
        _name(name)
        if isinstance(tags, str):
            tags = (tags,)
        tag_names = [_name(t, "a tag column") for t in tags]
        for t in [*tag_names, time]:
            if t not in schema:
                raise SchemaError(f"time series {name!r}: {t!r} is not a column of the schema")
        cols = _column_specs(schema)
        ttl_ns = 0 if ttl is None else duration_nanos(ttl, "ttl")
        if rollup is None:
            _core.create_timeseries(self._live_handle(), name, cols, time, tag_names, ttl_ns)
            return TimeSeries(self, name)
        every, pairs, rollup_ttl = _rollup_spec(rollup, ttl_ns)
        types = {c[0]: c[1] for c in cols}
        rollup_name = f"{name}_rollup"
        rollup_schema = {t: types[t] for t in tag_names}
        rollup_schema[time] = "timestamp"
        for column, kind in pairs:
            if column not in types:
                raise SchemaError(f"time series {name!r} has no column {column!r} to roll up")
            rollup_schema[f"{column}_{kind}"] = (
                "int64" if kind == "count" else "float64" if kind in ("mean", "sum") else types[column])
        self.create_timeseries(rollup_name, rollup_schema, tags=tag_names, time=time, ttl=rollup_ttl)
        try:
            _core.create_timeseries(self._live_handle(), name, cols, time, tag_names, ttl_ns, every, rollup_name, pairs)
        except BaseException:
            self.drop_table(rollup_name)
            raise
        return TimeSeries(self, name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _core.has_table(self._live_handle(), name)

    @property
    def tables(self) -> List[str]:
        """The names of the tables, sorted."""
        return _core.table_names(self._live_handle())

    def drop_table(self, name: str) -> None:
        """Removes a table and its rows. Durable and atomic."""
        _core.drop_table(self._live_handle(), _name(name))

    def transaction(self, durability: Optional[str] = None) -> Transaction:
        """A snapshot-isolated transaction over all tables (see
        :mod:`embodb.transaction`); use it as a context manager or call
        ``commit()`` / ``rollback()``."""
        return Transaction(self, durability)

    def flush(self) -> None:
        """Writes the in-memory table to disk (the WAL already made it durable)."""
        self._live_handle().flush()

    def compact(self) -> None:
        """Merges all tables into one sorted run and reclaims blob garbage."""
        self._live_handle().compact()

    def sync(self) -> None:
        """fsyncs the write-ahead log now: every earlier write survives power loss."""
        self._live_handle().sync_wal()

    def stats(self) -> dict:
        """Engine statistics: files and bytes per level, write amplification,
        compactions, block cache hit rate."""
        return self._live_handle().stats()

    def close(self) -> None:
        """Makes every acknowledged write durable and releases the directory.
        Closing twice is harmless; any other call afterwards raises
        :class:`~embodb.errors.DatabaseClosedError`."""
        self._handle.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<embodb.Database {self.path!r} ({state})>"


def _rollup_spec(rollup: Any, ttl_ns: int) -> tuple:
    """(every in ns, [(column, aggregate)], ttl) of a rollup given to create_timeseries."""
    if not isinstance(rollup, dict) or set(rollup) - {"every", "agg", "ttl"} or "every" not in rollup \
            or "agg" not in rollup:
        raise InvalidInputError('rollup is a dict like {"every": "1s", "agg": {"gx": ["mean", "max"]}, "ttl": "365d"}')
    if not ttl_ns:
        raise InvalidInputError("a rollup keeps what a ttl expires: give a ttl too")
    agg = rollup["agg"]
    if not isinstance(agg, dict) or not agg:
        raise InvalidInputError("a rollup's agg is a non-empty dict of column -> aggregate or list of them")
    pairs = [(column, kind) for column, kinds in agg.items() for kind in ([kinds] if isinstance(kinds, str) else kinds)]
    return duration_nanos(rollup["every"], "rollup's interval (every)"), pairs, rollup.get("ttl")


def _column_specs(schema: Dict[str, ColumnLike]) -> list:
    """(name, type, not_null, default) of each column of a schema given to
    create_table or create_timeseries."""
    cols = []
    for col_name, spec in schema.items():
        _name(col_name, "a column name")
        c = as_column(col_name, spec)
        cols.append((col_name, c.type, c.not_null, c.default))
    return cols


def connect(
    path: "str | os.PathLike[str]",
    durability: str = "group",
    *,
    history: Any = None,
    memory_budget: Optional[int] = None,
    **options: Any,
) -> Database:
    """Opens (creating if needed) the database in directory ``path``.

    ``path`` may be ``":memory:"`` for a scratch database that lives in memory.

    ``durability`` is the default for writes:

    * ``"sync"`` - a write returns after an fsync; concurrent writers share one.
    * ``"group"`` - a write returns once the OS has it (safe if the process
      dies); a group commit fsyncs within a few milliseconds (power loss may
      lose those last milliseconds).
    * ``"periodic"`` - like group, fsync about once a second.
    * ``"off"`` - fsync only on flush and close.

    ``history`` keeps old versions for that long - seconds, a timedelta, or a
    string such as ``"90s"``, ``"10m"``, ``"1h"``, ``"7d"`` - so that
    ``table.as_of(time)`` and ``db.snapshot(as_of=time)`` can read the
    database as it was at any time inside the window, to the millisecond
    (exact for the last millisecond's writes). Off by default; it costs the
    space of the overwritten and deleted versions of that window.

    ``memory_budget`` (bytes) bounds the memtable and block cache together.
    Further engine options: ``write_buffer_size``, ``block_cache_size``,
    ``min_blob_size`` (values at least this large go to blob files, default
    4 KiB), ``blob_file_merge_size``, ``min_ingest_batch_size`` (a write of at
    least this many bytes goes straight into tables, default 32 MiB; 0: never),
    ``target_file_size``, ``compaction_threads``,
    ``group_commit_interval_ms``, ``periodic_sync_interval_ms``, ``zstd_level``,
    ``create_if_missing``, ``error_if_exists``.

    Raises :class:`~embodb.errors.DatabaseLockedError` when another process has
    the directory open.
    """
    if durability not in _DURABILITIES:
        from .errors import InvalidInputError

        raise InvalidInputError(
            f"durability must be one of {', '.join(map(repr, _DURABILITIES))}, not {durability!r}"
        )
    opts = dict(options)
    opts["durability"] = durability
    opts["memory_budget"] = memory_budget
    opts["history_micros"] = duration_micros(history)
    return Database(_core.Database.open(os.fspath(path), opts))
