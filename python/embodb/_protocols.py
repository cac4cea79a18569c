"""What the objects a database hands out need of the database and of each
other, as typing protocols.

``kv.py``, ``table.py``, ``transaction.py`` and ``vector.py`` name these
instead of importing ``database.py`` or ``table.py``, so that the modules
import in one direction only (database -> transaction -> table -> vector),
for the interpreter and for type checkers alike.
"""

from typing import Any, Protocol


class DatabaseHandle(Protocol):
    """What a table, a transaction or the key-value store uses of its
    :class:`~embodb.Database`."""

    _handle: Any

    @property
    def path(self) -> str: ...

    def _live_handle(self) -> Any: ...

    def snapshot(self, as_of: Any = None) -> Any: ...


class TableHandle(Protocol):
    """What a query uses of its :class:`~embodb.Table`."""

    _db: DatabaseHandle
    _reader: Any
    _name: str

    @property
    def name(self) -> str: ...
