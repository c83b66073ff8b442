"""``embed_images``: listing images -> the ``image`` space (sum of per-image features).

Reads ``image_paths`` of the listings relation (``[embed] source``, see
:mod:`emma_fs.embeddings.inputs`); for every new or changed listing each existing image
file is decoded (DataLoader workers), passed through the timm backbone, and the listing's
vector is the SUM of its images' pooled features (paper 3.2). Listings without a usable image
get no vector and a row in ``embedding_skips``. Stored in LanceDB ``image_embeddings`` and
exported to ``exports/embeddings/image.parquet``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.embeddings import inputs, skips, store
from emma_fs.embeddings.device import autocast, resolve_device, set_threads
from emma_fs.embeddings.image_data import ImageFiles, loader
from emma_fs.embeddings.image_model import ImageModel, load_image_model
from emma_fs.embeddings.incremental import EmbedResult, plan
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.writer import VectorWriter
from emma_fs.progress import SILENT, Progress, TaskHandle

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from emma_fs.workspace import Workspace

SPACE = "image"


def load_for(ws: Workspace, settings: EmbedSettings) -> ImageModel:
    """The image backbone the workspace settings name, on the resolved device."""
    set_threads(settings.threads)
    return load_image_model(settings.image_model, settings.image_checkpoint,
                            resolve_device(settings.device), settings.image_size)


def sum_features(im: ImageModel, paths: list[str], owners: np.ndarray, n_listings: int, *,
                 settings: EmbedSettings, handle: TaskHandle | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per listing: (sum of image features [n, D] float32, usable images, undecodable images)."""
    import torch

    dataset = ImageFiles(paths, owners, im.transform, im.input_size)
    sums = torch.zeros((n_listings, im.dim), dtype=torch.float32)
    good = torch.zeros(n_listings, dtype=torch.int64)
    bad = torch.zeros(n_listings, dtype=torch.int64)
    batches = loader(dataset, batch_size=settings.image_batch_size,
                     num_workers=settings.num_workers, pin_memory=im.device == "cuda")
    with autocast(im.device, settings.precision):
        for images, idx, ok in batches:
            bad.index_add_(0, idx[~ok], torch.ones(int((~ok).sum()), dtype=torch.int64))
            if ok.any():
                feats = im.model(images[ok].to(im.device, non_blocking=True))
                sums.index_add_(0, idx[ok], feats.float().cpu())
                good.index_add_(0, idx[ok], torch.ones(int(ok.sum()), dtype=torch.int64))
            if handle is not None:
                handle.advance(len(idx))
    return sums.numpy(), good.numpy(), bad.numpy()


def _skip_table(asins: np.ndarray, bad: np.ndarray) -> pa.Table:
    import pyarrow as pa

    return pa.table({"asin": pa.array(asins.tolist(), pa.string()),
                     "reason": pa.array([f"undecodable images: {n}" for n in bad], pa.string())})


def embed_images(ws: Workspace, progress: Progress = SILENT, *,
                 settings: EmbedSettings | None = None,
                 model: ImageModel | None = None) -> EmbedResult:
    """Embed the images of new/changed listings into the ``image`` space."""
    import pyarrow as pa
    import pyarrow.compute as pc

    settings = settings or EmbedSettings.from_section(ws.section("embed"))
    started = time.perf_counter()
    con = db.connect(ws.duckdb_path)
    try:
        listings, files, skipped = inputs.listing_images(
            con, inputs.resolve_source(con, settings.source))
        im = model or load_for(ws, settings)
        stored = store.read_keys(store.open_table(store.connect(ws), SPACE))
        todo = plan(listings, stored, im.name)
        writer = VectorWriter(ws, SPACE, im.name, commit_every=settings.commit_every,
                              ann_index_min_rows=settings.ann_index_min_rows)
        pending_files = files.filter(pc.is_in(files.column("asin"),
                                              value_set=todo.pending.column("asin")))
        progress.info(f"image: {todo.pending.num_rows} listings ({pending_files.num_rows} "
                      f"images) to embed, {todo.unchanged} unchanged")
        failed: list[pa.Table] = []
        embedded = 0
        if pending_files.num_rows:
            im.model  # noqa: B018 - load the weights before timing
        embed_started = time.perf_counter()
        with progress.task("embed images", total=pending_files.num_rows) as handle:
            for start in range(0, todo.pending.num_rows, settings.commit_every):
                part = todo.pending.slice(start, settings.commit_every)
                part_asins = part.column("asin").combine_chunks()
                part_files = pending_files.filter(
                    pc.is_in(pending_files.column("asin"), value_set=part_asins))
                owners = pc.index_in(part_files.column("asin"), value_set=part_asins)
                sums, good, bad = sum_features(
                    im, part_files.column("path").to_pylist(),
                    owners.to_numpy(zero_copy_only=False), part.num_rows,
                    settings=settings, handle=handle)
                asins = part_asins.to_numpy(zero_copy_only=False)
                hashes = part.column("content_hash").to_numpy(zero_copy_only=False)
                usable = good > 0
                writer.add(asins[usable], sums[usable], hashes[usable])
                failed.append(_skip_table(asins[~usable], bad[~usable]))
                embedded += int(usable.sum())
        embed_seconds = time.perf_counter() - embed_started
        all_skipped = pa.concat_tables([skipped, *failed])
        skip_reasons = skips.record(con, SPACE, all_skipped)
    finally:
        con.close()
    # a listing whose every image became undecodable must lose its old vector
    stale = todo.stale + [a for f in failed for a in f.column("asin").to_pylist()]
    rows_in_table, export = writer.close(stale)
    return EmbedResult(
        space=SPACE, model=im.name, inputs=listings.num_rows, embedded=embedded,
        unchanged=todo.unchanged, deleted=len(todo.stale), skipped=all_skipped.num_rows,
        skip_reasons=skip_reasons, rows_in_table=rows_in_table,
        seconds=round(time.perf_counter() - started, 3),
        items_per_second=round(pending_files.num_rows / embed_seconds, 1)
        if pending_files.num_rows else 0.0,
        export=export)
