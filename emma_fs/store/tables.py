"""LanceDB operations of the online store: open, upsert, index upkeep, point reads, search.

Connections are cached per folder and opened with a ``read_consistency_interval`` so a reader in
another process sees a materialize as soon as it commits. Upserts go through
``merge_insert(key)`` with a guard that an older row never overwrites a newer one, and the
inserted + updated row count is checked against the batch (stale rows explained, never lost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from emma_fs.errors import StoreError
from emma_fs.store.filters import in_list
from emma_fs.store.schema import EVENT_TS, ViewLayout

if TYPE_CHECKING:
    import lancedb
    from lancedb.table import Table

_CONNECTIONS: dict[tuple[str, float | None], lancedb.DBConnection] = {}
# Open table handles per connection: opening costs a listing and a manifest read (~ms), and
# with a read_consistency_interval a handle sees later commits anyway.
_HANDLES: dict[tuple[int, str], Table] = {}


@dataclass(frozen=True)
class IndexPolicy:
    """When and how vector indexes are built (see LanceDBOnlineStoreConfig for meanings)."""

    min_rows: int = 5_000
    index_type: str = "auto"
    hnsw_min_rows: int = 2_000_000
    optimize_after_rows: int = 10_000
    nprobes: int = 20
    refine_factor: int | None = None
    ef: int | None = None


def connect(path: Path, consistency_s: float | None) -> lancedb.DBConnection:
    """A cached connection to the LanceDB folder ``path``."""
    import lancedb

    cache_key = (str(path), consistency_s)
    if cache_key not in _CONNECTIONS:
        interval = None if consistency_s is None else timedelta(seconds=consistency_s)
        _CONNECTIONS[cache_key] = lancedb.connect(str(path), read_consistency_interval=interval)
    return _CONNECTIONS[cache_key]


def forget(path: Path) -> None:
    """Drop cached connections to ``path`` (after teardown removed the folder)."""
    for key in [k for k in _CONNECTIONS if k[0] == str(path)]:
        _HANDLES.clear()
        del _CONNECTIONS[key]


def drop(db: lancedb.DBConnection, name: str) -> None:
    """Drop a table and forget its cached handle."""
    _HANDLES.pop((id(db), name), None)
    db.drop_table(name)


def evict(db: lancedb.DBConnection, name: str) -> None:
    """Forget a cached handle (e.g. after another process dropped the table)."""
    _HANDLES.pop((id(db), name), None)


def table_names(db: lancedb.DBConnection) -> list[str]:
    """All table names in the folder (paged API flattened)."""
    names: list[str] = []
    token = None
    while True:
        response = db.list_tables(page_token=token)
        names.extend(response.tables)
        token = response.page_token
        if not token:
            return names


def open_or_create(db: lancedb.DBConnection, lay: ViewLayout) -> Table:
    """Open the view's table, creating it empty; a schema change recreates it (Feast's
    ``update`` semantics: the view changed, its online rows must be re-materialized)."""
    table = open_existing(db, lay)
    if table is not None:
        if table.schema.equals(lay.schema, check_metadata=False):
            return table
        drop(db, lay.table_name)
    table = db.create_table(lay.table_name, schema=lay.schema)
    _HANDLES[(id(db), lay.table_name)] = table
    return table


def open_existing(db: lancedb.DBConnection, lay: ViewLayout) -> Table | None:
    """The view's table, or None when it was never created (nothing materialized yet)."""
    key = (id(db), lay.table_name)
    if key not in _HANDLES:
        if lay.table_name not in table_names(db):
            return None
        _HANDLES[key] = db.open_table(lay.table_name)
    return _HANDLES[key]


def upsert(table: Table, lay: ViewLayout, rows: pa.Table) -> dict[str, int]:
    """Merge ``rows`` (already prepared: one row per key) into ``table`` by key.

    A stored row with a later ``event_ts`` is kept. Returns inserted/updated/stale counts and
    raises StoreError when they do not add up to the batch size.
    """
    if rows.num_rows == 0:
        return {"inserted": 0, "updated": 0, "stale": 0}
    result = (table.merge_insert(lay.key)
              .when_matched_update_all(where=f"target.{EVENT_TS} <= source.{EVENT_TS}")
              .when_not_matched_insert_all()
              .execute(rows))
    written = result.num_inserted_rows + result.num_updated_rows
    stale = 0
    if written != rows.num_rows:
        stale = _count_stale(table, lay, rows)
        if written + stale != rows.num_rows:
            raise StoreError(
                f"upsert into {lay.table_name} wrote {written} of {rows.num_rows} rows "
                f"({stale} older than stored rows); the rest were lost",
                hint="re-run with --full; report this LanceDB bug")
    return {"inserted": result.num_inserted_rows, "updated": result.num_updated_rows,
            "stale": stale}


