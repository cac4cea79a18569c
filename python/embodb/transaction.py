"""Transactions: snapshot isolation across tables.

``with db.transaction() as tx:`` reads the database as of the moment it began,
plus its own writes, and commits on a clean exit (rolls back on an exception).
A write-write conflict with a transaction that committed first raises
:class:`~embodb.errors.ConflictError` at commit, and nothing of it is written.
A transaction is used from one thread at a time.
"""

from __future__ import annotations

from typing import Any, Optional

from . import _core
from ._protocols import DatabaseHandle
from .errors import InvalidInputError, NotFoundError
from .table import Table
from .timeseries import TimeSeries

__all__ = ["Transaction"]


class Transaction:
    def __init__(self, db: DatabaseHandle, durability: Optional[str] = None) -> None:
        self._db = db
        self._durability = durability
        self._tx = _core.Transaction.begin(db._live_handle())

    @property
    def active(self) -> bool:
        return self._tx.active

    def table(self, name: str) -> Table:
        if not _core.has_table(self._db._live_handle(), name):
            raise NotFoundError(f"no table {name!r}")
        if not self._tx.active:
            raise InvalidInputError("the transaction is already finished")
        if _core.is_timeseries(self._db._live_handle(), name):
            return TimeSeries(self._db, name, tx=self._tx)
        return Table(self._db, name, tx=self._tx)

    def __getitem__(self, name: str) -> Table:
        return self.table(name)

    def commit(self) -> None:
        """Makes every write of the transaction visible and durable at once;
        :class:`~embodb.errors.ConflictError` if another transaction committed a
        change to one of the same rows first (then nothing is written)."""
        self._tx.commit(self._durability)

    def rollback(self) -> None:
        """Drops every write of the transaction. Harmless when already finished."""
        self._tx.rollback()

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.rollback()
        elif self._tx.active:
            self.commit()

    def __del__(self) -> None:
        try:
            self._tx.rollback()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        return f"<embodb.Transaction ({'active' if self.active else 'finished'})>"
