"""Column types and column definitions for :meth:`Database.create_table`.

A schema maps column names to a type name (``"int64"``, ``"string"``,
``"timestamp"``...) or to a :class:`Column` made by :func:`column`,
:func:`vector`, :func:`point3` or :func:`pointcloud`::

    db.create_table("obs", {
        "id": "int64",
        "ts": embodb.column("timestamp", not_null=True),
        "label": embodb.column("string", default="none"),
        "emb": embodb.vector(384),
        "pose": embodb.point3(),
        "scan": embodb.pointcloud(channels=4),
    }, primary_key="id")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

__all__ = ["Column", "column", "vector", "point3", "pointcloud", "TYPE_NAMES"]

TYPE_NAMES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "string", "bytes", "timestamp", "vector(dim)", "point3", "pointcloud(channels)",
)


@dataclass(frozen=True)
class Column:
    """A column definition: its type name, whether it may hold nulls, its default."""

    type: str
    not_null: bool = False
    default: Any = None

    def __repr__(self) -> str:
        extra = " not null" if self.not_null else ""
        if self.default is not None:
            extra += f" default {self.default!r}"
        return f"<embodb.Column {self.type}{extra}>"


def column(type: str, *, not_null: bool = False, default: Any = None) -> Column:
    """A column of ``type`` (a type name), optionally ``not_null`` or with a ``default``."""
    if not isinstance(type, str):
        raise TypeError(f"a column type is a name such as 'int64', not {type!r}")
    return Column(type, not_null, default)


def vector(dim: int, *, not_null: bool = False) -> Column:
    """A float32 embedding of ``dim`` values per row."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError("vector(dim) needs an integer dimension")
    return Column(f"vector({dim})", not_null)


def point3(*, not_null: bool = False) -> Column:
    """A 3-D position: three float32 values per row."""
    return Column("point3", not_null)


def pointcloud(channels: int = 3, *, not_null: bool = False) -> Column:
    """A point cloud per row: an (n, channels) float32 array, n varying by row."""
    if not isinstance(channels, int) or isinstance(channels, bool):
        raise TypeError("pointcloud(channels) needs an integer channel count")
    return Column(f"pointcloud({channels})", not_null)


ColumnLike = Union[str, Column]


def as_column(name: str, spec: ColumnLike) -> Column:
    if isinstance(spec, Column):
        return spec
    if isinstance(spec, str):
        return Column(spec)
    from .errors import SchemaError

    raise SchemaError(f"column {name!r}: expected a type name or embodb.column(...), got {spec!r}")
