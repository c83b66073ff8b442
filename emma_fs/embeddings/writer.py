"""Writes one run's vectors into a space's LanceDB table and keeps the export in step.

:class:`VectorWriter` buffers embedded rows and upserts them every ``commit_every`` rows (a
crash loses at most one buffer; finished rows are not re-embedded next time). ``close()``
deletes stale ASINs, maintains the indexes and rewrites the Parquet export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emma_fs.embeddings import store

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from emma_fs.workspace import Workspace


class VectorWriter:
    """Buffered upserts of ``(asin, vector, content_hash)`` rows for one model."""

    def __init__(self, ws: Workspace, space: str, model: str, *,
                 commit_every: int, ann_index_min_rows: int) -> None:
        self.ws, self.space, self.model = ws, space, model
        self.commit_every, self.ann_index_min_rows = commit_every, ann_index_min_rows
        self._db = store.connect(ws)
        self.table = store.open_table(self._db, space)  # (re)created on the first write
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self.written = 0

    def add(self, asins: list[str] | np.ndarray, vectors: np.ndarray,
            content_hashes: list[str] | np.ndarray) -> None:
        """Queue rows; commits when the buffer is full."""
        batch = store.to_batch(asins, vectors, self.model, content_hashes)
        self._buffer.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= self.commit_every:
            self.flush()

    def flush(self) -> None:
        """Upsert the buffered rows now."""
        import pyarrow as pa

        if not self._buffer:
            return
        dim = self._buffer[0].schema.field("vector").type.list_size
        if self.written == 0:
            self.table = store.ensure_table(self._db, self.space, dim)
        store.upsert(self.table, pa.concat_tables(self._buffer).combine_chunks())
        self.written += self._buffered
        self._buffer, self._buffered = [], 0

    def close(self, stale: list[str]) -> tuple[int, str]:
        """Flush, delete ``stale`` ASINs, maintain indexes, export; returns (rows, export)."""
        self.flush()
        if self.table is None:
            return 0, ""
        if stale:
            store.delete_asins(self.table, stale)
        if self.written or stale:
            store.maintain_indexes(self.table, self.ann_index_min_rows)
        path = store.export_path(self.ws, self.space)
        if self.written or stale or not path.exists():
            store.export_parquet(self.ws, self.space, self.table)
        return self.table.count_rows(), str(path)
