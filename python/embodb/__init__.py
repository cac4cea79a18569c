"""embodb: an embedded multimodal database for robots and embodied AI.

>>> import embodb
>>> with embodb.connect(":memory:") as db:
...     db.kv.put(b"pose/0", b"...")
...     db.kv.get(b"pose/0")
b'...'
"""

from . import errors
from .database import Database, Snapshot, connect
from .errors import (
    ConflictError,
    CorruptionError,
    DatabaseClosedError,
    DatabaseLockedError,
    DuplicateKeyError,
    Error,
    InvalidInputError,
    NotFoundError,
    SchemaError,
    StorageError,
)
from .kv import KeyValue, WriteBatch
from .result import Result
from .table import GroupedQuery, Query, Table, TableSchema
from .timeseries import TimeSeries
from .transaction import Transaction
from .types import Column, column, point3, pointcloud, vector
from .vector import IndexInfo, VectorQuery

__version__ = "0.1.0"

__all__ = [
    "connect", "Database", "Snapshot", "KeyValue", "WriteBatch", "Table", "TableSchema", "Query", "GroupedQuery",
    "Result", "Transaction", "TimeSeries", "VectorQuery", "IndexInfo", "Column", "column", "vector", "point3",
    "pointcloud", "errors",
    *errors.__all__,
]
