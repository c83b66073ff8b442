"""LanceDB vector tables of the embedding spaces and their Parquet exports for Feast.

Table ``<space>_embeddings`` (space = text | image | review), one row per ASIN::

    asin VARCHAR, vector fixed_size_list<float32>[D], model VARCHAR ("name@version"),
    content_hash VARCHAR, embedded_at timestamp[us, UTC]

Rows are upserted with ``merge_insert("asin")`` and the updated+inserted count is checked
against the batch size. A BTREE index on ``asin`` is created with the table; an ANN index
(IVF_FLAT, cosine) is built once the table holds more than ``ann_index_min_rows`` rows, and
``optimize()`` folds later writes into it. After every run
``exports/embeddings/<space>.parquet`` (asin, vector list<float32>, model, event_timestamp =
embedded_at, UTC) is rewritten from the table so the offline store and LanceDB stay in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.errors import NotFound, StoreError

if TYPE_CHECKING:
    import lancedb
    import numpy as np
    import pyarrow as pa

    from emma_fs.workspace import Workspace


def table_name(space: str) -> str:
    """LanceDB table name of an embedding space (``text`` -> ``text_embeddings``)."""
    return f"{space}_embeddings"


def export_path(ws: Workspace, space: str) -> Path:
    """Parquet export read by Feast's offline store."""
    return ws.exports_dir / "embeddings" / f"{space}.parquet"


def schema(dim: int) -> pa.Schema:
    """Arrow schema of a vector table with ``dim``-dimensional vectors."""
    import pyarrow as pa

    return pa.schema([
        pa.field("asin", pa.string(), nullable=False),
        pa.field("vector", pa.list_(pa.float32(), dim)),
        pa.field("model", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("embedded_at", pa.timestamp("us", tz="UTC")),
    ])


def connect(ws: Workspace) -> lancedb.DBConnection:
    """Open the workspace LanceDB folder (created if missing)."""
    import lancedb

    ws.lancedb_path.mkdir(parents=True, exist_ok=True)
    return lancedb.connect(str(ws.lancedb_path))


def _existing_names(db: lancedb.DBConnection) -> set[str]:
    listed = db.list_tables()
    names = getattr(listed, "tables", listed)
    return set(names)


def open_table(db: lancedb.DBConnection, space: str) -> lancedb.table.Table | None:
    """The space's table, or ``None`` when it was never written."""
    name = table_name(space)
    return db.open_table(name) if name in _existing_names(db) else None


def vector_dim(table: lancedb.table.Table) -> int:
    """Dimension of the table's fixed-size vector column."""
    return table.schema.field("vector").type.list_size


def read_keys(table: lancedb.table.Table | None) -> pa.Table:
    """``(asin, content_hash, model)`` of every stored vector (empty when no table)."""
    import pyarrow as pa

    if table is None:
        return pa.table({"asin": pa.array([], pa.string()),
                         "content_hash": pa.array([], pa.string()),
                         "model": pa.array([], pa.string())})
    return table.to_arrow().select(["asin", "content_hash", "model"])


def ensure_table(db: lancedb.DBConnection, space: str, dim: int) -> lancedb.table.Table:
    """Open the space's table, creating it (with the BTREE asin index) or recreating it when
    the stored vectors have another dimension (a different model replaces them all)."""
    from lancedb.index import BTree

    table = open_table(db, space)
    if table is not None and vector_dim(table) == dim:
        return table
    table = db.create_table(table_name(space), schema=schema(dim), mode="overwrite")
    table.create_index("asin", config=BTree())
    return table


def to_batch(asins: list[str] | np.ndarray, vectors: np.ndarray, model: str,
             content_hashes: list[str] | np.ndarray) -> pa.Table:
    """Arrow rows for :func:`upsert` (``vectors``: float32 matrix, one row per ASIN)."""
    from datetime import UTC, datetime

    import numpy as np
    import pyarrow as pa

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    now = datetime.now(UTC)
    return pa.table({
        "asin": pa.array(asins, pa.string()),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dim),
        "model": pa.array([model] * n, pa.string()),
        "content_hash": pa.array(content_hashes, pa.string()),
        "embedded_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
    }, schema=schema(dim))


def upsert(table: lancedb.table.Table, batch: pa.Table) -> None:
    """Insert or replace rows by ASIN; fail loudly if LanceDB touched another number of rows."""
    if batch.num_rows == 0:
        return
    try:
        result = (table.merge_insert("asin").when_matched_update_all()
                  .when_not_matched_insert_all().execute(batch))
    except ValueError as exc:  # e.g. "Ambiguous merge inserts": the same ASIN twice
        raise StoreError(f"LanceDB upsert into {table.name} failed: {exc}",
                         hint="each ASIN may appear once per batch") from exc
    touched = result.num_updated_rows + result.num_inserted_rows
    if touched != batch.num_rows:
        raise StoreError(f"LanceDB upsert into {table.name} touched {touched} rows for a batch "
                         f"of {batch.num_rows}", hint="check for duplicate ASINs in the input")


def delete_asins(table: lancedb.table.Table, asins: list[str], chunk: int = 2000) -> None:
    """Remove vectors of ASINs that left the input (in chunks to bound filter size)."""
    for start in range(0, len(asins), chunk):
        quoted = ", ".join("'" + a.replace("'", "''") + "'" for a in asins[start:start + chunk])
        table.delete(f"asin IN ({quoted})")


def maintain_indexes(table: lancedb.table.Table, ann_index_min_rows: int) -> None:
    """Build the ANN index once the table is large; otherwise fold new rows into indexes."""
    rows = table.count_rows()
    has_vector_index = any("vector" in idx.columns for idx in table.list_indices())
    if not has_vector_index and ann_index_min_rows and rows > ann_index_min_rows:
        from lancedb.index import IvfFlat

        table.create_index("vector", config=IvfFlat(distance_type="cosine"))
    table.optimize()


def export_parquet(ws: Workspace, space: str, table: lancedb.table.Table) -> Path:
    """Rewrite ``exports/embeddings/<space>.parquet`` from the table (atomic replace)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data = table.to_arrow().select(["asin", "vector", "model", "embedded_at"])
    vectors = pc.cast(data.column("vector"), pa.list_(pa.float32()))
    out = pa.table({
        "asin": data.column("asin"),
        "vector": vectors,
        "model": data.column("model"),
        "event_timestamp": data.column("embedded_at"),
    })
    path = export_path(ws, space)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(out.combine_chunks(), tmp)
    tmp.replace(path)
    return path


def read_vectors(ws: Workspace, space: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """All ``(asins, vectors float32 [n, D], distinct models)`` of a space."""
    import numpy as np

    table = open_table(connect(ws), space)
    if table is None:
        command = "reviews" if space == "review" else space
        raise NotFound(f"no {space} embeddings in {ws.lancedb_path}",
                       hint=f"run `emma-fs embed {command}` first")
    data = table.to_arrow().select(["asin", "vector", "model"])
    dim = vector_dim(table)
    asins = np.asarray(data.column("asin").to_pylist(), dtype=object)
    vectors = data.column("vector").combine_chunks()
    values = vectors.flatten().to_numpy() if len(vectors) else np.zeros(0, np.float32)
    models = sorted(set(data.column("model").unique().to_pylist()))
    return asins, np.array(values.reshape(-1, dim), dtype=np.float32), models
