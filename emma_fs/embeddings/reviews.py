"""``embed_reviews``: review texts -> the ``review`` space, mean-pooled per listing.

Every non-empty ``review_texts.review_text`` of a new or changed listing is encoded with the
text model; the listing's vector is the mean of its reviews' vectors. Stored in LanceDB table
``review_embeddings`` and exported to ``exports/embeddings/review.parquet``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.embeddings import inputs, store
from emma_fs.embeddings.incremental import EmbedResult, plan
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.text import load_for
from emma_fs.embeddings.text_encode import encode_texts
from emma_fs.embeddings.writer import VectorWriter
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from emma_fs.embeddings.text_model import TextModel
    from emma_fs.workspace import Workspace

SPACE = "review"


def mean_pool(codes: np.ndarray, vectors: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``vectors`` rows per group code ``0..n_groups-1`` (every group non-empty)."""
    import numpy as np

    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sums = np.add.reduceat(vectors[order].astype(np.float64), starts, axis=0)
    counts = np.diff(np.r_[starts, len(codes)])
    out = np.zeros((n_groups, vectors.shape[1]), dtype=np.float32)
    out[sorted_codes[starts]] = sums / counts[:, None]
    return out


def _group_codes(review_asins: pa.ChunkedArray, group_asins: pa.Array) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.index_in(review_asins, value_set=group_asins).to_numpy(zero_copy_only=False)


def embed_reviews(ws: Workspace, progress: Progress = SILENT, *,
                  settings: EmbedSettings | None = None,
                  model: TextModel | None = None, group_size: int = 20_000) -> EmbedResult:
    """Embed the reviews of new/changed listings, mean-pooled per ASIN."""
    settings = settings or EmbedSettings.from_section(ws.section("embed"))
    started = time.perf_counter()
    con = db.connect(ws.duckdb_path)
    try:
        groups = inputs.review_groups(con)
        tm = model or load_for(ws, settings)
        stored = store.read_keys(store.open_table(store.connect(ws), SPACE))
        todo = plan(groups, stored, tm.name)
        writer = VectorWriter(ws, SPACE, tm.name, commit_every=settings.commit_every,
                              ann_index_min_rows=settings.ann_index_min_rows)
        n_reviews = int(todo.pending.column("n_reviews").to_numpy().sum()) \
            if todo.pending.num_rows else 0
        progress.info(f"reviews: {todo.pending.num_rows} listings ({n_reviews} reviews) to "
                      f"embed, {todo.unchanged} unchanged")
        if n_reviews:
            tm.model  # noqa: B018 - load the weights before timing
        embed_started = time.perf_counter()
        with progress.task("embed reviews", total=n_reviews) as handle:
            for start in range(0, todo.pending.num_rows, group_size):
                part = todo.pending.slice(start, group_size)
                reviews = inputs.reviews_of(con, part.column("asin").combine_chunks())
                vectors = encode_texts(tm, reviews.column("review_text").to_pylist(),
                                       batch_size=settings.text_batch_size,
                                       precision=settings.precision, handle=handle)
                codes = _group_codes(reviews.column("asin"), part.column("asin").combine_chunks())
                pooled = mean_pool(codes, vectors, part.num_rows)
                writer.add(part.column("asin").to_numpy(zero_copy_only=False), pooled,
                           part.column("content_hash").to_numpy(zero_copy_only=False))
        embed_seconds = time.perf_counter() - embed_started
    finally:
        con.close()
    rows_in_table, export = writer.close(todo.stale)
    return EmbedResult(
        space=SPACE, model=tm.name, inputs=groups.num_rows, embedded=todo.pending.num_rows,
        unchanged=todo.unchanged, deleted=len(todo.stale), rows_in_table=rows_in_table,
        seconds=round(time.perf_counter() - started, 3),
        items_per_second=round(n_reviews / embed_seconds, 1) if n_reviews else 0.0,
        export=export)
