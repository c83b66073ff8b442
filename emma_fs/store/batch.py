"""Turn an incoming Arrow table into rows the online store can upsert safely.

Guarantees (each tested): every chunk of a multi-chunk table is kept; duplicate entity rows
collapse to the latest ``event_ts`` (then ``created_ts``); a NULL key, a NULL vector or a vector
of the wrong length raises :class:`StoreError` naming the ASIN instead of being dropped.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emma_fs.errors import StoreError
from emma_fs.store.schema import CREATED_TS, EVENT_TS, TS_TYPE, ViewLayout


def _first_bad(keys: pa.ChunkedArray, mask: np.ndarray) -> str:
    bad = keys.filter(pa.array(mask)).slice(0, 3).to_pylist()
    n = int(mask.sum())
    return ", ".join(map(str, bad)) + (f" and {n - len(bad)} more" if n > len(bad) else "")


def _fixed_vectors(lay: ViewLayout, data: pa.Table, view_name: str) -> pa.Array:
    """Validate and cast the vector column to ``fixed_size_list<float32>[D]``."""
    assert lay.vector is not None
    name, dim = lay.vector.name, lay.vector.dim
    column = data.column(name).combine_chunks()
    keys = data.column(lay.key)
    nulls = column.is_null().to_numpy(zero_copy_only=False)
    if nulls.any():
        raise StoreError(f"view {view_name!r}: NULL vector for ASIN {_first_bad(keys, nulls)}",
                         hint="export only rows that have an embedding")
    if pa.types.is_fixed_size_list(column.type):
        lengths = np.full(len(column), column.type.list_size)
    elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    else:
        raise StoreError(f"view {view_name!r}: column {name!r} is {column.type}, not a vector")
    wrong = lengths != dim
    if wrong.any():
        raise StoreError(
            f"view {view_name!r}: vector of length {int(lengths[wrong][0])} instead of {dim} "
            f"for ASIN {_first_bad(keys, wrong)}")
    values = pc.list_flatten(column).cast(pa.float32())
    if values.null_count:
        raise StoreError(f"view {view_name!r}: vector with NULL components")
    return pa.FixedSizeListArray.from_arrays(values, dim)


def latest_per_key(data: pa.Table, key: str) -> pa.Table:
    """Keep one row per key: the latest ``event_ts``, ties broken by the latest ``created_ts``."""
    if data.num_rows < 2 or pc.count_distinct(data.column(key)).as_py() == data.num_rows:
        return data
    order = pc.sort_indices(data, sort_keys=[(key, "ascending", "at_end"),
                                             (EVENT_TS, "descending", "at_end"),
                                             (CREATED_TS, "descending", "at_end")])
    data = data.take(order)
    keys = data.column(key).combine_chunks()
    first = np.ones(len(keys), dtype=bool)
    first[1:] = pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1)).to_numpy(
        zero_copy_only=False)
    return data.filter(pa.array(first)) if not first.all() else data


def prepare(lay: ViewLayout, data: pa.Table, view_name: str) -> pa.Table:
    """Conform ``data`` to the view's table schema, validated and deduplicated."""
    missing = [c for c in (lay.key, *lay.features, EVENT_TS) if c not in data.column_names]
    if missing:
        raise StoreError(f"view {view_name!r}: rows to write lack columns {missing}")
    if data.column(lay.key).null_count:
        raise StoreError(f"view {view_name!r}: {data.column(lay.key).null_count} rows have a "
                         f"NULL {lay.key}")
    if CREATED_TS not in data.column_names:
        data = data.append_column(CREATED_TS, pa.nulls(data.num_rows, TS_TYPE))
    columns = []
    for field in lay.schema:
        if lay.vector is not None and field.name == lay.vector.name:
            columns.append(_fixed_vectors(lay, data, view_name))
            continue
        column = data.column(field.name)
        if pa.types.is_timestamp(field.type) and pa.types.is_timestamp(column.type) \
                and column.type.tz is None:
            column = pc.assume_timezone(column, "UTC")  # tz-naive means UTC (Feast's rule)
        try:
            columns.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise StoreError(f"view {view_name!r}: column {field.name!r} of type {column.type} "
                             f"cannot be stored as {field.type}: {exc}") from exc
    table = pa.Table.from_arrays(columns, schema=lay.schema)
    return latest_per_key(table, lay.key)
