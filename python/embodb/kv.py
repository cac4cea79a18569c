"""The key-value store of a database: ``db.kv``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Optional

from . import _core
from ._protocols import DatabaseHandle
from .errors import InvalidInputError, NotFoundError

BytesLike = Any  # bytes, bytearray, memoryview or a contiguous NumPy array


class WriteBatch:
    """Puts and deletes collected in memory and committed atomically.

    Use it through ``db.kv.batch()``: the batch is written when the ``with``
    block exits cleanly and discarded when it raises.
    """

    def __init__(self, kv: "KeyValue", durability: Optional[str]) -> None:
        self._kv = kv
        self._durability = durability
        self._batch = _core.WriteBatch()
        self._done = False

    def put(self, key: BytesLike, value: BytesLike) -> None:
        self._batch.put(key, value)

    def delete(self, key: BytesLike) -> None:
        self._batch.delete(key)

    def __len__(self) -> int:
        return len(self._batch)

    def commit(self) -> None:
        """Writes the batch now (all of it or, on error, none of it)."""
        if self._done:
            raise InvalidInputError("this batch was already committed or discarded")
        self._done = True
        _core.kv_write(self._kv._handle(), self._batch, self._durability)

    def __enter__(self) -> "WriteBatch":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self._done = True
            self._batch.clear()

    def __repr__(self) -> str:
        return f"<embodb.WriteBatch with {len(self)} operations>"


class KeyValue:
    """Ordered bytes -> bytes storage. Keys and values are bytes-like objects.

    Reads see the latest committed state, or a snapshot's state when obtained
    through ``snapshot.kv``.
    """

    def __init__(self, db: DatabaseHandle, snapshot: Optional[int] = None) -> None:
        self._db = db
        self._snapshot = snapshot

    def _handle(self) -> Any:
        return self._db._live_handle()

    def _writable(self) -> Any:
        if self._snapshot is not None:
            raise InvalidInputError("the key-value store is read-only here (a snapshot)")
        return self._handle()

    def put(self, key: BytesLike, value: BytesLike, *, durability: Optional[str] = None) -> None:
        """Stores value under key. ``durability`` overrides the database default."""
        _core.kv_put(self._writable(), key, value, durability)

    def get(self, key: BytesLike, default: Optional[bytes] = None) -> Optional[bytes]:
        """The value of key, or ``default`` when it is missing."""
        value = _core.kv_get(self._handle(), key, self._snapshot)
        return default if value is None else value

    def __getitem__(self, key: BytesLike) -> bytes:
        value = _core.kv_get(self._handle(), key, self._snapshot)
        if value is None:
            raise NotFoundError(f"key {bytes(key)!r} not found")
        return value

    def __setitem__(self, key: BytesLike, value: BytesLike) -> None:
        self.put(key, value)

    def __delitem__(self, key: BytesLike) -> None:
        self.delete(key)

    def __contains__(self, key: BytesLike) -> bool:
        return _core.kv_get(self._handle(), key, self._snapshot) is not None

    def delete(self, key: BytesLike, *, durability: Optional[str] = None) -> None:
        """Removes key; removing a missing key is not an error."""
        _core.kv_delete(self._writable(), key, durability)

    def put_many(
        self, keys: Sequence[BytesLike], values: Sequence[BytesLike], *, durability: Optional[str] = None
    ) -> None:
        """Stores every pair atomically, in one call into the engine.

        ``keys`` and ``values`` are sequences of bytes-like objects, NumPy arrays
        of dtype ``S``/``V``, or 2-D ``uint8`` arrays (one row per item).
        """
        _core.kv_put_many(self._writable(), keys, values, durability)

    def get_many(self, keys: Sequence[BytesLike]) -> list[Optional[bytes]]:
        """Values for keys (None where missing), read from one consistent view."""
        return _core.kv_get_many(self._handle(), keys, self._snapshot)

    def batch(self, *, durability: Optional[str] = None) -> WriteBatch:
        """A batch that commits atomically when its ``with`` block exits cleanly."""
        self._writable()
        return WriteBatch(self, durability)

    def scan(
        self,
        start: Optional[BytesLike] = None,
        end: Optional[BytesLike] = None,
        prefix: Optional[BytesLike] = None,
        reverse: bool = False,
    ) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs in key order with ``start <= key < end`` and the
        given prefix; newest-to-oldest order when ``reverse``. The scan reads one
        consistent view, however long it runs."""
        return _core.kv_scan(self._handle(), start, end, prefix, reverse, self._snapshot)

    def __iter__(self) -> Iterator[bytes]:
        for key, _ in self.scan():
            yield key

    def __repr__(self) -> str:
        where = f"snapshot {self._snapshot}" if self._snapshot is not None else "latest"
        return f"<embodb.KeyValue of {self._db.path!r} ({where})>"
