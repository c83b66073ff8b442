"""Feast objects derived from the Parquet exports: one feature view per export file.

Every ``<exports>/features/<view>.parquet`` with an ``asin`` and an ``event_timestamp`` column
becomes a feature view ``<view>`` on the entity ``product`` (join key ``asin``). Fields follow
the file's Arrow schema; columns starting with ``_`` (bookkeeping such as ``_row_hash``) are
skipped. A column named ``vector`` is the view's vector field (``Array(Float32)``, cosine,
dimension from the file's ``emma_vector_dim`` metadata or its fixed-size list type). New
exports (filled attributes, smart labels...) therefore need no code change: drop a file, run
``emma-fs materialize`` (or ``feast apply``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from emma_fs.errors import StoreError

ENTITY_NAME = "product"
JOIN_KEY = "asin"
TIMESTAMP_FIELD = "event_timestamp"
VECTOR_FIELD = "vector"
VECTOR_DIM_KEY = b"emma_vector_dim"
VECTOR_METRIC = "cosine"


def _feast_type(name: str, typ: pa.DataType, path: Path) -> Any:
    from feast.types import (
        Array,
        Bool,
        Bytes,
        Float32,
        Float64,
        Int32,
        Int64,
        String,
        UnixTimestamp,
    )

    def scalar(t: pa.DataType) -> Any:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return String
        if pa.types.is_boolean(t):
            return Bool
        if pa.types.is_integer(t):
            return Int32 if t.bit_width <= 16 or t == pa.int32() else Int64
        if pa.types.is_float32(t) or pa.types.is_float16(t):
            return Float32
        if pa.types.is_floating(t) or pa.types.is_decimal(t):
            return Float64
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return UnixTimestamp
        if pa.types.is_binary(t):
            return Bytes
        return None

    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ):
        inner = scalar(typ.value_type)
        if inner is not None and inner is not UnixTimestamp and inner is not Bytes:
            return Array(inner)
    elif (found := scalar(typ)) is not None:
        return found
    raise StoreError(f"{path.name}: column {name!r} has type {typ}, which Feast cannot serve",
                     hint="export it as a string (e.g. JSON) or a list of scalars")


def vector_dim(schema: pa.Schema, path: Path) -> int:
    """Dimension of the ``vector`` column: fixed-size list type or ``emma_vector_dim``."""
    typ = schema.field(VECTOR_FIELD).type
    if pa.types.is_fixed_size_list(typ):
        return typ.list_size
    meta = schema.metadata or {}
    if VECTOR_DIM_KEY in meta:
        return int(meta[VECTOR_DIM_KEY])
    raise StoreError(f"{path.name}: cannot tell the dimension of column 'vector'",
                     hint="write it as a fixed-size list or set Parquet metadata emma_vector_dim")


def view_from_parquet(path: Path, entity: Any) -> Any:
    """The feature view of one export file (absolute FileSource path: DuckDB's offline store
    resolves relative paths against the working directory, not the repo)."""
    from feast import FeatureView, Field, FileSource
    from feast.types import Array, Float32

    schema = pq.read_schema(path)
    for required in (JOIN_KEY, TIMESTAMP_FIELD):
        if required not in schema.names:
            raise StoreError(f"{path}: export has no {required!r} column")
    fields = []
    for column in schema:
        if column.name in (JOIN_KEY, TIMESTAMP_FIELD) or column.name.startswith("_"):
            continue
        if column.name == VECTOR_FIELD:
            fields.append(Field(name=VECTOR_FIELD, dtype=Array(Float32), vector_index=True,
                                vector_length=vector_dim(schema, path),
                                vector_search_metric=VECTOR_METRIC))
        else:
            fields.append(Field(name=column.name,
                                dtype=_feast_type(column.name, column.type, path)))
    source = FileSource(name=f"{path.stem}_source", path=str(path.resolve()),
                        timestamp_field=TIMESTAMP_FIELD)
    return FeatureView(name=path.stem, entities=[entity], ttl=timedelta(0), schema=fields,
                       source=source, online=True, tags={"emma.export": path.name})


def product_entity() -> Any:
    from feast import Entity
    from feast.value_type import ValueType

    return Entity(name=ENTITY_NAME, join_keys=[JOIN_KEY], value_type=ValueType.STRING,
                  description="One EMMa listing (object), keyed by its canonical ASIN")


def load_definitions(features_dir: Path) -> list[Any]:
    """The entity plus one feature view per ``*.parquet`` in ``features_dir`` (sorted)."""
    entity = product_entity()
    views = [view_from_parquet(p, entity) for p in sorted(Path(features_dir).glob("*.parquet"))]
    return [entity, *views]
