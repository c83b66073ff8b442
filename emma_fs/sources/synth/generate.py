"""The ``generate()`` entry: stream a synthetic EMMa raw-source folder to disk, chunk by chunk.

Products are built in chunks of :data:`CHUNK_OBJECTS` with a random generator seeded by
``(seed, chunk)``, so the output depends only on ``(n_objects, seed, images)``, not on the
number of worker processes. Each chunk writes its own source files (UCSD 2018, Amazon 2023,
SP-API, image2mass, images) and returns its truth rows, appended in chunk order to
``truth/truth.parquet``. Memory stays bounded by one chunk per worker.
"""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emma_fs.errors import EmmaError
from emma_fs.progress import SILENT, Progress
from emma_fs.sources.synth import amazon2023, image2mass, images, material_model, spapi, truth, ucsd
from emma_fs.sources.synth import categories as categories_mod
from emma_fs.sources.synth.catalog import build_chunk, n_duplicates
from emma_fs.sources.synth.context import ChunkContext
from emma_fs.sources.synth.seed_categories import ARCHETYPES
from emma_fs.sources.synth.text import ListingText, brand_names

CHUNK_OBJECTS = 25_000
MAX_CHUNK_OBJECTS = 100_000  # listings per chunk must stay below ids.CODE_STRIDE
N_BRANDS = 3000
OUTPUT_FOLDERS = ("ucsd2018", "amazon2023", "spapi", "image2mass", "images", "truth")
WRITERS = (ucsd.write, amazon2023.write, spapi.write, image2mass.write, images.write)


def parse_images(images: str | int) -> int | None:
    """``"all"`` -> None (no limit), ``"none"`` -> 0, ``"N"``/N -> N listings with images."""
    if isinstance(images, int) and images >= 0:
        return images
    text = str(images).strip().lower()
    if text == "all":
        return None
    if text == "none":
        return 0
    if text.isdigit():
        return int(text)
    raise EmmaError(f"invalid --images value {images!r}",
                    hint="use 'all', 'none' or a number of listings N >= 0")


@lru_cache(maxsize=2)
def _world(seed: int, n_objects: int):  # noqa: ANN202 - private cache of shared models
    tree = categories_mod.build(seed, n_objects)
    mats = material_model.build()
    rng = np.random.default_rng([seed, 31])
    leaf_w = material_model.leaf_weights(
        mats, [ARCHETYPES[int(a)].materials for a in tree.leaf_archetype], rng)
    leaf_depth = np.array([len(tree.path(int(n))) for n in tree.leaves])
    return tree, mats, leaf_w, leaf_depth, brand_names(N_BRANDS)


def _run_chunk(args: tuple) -> tuple[dict[str, int], pa.Table]:
    out_dir, seed, n_total, index, n_objects, listing_offset, obj_offset, limit = args
    tree, mats, leaf_w, leaf_depth, brands = _world(seed, n_total)
    chunk = build_chunk(seed, index, n_objects, listing_offset, obj_offset, tree, mats, leaf_w,
                        leaf_depth, N_BRANDS)
    ctx = ChunkContext(chunk, ListingText(chunk, tree, mats, brands), tree, mats, Path(out_dir),
                       limit)
    counts: dict[str, int] = {"listings": chunk.n_listings}
    for writer in WRITERS:
        for key, value in writer(ctx).items():
            counts[key] = counts.get(key, 0) + value
    return counts, truth.table(ctx)


def generate(out_dir: Path, n_objects: int, seed: int = 0, images: str | int = "all",
             progress: Progress = SILENT, workers: int | None = None,
             chunk_objects: int = CHUNK_OBJECTS) -> dict:
    """Write a raw-source folder (docs/contracts.md section 1) for ``n_objects`` products.

    ``images``: ``"all"``, ``"none"`` (URLs stay in the records, no files) or N (only the
    first N listings' images). The six output sub-folders are replaced if they exist; other
    files in ``out_dir`` are left alone. ``workers`` (default: up to 4 CPUs) never changes the
    output; ``chunk_objects`` does (it fixes the random streams and file split). Returns
    summary counts.
    """
    if int(n_objects) < 1:
        raise EmmaError(f"--objects must be at least 1, got {n_objects}")
    if not 1 <= chunk_objects <= MAX_CHUNK_OBJECTS:
        raise EmmaError(f"chunk_objects must be in 1..{MAX_CHUNK_OBJECTS}, got {chunk_objects}")
    limit = parse_images(images)
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise EmmaError(f"output path {out_dir} exists and is not a folder")
    for name in OUTPUT_FOLDERS:
        shutil.rmtree(out_dir / name, ignore_errors=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    sizes = [min(chunk_objects, n_objects - s) for s in range(0, n_objects, chunk_objects)]
    listing_counts = [n + n_duplicates(seed, k, n) for k, n in enumerate(sizes)]
    obj_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    listing_offsets = np.concatenate([[0], np.cumsum(listing_counts)[:-1]]).astype(int)
    big = 2**62
    jobs = [(str(out_dir), seed, n_objects, k, sizes[k], int(listing_offsets[k]),
             int(obj_offsets[k]), big if limit is None else limit) for k in range(len(sizes))]
    if workers is None:
        workers = min(len(jobs), os.cpu_count() or 1, 4)
    totals: dict[str, int] = {}
    writer = None
    with progress.task("synth: generating objects", total=n_objects) as bar:
        if workers <= 1:
            results = map(_run_chunk, jobs)
            pool = None
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            results = pool.map(_run_chunk, jobs)
        try:
            for job, (counts, table) in zip(jobs, results, strict=True):
                if writer is None:
                    writer = pq.ParquetWriter(out_dir / "truth" / "truth.parquet", truth.SCHEMA)
                writer.write_table(table)
                for key, value in counts.items():
                    totals[key] = totals.get(key, 0) + value
                bar.advance(job[4])
        finally:
            if writer is not None:
                writer.close()
            if pool is not None:
                pool.shutdown()
    return {
        "out_dir": str(out_dir),
        "objects": n_objects,
        "seed": seed,
        "listings": totals.get("listings", 0),
        "ucsd2018_listings": totals.get("ucsd2018_listings", 0),
        "amazon2023_listings": totals.get("amazon2023_listings", 0),
        "spapi_listings": totals.get("spapi_listings", 0),
        "image2mass_listings": totals.get("image2mass_listings", 0),
        "ucsd2018_reviews": totals.get("ucsd2018_reviews", 0),
        "amazon2023_reviews": totals.get("amazon2023_reviews", 0),
        "files_written": totals.get("files", 0) + 1,
        "images_written": totals.get("images", 0),
        "seconds": round(time.perf_counter() - started, 2),
    }
