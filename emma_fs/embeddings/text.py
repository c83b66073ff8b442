"""``embed_text``: listing texts -> the ``text`` space (sentence-transformers, 384-d default).

Reads ``listing_text`` of the listings relation (``[embed] source``, see
:mod:`emma_fs.embeddings.inputs`), embeds new or changed listings only, upserts them into
LanceDB table ``text_embeddings`` and rewrites ``exports/embeddings/text.parquet``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.embeddings import inputs, skips, store
from emma_fs.embeddings.device import resolve_device, set_threads
from emma_fs.embeddings.incremental import EmbedResult, plan
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.text_encode import encode_texts
from emma_fs.embeddings.text_model import TextModel, load_text_model
from emma_fs.embeddings.writer import VectorWriter
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    from emma_fs.workspace import Workspace

SPACE = "text"


def load_for(ws: Workspace, settings: EmbedSettings) -> TextModel:
    """The text model the workspace settings name, on the resolved device."""
    set_threads(settings.threads)
    return load_text_model(settings.text_model, resolve_device(settings.device))


def embed_text(ws: Workspace, progress: Progress = SILENT, *,
               settings: EmbedSettings | None = None,
               model: TextModel | None = None) -> EmbedResult:
    """Embed new/changed ``listing_text`` of the listings relation into the ``text`` space.

    ``settings`` defaults to the workspace ``[embed]`` section; pass ``model`` to reuse an
    already loaded encoder (tests, benchmarks).
    """
    settings = settings or EmbedSettings.from_section(ws.section("embed"))
    started = time.perf_counter()
    con = db.connect(ws.duckdb_path)
    try:
        rows, skipped = inputs.listing_texts(
            con, inputs.resolve_source(con, settings.source))
        skip_reasons = skips.record(con, SPACE, skipped)
    finally:
        con.close()
    tm = model or load_for(ws, settings)
    stored = store.read_keys(store.open_table(store.connect(ws), SPACE))
    todo = plan(rows, stored, tm.name)
    writer = VectorWriter(ws, SPACE, tm.name, commit_every=settings.commit_every,
                          ann_index_min_rows=settings.ann_index_min_rows)
    progress.info(f"text: {todo.pending.num_rows} to embed, {todo.unchanged} unchanged")
    asins = todo.pending.column("asin").to_numpy(zero_copy_only=False)
    texts = todo.pending.column("text").to_pylist()
    hashes = todo.pending.column("content_hash").to_numpy(zero_copy_only=False)
    step = settings.commit_every
    if texts:
        tm.model  # noqa: B018 - load the weights before timing
    embed_started = time.perf_counter()
    with progress.task("embed text", total=len(texts)) as handle:
        for start in range(0, len(texts), step):
            vectors = encode_texts(tm, texts[start:start + step],
                                   batch_size=settings.text_batch_size,
                                   precision=settings.precision, handle=handle)
            writer.add(asins[start:start + step], vectors, hashes[start:start + step])
    embed_seconds = time.perf_counter() - embed_started
    rows_in_table, export = writer.close(todo.stale)
    return EmbedResult(
        space=SPACE, model=tm.name, inputs=rows.num_rows, embedded=len(texts),
        unchanged=todo.unchanged, deleted=len(todo.stale), skipped=skipped.num_rows,
        skip_reasons=skip_reasons, rows_in_table=rows_in_table,
        seconds=round(time.perf_counter() - started, 3),
        items_per_second=round(len(texts) / embed_seconds, 1) if texts else 0.0,
        export=export)
