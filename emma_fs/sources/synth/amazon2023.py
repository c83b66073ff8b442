"""Amazon Reviews 2023 metadata and reviews (JSON lines, gzip), keyed by ``parent_asin``.

Files: ``amazon2023/meta_{A|B}_{chunk}.jsonl.gz`` (file A has ``details`` as a dict, file B as
the same dict serialised to a JSON *string*) and ``amazon2023/reviews_{chunk}.jsonl.gz``.
Images are lists of ``{thumb, large, hi_res, variant}``; price is a number or null.
"""

from __future__ import annotations

import json

import numpy as np

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import A2023
from emma_fs.sources.synth.context import ChunkContext, write_lines
from emma_fs.sources.synth.reviews import ReviewBatch
from emma_fs.sources.synth.reviews import sample as sample_reviews
from emma_fs.sources.synth.text import review_text

_T0, _T1 = 1_262_304_000, 1_693_526_400  # 2010-01-01 .. 2023-09-01


def _images(ids: list[str]) -> list[dict]:
    return [{"thumb": formats.image_url(x, 1), "large": formats.image_url(x),
             "variant": "MAIN" if k == 0 else f"PT{k:02d}",
             "hi_res": formats.image_url(x, 2) if k % 3 != 2 else None}
            for k, x in enumerate(ids)]


def record(ctx: ChunkContext, i: int, details_as_string: bool, stars: list[int]) -> dict:
    """One 2023 metadata record for chunk listing ``i``; ``stars`` are its written reviews."""
    c, view, text = ctx.chunk, ctx.chunk.views[A2023], ctx.text
    obj = int(view.described[i])
    u = view.uniforms[i]
    path = text.category_path(obj)
    details: dict[str, str] = {}
    if view.has_dims[i]:
        details["Product Dimensions"] = formats.dims_text(c, obj)
    weight = formats.weight_text(view, i)
    if weight:
        details["Item Weight"] = weight
    material = ctx.material_text(i, A2023)
    if material:
        details["Material"] = material
    if u[12] < 0.8:
        details["Brand"] = text.brand(obj)
    if u[13] < 0.5:
        details["Date First Available"] = f"March {int(u[3] * 27) + 1}, {2010 + int(u[2] * 13)}"
    price = view.price_usd[i]
    return {
        "main_category": path[0] if u[5] < 0.9 else "AMAZON HOME",
        "title": "" if c.l_junk[i] == 1 else text.described_title(i, obj),
        "average_rating": round(float(np.mean(stars)), 1) if stars else None,
        "rating_number": len(stars) if stars else None,
        "features": text.features(i, obj, int(view.n_features[i])),
        "description": text.description(i, obj) if view.has_desc[i] else [],
        "price": None if np.isnan(price) else float(price),
        "images": _images(ctx.record_images(i, A2023)),
        "videos": [],
        "store": text.brand(obj) if u[14] < 0.85 else None,
        "categories": formats.category_list(path, int(view.cat_depth[i]), False)
        if view.has_cat[i] else [],
        "details": json.dumps(details) if details_as_string else details,
        "parent_asin": str(c.l_asin[i]),
        "bought_together": None,
    }


def _review(ctx: ChunkContext, batch: ReviewBatch, j: int) -> dict:
    c = ctx.chunk
    i = int(batch.listing[j])
    stars = int(batch.stars[j])
    body, summary = review_text(stars, ctx.text.noun(int(c.l_obj[i]), 0.0), float(batch.u[j]))
    asin = str(c.l_asin[i])
    return {"rating": float(stars), "title": summary, "text": body, "images": [],
            "asin": asin, "parent_asin": asin, "user_id": "AE" + str(batch.reviewer[j]) * 2,
            "timestamp": int(batch.unix_time[j]) * 1000 + int(batch.u[j] * 999),
            "helpful_vote": int(batch.votes[j]), "verified_purchase": bool(batch.verified[j])}


def write(ctx: ChunkContext) -> dict[str, int]:
    """Write the chunk's 2023-format metadata and review files; returns counts."""
    c = ctx.chunk
    batch = sample_reviews(ctx, A2023, _T0, _T1)
    stars_of: dict[int, list[int]] = {}
    for listing, s in zip(batch.listing.tolist(), batch.stars.tolist(), strict=True):
        stars_of.setdefault(listing, []).append(s)
    files: dict[str, list[str]] = {"A": [], "B": []}
    for i in ctx.listings_of(A2023):
        group = ctx.dept_group(int(c.l_obj[i]))
        rec = record(ctx, int(i), group == "B", stars_of.get(int(i), []))
        files[group].append(json.dumps(rec))
    out = ctx.out_dir / "amazon2023"
    n_files = 0
    for group, lines in files.items():
        if lines:
            write_lines(out / f"meta_{group}_{c.index:04d}.jsonl.gz", lines)
            n_files += 1
    lines = [json.dumps(_review(ctx, batch, j)) for j in range(len(batch.listing))]
    if lines:
        write_lines(out / f"reviews_{c.index:04d}.jsonl.gz", lines)
        n_files += 1
    return {"amazon2023_listings": sum(len(v) for v in files.values()),
            "amazon2023_reviews": len(lines), "files": n_files}
