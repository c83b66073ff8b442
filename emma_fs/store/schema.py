"""How a Feast feature view maps onto one LanceDB table: names, Arrow schema, value conversion.

One Lance table per feature view, named ``<project>__<view>``. Columns: the view's single join
key (``asin``, string), one native Arrow column per feature (vectors as
``fixed_size_list<float32>[D]``), ``event_ts`` and ``created_ts`` (``timestamp[us, UTC]``).
Feast hands the store ``ValueProto`` rows and wants ``ValueProto`` back; this module converts
whole columns at a time between the two worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from emma_fs.errors import StoreError

if TYPE_CHECKING:
    from feast import FeatureView

EVENT_TS = "event_ts"
CREATED_TS = "created_ts"
TS_TYPE = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class VectorSpec:
    """The one vector feature of a view: column name, dimension and Feast metric."""

    name: str
    dim: int
    metric: str


@dataclass(frozen=True)
class ViewLayout:
    """Everything the store needs to know about one feature view's table."""

    table_name: str
    key: str
    features: tuple[str, ...]
    schema: pa.Schema
    vector: VectorSpec | None


def table_name(project: str, view_name: str) -> str:
    """The Lance table of a feature view (project-scoped so two projects can share a folder)."""
    return f"{project}__{view_name}"


def _arrow_type(feast_type: Any, field: Any) -> pa.DataType:
    from feast.value_type import ValueType

    vt = feast_type.to_value_type()
    if getattr(field, "vector_index", False):
        if vt not in (ValueType.FLOAT_LIST, ValueType.DOUBLE_LIST):
            raise StoreError(
                f"vector field {field.name!r} must be Array(Float32), got {feast_type}")
        if not field.vector_length or field.vector_length <= 0:
            raise StoreError(f"vector field {field.name!r} needs vector_length > 0")
        return pa.list_(pa.float32(), int(field.vector_length))
    scalar = {
        ValueType.STRING: pa.string(),
        ValueType.BYTES: pa.binary(),
        ValueType.INT32: pa.int32(),
        ValueType.INT64: pa.int64(),
        ValueType.FLOAT: pa.float32(),
        ValueType.DOUBLE: pa.float64(),
        ValueType.BOOL: pa.bool_(),
        ValueType.UNIX_TIMESTAMP: TS_TYPE,
    }
    lists = {
        ValueType.STRING_LIST: pa.string(),
        ValueType.INT32_LIST: pa.int32(),
        ValueType.INT64_LIST: pa.int64(),
        ValueType.FLOAT_LIST: pa.float32(),
        ValueType.DOUBLE_LIST: pa.float64(),
        ValueType.BOOL_LIST: pa.bool_(),
    }
    if vt in scalar:
        return scalar[vt]
    if vt in lists:
        return pa.list_(lists[vt])
    raise StoreError(f"feature {field.name!r}: type {feast_type} is not supported by the "
                     "LanceDB online store")


def layout(project: str, view: FeatureView) -> ViewLayout:
    """Derive the table layout of ``view``; raises StoreError for unsupported views."""
    keys = [c.name for c in view.entity_columns]
    if len(keys) != 1:
        raise StoreError(
            f"feature view {view.name!r} has join keys {keys}; the LanceDB online store "
            "supports exactly one join key (e.g. asin)")
    key = keys[0]
    fields = [pa.field(key, pa.string(), nullable=False)]
    vector: VectorSpec | None = None
    names: list[str] = []
    for f in view.features:
        if f.name in (key, EVENT_TS, CREATED_TS):
            raise StoreError(f"feature view {view.name!r}: feature name {f.name!r} is reserved")
        fields.append(pa.field(f.name, _arrow_type(f.dtype, f)))
        names.append(f.name)
        if getattr(f, "vector_index", False):
            if vector is not None:
                raise StoreError(f"feature view {view.name!r} has more than one vector field")
            vector = VectorSpec(f.name, int(f.vector_length),
                                (f.vector_search_metric or "cosine").lower())
    fields += [pa.field(EVENT_TS, TS_TYPE), pa.field(CREATED_TS, TS_TYPE)]
    return ViewLayout(table_name(project, view.name), key, tuple(names), pa.schema(fields), vector)


def protos_to_arrow(lay: ViewLayout, view: FeatureView, rows: list) -> pa.Table:
    """Feast's ``(entity_key, {feature: ValueProto}, event_ts, created_ts)`` rows to Arrow.

    Values are converted column by column; missing features become NULL. Vectors arrive as
    Python lists and are cast to the fixed-size column later, after validation.
    """
    from feast.type_map import feast_value_type_to_python_type

    keys = []
    for entity_key, _, _, _ in rows:
        if list(entity_key.join_keys) != [lay.key]:
            raise StoreError(f"entity key {list(entity_key.join_keys)} does not match the "
                             f"join key {lay.key!r} of view {view.name!r}")
        keys.append(feast_value_type_to_python_type(entity_key.entity_values[0]))
    columns: dict[str, Any] = {lay.key: pa.array([None if k is None else str(k) for k in keys],
                                                 pa.string())}
    for name in lay.features:
        values = []
        for _, feats, _, _ in rows:
            proto = feats.get(name)
            values.append(None if proto is None else feast_value_type_to_python_type(proto))
        typ = lay.schema.field(name).type
        if pa.types.is_fixed_size_list(typ):
            typ = pa.list_(pa.float32())
        columns[name] = pa.array(values, typ)
    columns[EVENT_TS] = pa.array([r[2] for r in rows], TS_TYPE)
    columns[CREATED_TS] = pa.array([r[3] for r in rows], TS_TYPE)
    return pa.table(columns)


def arrow_to_protos(table: pa.Table, view: FeatureView, names: list[str]) -> dict[str, list]:
    """Columns of ``table`` as lists of ``ValueProto`` (NULL -> empty ValueProto)."""
    from feast.type_map import python_values_to_proto_values

    types = {f.name: f.dtype.to_value_type() for f in view.features}
    out: dict[str, list] = {}
    for name in names:
        column = table.column(name)
        if pa.types.is_fixed_size_list(column.type):
            column = column.cast(pa.list_(column.type.value_type))
        out[name] = python_values_to_proto_values(column.to_pylist(), types[name])
    return out
