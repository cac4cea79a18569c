"""The exceptions embodb raises. Every one derives from :class:`Error`.

Standard bases are kept where they help: a missing key is a ``KeyError``, bad
input is a ``ValueError``, a storage failure is an ``OSError`` with ``errno``.

The rules, one per kind of failure:

* An argument of the wrong Python type (``bytes`` where a name is a ``str``,
  a ``str`` where a key must be bytes-like) raises ``TypeError``, as Python's
  own functions do. It is not an :class:`Error`.
* A value of the right type that does not fit the schema (an unknown column,
  a bad name, a wrong dimension, dtype or shape, a value out of the column's
  range): :class:`SchemaError`.
* Any other value embodb cannot accept (an option out of range, a bad filter,
  NaN in a vector, a write through a read-only snapshot or ``as_of`` view):
  :class:`InvalidInputError`; a repeated primary key: :class:`DuplicateKeyError`.
* Something named that does not exist: :class:`NotFoundError`.
* Data on disk that fails a checksum or format check, or a file the database
  needs that is missing or cut short: :class:`CorruptionError` (a file of a
  newer format version too). The operating system's failures (disk full,
  fsync, permissions): :class:`StorageError`.
* A database used after ``close()``, or through a handle a ``fork()``ed child
  inherited: :class:`DatabaseClosedError`.

Every one of these is raised before anything is written: a failed call
changes nothing.

Inside the C++ core, every decoder of stored bytes follows one convention,
so that a malformed input always surfaces as :class:`CorruptionError` and
never as a default value: ``static Result<T> Decode(...)`` when it makes a
value, ``Status DecodeFrom(...)`` when it fills an object that exists
already, each returning Corruption that names what was bad. Only the field
readers of ``cpp/util/coding.h`` (``GetVarint32``, ``GetFixed64``, ...)
return ``bool``; their callers turn ``false`` into Corruption naming the
field. Messages that quote bytes which are not UTF-8 show them as
U+FFFD.
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
