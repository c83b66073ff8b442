"""SP-API Catalog Items 2022-04-01 ``Item`` records, one per line
(``spapi/items_{chunk}.jsonl.gz``).

Attributes are lists of ``{value, unit?, language_tag?, marketplace_id}`` (item_name, brand,
item_weight, item_package_weight, item/package dimensions, list_price, material, sometimes
bullet_point); plus productTypes, classifications (leaf-to-root ``parent`` chain), a single
MAIN image and summaries. No descriptions, no ratings (paper 3.1).
"""

from __future__ import annotations

import json

import numpy as np

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import SPAPI, SPAPI_UNITS
from emma_fs.sources.synth.context import ChunkContext, write_lines
from emma_fs.sources.synth.seed_categories import ARCHETYPES

MARKETPLACE = "ATVPDKIKX0DER"


def _text_attr(value: str) -> list[dict]:
    return [{"language_tag": "en_US", "value": value, "marketplace_id": MARKETPLACE}]


def _dims(d_cm: np.ndarray, metric: bool) -> list[dict]:
    vals = np.round(d_cm, 2) if metric else np.round(d_cm / formats.CM_PER_INCH, 2)
    unit = "centimeters" if metric else "inches"
    out = {k: {"unit": unit, "value": float(v)}
           for k, v in zip(("length", "width", "height"), vals, strict=True)}
    return [{**out, "marketplace_id": MARKETPLACE}]


def _classification(ctx: ChunkContext, obj: int, depth: int) -> dict:
    tree = ctx.tree
    node = int(tree.leaves[int(ctx.chunk.obj_leaf[obj])])
    chain = []
    while node >= 0:
        chain.append(node)
        node = tree.parents[node]
    chain = chain[::-1][:max(1, depth)][::-1]  # leaf (possibly truncated) .. root
    link: dict | None = None
    for n in reversed(chain):
        cur = {"displayName": tree.names[n], "classificationId": tree.node_id(n)}
        if link is not None:
            cur["parent"] = link
        link = cur
    return link or {}


def record(ctx: ChunkContext, i: int) -> dict:
    """One SP-API Item for chunk listing ``i``."""
    c, view, text = ctx.chunk, ctx.chunk.views[SPAPI], ctx.text
    obj = int(view.described[i])
    u = view.uniforms[i]
    attrs: dict[str, list] = {}
    title = "" if c.l_junk[i] == 1 else text.described_title(i, obj)
    if title:
        attrs["item_name"] = _text_attr(title)
    brand = text.brand(obj)
    attrs["brand"] = _text_attr(brand)
    if view.mass_unit[i] >= 0:
        attrs["item_weight"] = [{"unit": SPAPI_UNITS[int(view.mass_unit[i])],
                                 "value": float(view.mass_value[i]), "marketplace_id": MARKETPLACE}]
    if view.pkg_unit[i] >= 0:
        attrs["item_package_weight"] = [{"unit": SPAPI_UNITS[int(view.pkg_unit[i])],
                                         "value": float(view.pkg_value[i]),
                                         "marketplace_id": MARKETPLACE}]
    if view.has_dims[i]:
        attrs["item_dimensions"] = _dims(c.obj_dims[obj], u[6] < 0.3)
    if u[7] < 0.85:
        attrs["item_package_dimensions"] = _dims(c.obj_dims[obj] * 1.1 + 1.0, u[8] < 0.5)
    if not np.isnan(view.price_usd[i]):
        attrs["list_price"] = [{"currency": "USD", "value": float(view.price_usd[i]),
                                "marketplace_id": MARKETPLACE}]
    material = ctx.material_text(i, SPAPI)
    if material:
        parts = material.split(", ") if u[9] < 0.3 else [material]
        attrs["material"] = [v for p in parts for v in _text_attr(p)]
    features = text.features(i, obj, int(view.n_features[i]))
    if features:
        attrs["bullet_point"] = [v for f in features for v in _text_attr(f)]
    attrs["manufacturer"] = _text_attr(brand)
    ptype = ARCHETYPES[int(c.obj_arch[obj])].product_type
    images = ctx.record_images(i, SPAPI)
    summary = {"marketplaceId": MARKETPLACE, "brand": brand,
               "itemClassification": "BASE_PRODUCT", "manufacturer": brand,
               "websiteDisplayGroupName": text.dept(obj)}
    if title:
        summary["itemName"] = title
    rec: dict = {"asin": str(c.l_asin[i]), "attributes": attrs}
    if view.has_cat[i]:
        leaf = _classification(ctx, obj, int(view.cat_depth[i]))
        rec["classifications"] = [{"marketplaceId": MARKETPLACE, "classifications": [leaf]}]
        summary["browseClassification"] = {"displayName": leaf["displayName"],
                                           "classificationId": leaf["classificationId"]}
    else:
        rec["classifications"] = []
    rec["images"] = [{"marketplaceId": MARKETPLACE, "images": [
        {"variant": "MAIN", "link": formats.image_url(x), "height": 500, "width": 500}
        for x in images]}]
    rec["productTypes"] = [{"marketplaceId": MARKETPLACE, "productType": ptype}]
    rec["summaries"] = [summary]
    return rec


def write(ctx: ChunkContext) -> dict[str, int]:
    """Write the chunk's SP-API items file; returns counts."""
    lines = [json.dumps(record(ctx, int(i))) for i in ctx.listings_of(SPAPI)]
    if lines:
        write_lines(ctx.out_dir / "spapi" / f"items_{ctx.chunk.index:04d}.jsonl.gz", lines)
    return {"spapi_listings": len(lines), "files": int(bool(lines))}