def _count_stale(table: Table, lay: ViewLayout, rows: pa.Table) -> int:
    """How many rows of the batch are older than what the table already holds."""
    import pyarrow.compute as pc

    stored = read_keys(table, lay, rows.column(lay.key).to_pylist(), [EVENT_TS])
    joined = rows.select([lay.key, EVENT_TS]).join(
        stored.rename_columns([lay.key, "stored_ts"]), lay.key)
    return int(pc.sum(pc.less(joined.column(EVENT_TS), joined.column("stored_ts"))).as_py()
               or 0)


def replace_all(db: lancedb.DBConnection, lay: ViewLayout,
                rows: pa.Table | pa.RecordBatchReader) -> Table:
    """Recreate the view's table holding exactly ``rows`` (the ``--full`` rebuild)."""
    table = db.create_table(lay.table_name, data=rows, schema=lay.schema, mode="overwrite")
    _HANDLES[(id(db), lay.table_name)] = table
    return table


def read_keys(table: Table, lay: ViewLayout, keys: list[str], columns: list[str],
              chunk: int = 5_000) -> pa.Table:
    """Rows for ``keys`` (BTREE point lookups), only ``columns`` plus the key."""
    select = [lay.key, *[c for c in columns if c != lay.key]]
    parts = []
    for start in range(0, len(keys), chunk):
        part = keys[start:start + chunk]
        parts.append(table.search().where(in_list(lay.key, part))
                     .select(select).limit(len(part)).to_arrow())
    if not parts:
        return pa.table({c: pa.array([], table.schema.field(c).type) for c in select})
    return pa.concat_tables(parts)


def all_keys(table: Table, lay: ViewLayout) -> pa.Array:
    """Every key in the table."""
    n = table.count_rows()
    if n == 0:
        return pa.array([], pa.string())
    return table.search().select([lay.key]).limit(n).to_arrow().column(lay.key).combine_chunks()


def delete_keys(table: Table, lay: ViewLayout, keys: list[str], chunk: int = 5_000) -> int:
    """Delete the rows of ``keys``; returns how many rows went."""
    before = table.count_rows()
    for start in range(0, len(keys), chunk):
        table.delete(in_list(lay.key, keys[start:start + chunk]))
    return before - table.count_rows()


def _index_kind(rows: int, policy: IndexPolicy) -> str:
    if policy.index_type != "auto":
        return policy.index_type
    return "IVF_HNSW_SQ" if rows >= policy.hnsw_min_rows else "IVF_FLAT"


def _vector_config(kind: str, metric: str, rows: int) -> Any:
    """LanceDB index config; k-means trained on a 64-per-partition sample, 20 iterations
    (the defaults, 256 and 50, take ~10x longer to build for no measurable recall gain)."""
    from lancedb.index import IvfFlat, IvfHnswSq, IvfPq

    distance = {"cosine": "cosine", "l2": "l2", "dot": "dot"}.get(metric, "cosine")
    options = {"distance_type": distance, "num_partitions": max(1, int(math.sqrt(rows))),
               "max_iterations": 20, "sample_rate": 64}
    if kind == "IVF_FLAT":
        return IvfFlat(**options)
    if kind == "IVF_HNSW_SQ":
        options["num_partitions"] = max(1, rows // 1_000_000)
        return IvfHnswSq(**options)
    if kind == "IVF_PQ":
        return IvfPq(**options)
    raise StoreError(f"unknown vector index type {kind!r}")


def vector_index(table: Table, column: str) -> Any | None:
    """The vector index config on ``column``, if any."""
    for idx in table.list_indices():
        if list(idx.columns) == [column] and "btree" not in str(idx.index_type).lower():
            return idx
    return None


def maintain(table: Table, lay: ViewLayout, written: int, policy: IndexPolicy) -> list[str]:
    """Keep indexes useful after a write of ``written`` rows; returns what was done.

    BTREE on the key once rows exist; a vector index once the table reaches ``min_rows``:
    IVF_FLAT (exact distances inside sqrt(N) partitions: recall ~1.0, builds in seconds to
    minutes) below ``hnsw_min_rows``, IVF_HNSW_SQ above, where scanning nprobes flat partitions
    grows too slow. Rebuilt when unindexed rows outnumber indexed ones 3:1; ``optimize()``
    (compaction + folding new rows into the indexes) after large writes.
    """
    done: list[str] = []
    n = table.count_rows()
    if n == 0:
        return done
    indexed = {tuple(i.columns) for i in table.list_indices()}
    if (lay.key,) not in indexed:
        from lancedb.index import BTree

        table.create_index(lay.key, config=BTree())
        done.append(f"btree({lay.key})")
    if lay.vector is not None and policy.index_type != "none" and n >= policy.min_rows:
        current = vector_index(table, lay.vector.name)
        indexed = (getattr(current, "num_indexed_rows", 0) or 0) if current else 0
        if current is None or n >= 4 * max(indexed, 1):
            kind = _index_kind(n, policy)
            table.create_index(lay.vector.name, config=_vector_config(kind, lay.vector.metric, n),
                               replace=True)
            done.append(f"{kind.lower()}({lay.vector.name}, {n} rows)")
            written = 0  # a fresh index covers every row
    if written >= policy.optimize_after_rows:
        table.optimize()
        done.append("optimize")
    return done
