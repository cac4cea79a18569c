"""The exceptions embodb raises. Every one derives from :class:`Error`.

Standard bases are kept where they help: a missing key is a ``KeyError``, bad
input is a ``ValueError``, a storage failure is an ``OSError`` with ``errno``.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "SchemaError",
    "InvalidInputError",
    "DuplicateKeyError",
    "NotFoundError",
    "ConflictError",
    "DatabaseLockedError",
    "DatabaseClosedError",
    "CorruptionError",
    "StorageError",
]


class Error(Exception):
    """Base class of every embodb error."""


class SchemaError(Error, ValueError):
    """A bad type, an unknown column, a wrong dimension, dtype or shape."""


class InvalidInputError(Error, ValueError):
    """Input that cannot be accepted: NaN in a vector, a bad option or expression."""


class DuplicateKeyError(InvalidInputError):
    """An insert would repeat a primary key (within the batch or in the table)."""


class NotFoundError(Error, KeyError):
    """A missing table, index or key."""

    def __str__(self) -> str:  # KeyError quotes its argument; a message reads better
        return str(self.args[0]) if self.args else ""


class ConflictError(Error):
    """A transaction lost a write-write conflict; nothing it wrote was kept."""


class DatabaseLockedError(Error):
    """Another process (or connection) has the database open."""


class DatabaseClosedError(Error):
    """The database, or the snapshot, was closed."""


class CorruptionError(Error):
    """A checksum or format check failed: the data on disk is damaged."""


class StorageError(Error, OSError):
    """The disk failed us: disk full, a failed fsync, missing permissions."""
