"""The hidden truth table ``truth/truth.parquet`` (evaluation only; the pipeline never reads it).

One row per listing ASIN (docs/contracts.md section 1): the product's true category path,
materials (taxonomy nodes), mass (kg), price (USD), ratings distribution, the five properties,
duplicate group, piggy-backing, non-physical and junk flags, and what each source *carried*
(``mass_sources``: exact value/unit/kg per record, ``price_sources``, ``materials_raw``,
``category_sources``, ``dims_sources``), so tests can check parsing record by record.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import (
    A2023,
    I2M,
    SOURCES,
    SPAPI,
    SPAPI_UNITS,
    TEXT_UNITS,
    UCSD,
)
from emma_fs.sources.synth.context import ChunkContext
from emma_fs.sources.synth.seed_categories import ARCHETYPES
from emma_fs.sources.synth.text import PROPERTIES

_MASS = pa.struct([("source", pa.string()), ("kind", pa.string()), ("value", pa.float64()),
                   ("unit", pa.string()), ("kg", pa.float64())])
_PRICE = pa.struct([("source", pa.string()), ("text", pa.string()), ("usd_low", pa.float64()),
                    ("usd_high", pa.float64())])
_RAW = pa.struct([("source", pa.string()), ("text", pa.string())])

SCHEMA = pa.schema([
    ("asin", pa.string()), ("object_id", pa.int64()), ("duplicate_group", pa.int64()),
    ("is_canonical", pa.bool_()), ("title", pa.string()), ("brand", pa.string()),
    ("category_path", pa.list_(pa.string())), ("product_type", pa.string()),
    ("materials", pa.list_(pa.string())), ("mass_kg", pa.float64()),
    ("package_mass_kg", pa.float64()), ("length_cm", pa.float64()), ("width_cm", pa.float64()),
    ("height_cm", pa.float64()), ("price_usd", pa.float64()),
    ("rating_dist", pa.list_(pa.float64())), ("n_reviews", pa.int64()),
    *[(p, pa.bool_()) for p in PROPERTIES],
    ("piggyback_source", pa.string()), ("piggyback_object_id", pa.int64()),
    ("non_physical", pa.bool_()), ("junk", pa.string()), ("sources", pa.list_(pa.string())),
    ("image_ids", pa.list_(pa.string())), ("mass_sources", pa.list_(_MASS)),
    ("price_sources", pa.list_(_PRICE)), ("materials_raw", pa.list_(_RAW)),
    ("category_sources", pa.list_(pa.string())), ("dims_sources", pa.list_(pa.string())),
])

_UNITS = {UCSD: TEXT_UNITS, A2023: TEXT_UNITS, SPAPI: SPAPI_UNITS, I2M: ("pounds",)}


def _carried(ctx: ChunkContext, i: int) -> tuple[list, list, list, list, list]:
    c = ctx.chunk
    mass, price, raw, cats, dims = [], [], [], [], []
    for s in range(4):
        view = c.views[s]
        if not view.present[i]:
            continue
        name = SOURCES[s]
        if view.mass_unit[i] >= 0:
            mass.append({"source": name, "kind": "item", "value": float(view.mass_value[i]),
                         "unit": _UNITS[s][int(view.mass_unit[i])], "kg": float(view.mass_kg[i])})
        if view.pkg_unit[i] >= 0:
            mass.append({"source": name, "kind": "package", "value": float(view.pkg_value[i]),
                         "unit": _UNITS[s][int(view.pkg_unit[i])], "kg": float(view.pkg_kg[i])})
        if s == UCSD:
            text, lo, hi = formats.ucsd_price(view, i)
            if text:
                price.append({"source": name, "text": text, "usd_low": lo, "usd_high": hi})
        elif not np.isnan(view.price_usd[i]):
            p = float(view.price_usd[i])
            price.append({"source": name, "text": formats.number(p), "usd_low": p, "usd_high": p})
        material = ctx.material_text(i, s)
        if material:
            raw.append({"source": name, "text": material})
        if view.has_cat[i]:
            cats.append(name)
        ucsd_dims_in_details = (s == UCSD and view.mass_unit[i] >= 0
                                and 0.4 <= view.uniforms[i, 6] < 0.8)
        if view.has_dims[i] or ucsd_dims_in_details:
            dims.append(name)
    return mass, price, raw, cats, dims


def table(ctx: ChunkContext) -> pa.Table:
    """The truth rows of one chunk (numeric columns vectorised, nested ones per row)."""
    c, text, mats = ctx.chunk, ctx.text, ctx.mats
    n = c.n_listings
    obj = c.l_obj
    non_phys = c.obj_non_physical[obj]
    obj_materials = [[mats.names[int(m)] for m in row if m >= 0] for row in c.obj_materials]
    ptypes = np.array([a.product_type for a in ARCHETYPES])[c.obj_arch[obj]]
    piggy = c.l_piggy
    carried = [_carried(ctx, i) for i in range(n)]
    source_names = np.array(SOURCES)
    cols = {
        "asin": pa.array(c.l_asin.tolist(), pa.string()),
        "object_id": pa.array(c.obj_id[obj]),
        "duplicate_group": pa.array(c.obj_id[obj]),
        "is_canonical": pa.array(c.l_variant == 0),
        "title": pa.array([text.title(i) for i in range(n)], pa.string()),
        "brand": pa.array([text.brand(int(o)) for o in obj], pa.string()),
        "category_path": pa.array([text.category_path(int(o)) for o in obj],
                                  pa.list_(pa.string())),
        "product_type": pa.array(ptypes.tolist(), pa.string()),
        "materials": pa.array([obj_materials[int(o)] for o in obj], pa.list_(pa.string())),
        "mass_kg": pa.array(c.obj_mass[obj], mask=non_phys),
        "package_mass_kg": pa.array(c.obj_pkg[obj]),
        "length_cm": pa.array(c.obj_dims[obj, 0]),
        "width_cm": pa.array(c.obj_dims[obj, 1]),
        "height_cm": pa.array(c.obj_dims[obj, 2]),
        "price_usd": pa.array(c.obj_price[obj]),
        "rating_dist": pa.FixedSizeListArray.from_arrays(
            pa.array(c.obj_rating[obj].ravel()), 5).cast(pa.list_(pa.float64())),
        "n_reviews": pa.array(c.l_n_reviews.astype(np.int64)),
        **{p: pa.array(c.obj_props[obj, k]) for k, p in enumerate(PROPERTIES)},
        "piggyback_source": pa.array(source_names[np.maximum(piggy, 0)].tolist(),
                                     pa.string(), mask=piggy < 0),
        "piggyback_object_id": pa.array(c.obj_id[np.maximum(c.l_donor, 0)], mask=piggy < 0),
        "non_physical": pa.array(non_phys),
        "junk": pa.array(np.array(["", "no_title", "no_image"])[c.l_junk].tolist(), pa.string(),
                         mask=c.l_junk == 0),
        "sources": pa.array([source_names[row].tolist() for row in c.l_src],
                            pa.list_(pa.string())),
        "image_ids": pa.ListArray.from_arrays(pa.array(c.image_offsets.astype(np.int32)),
                                              pa.array(c.image_flat.tolist(), pa.string())),
        "mass_sources": pa.array([x[0] for x in carried], pa.list_(_MASS)),
        "price_sources": pa.array([x[1] for x in carried], pa.list_(_PRICE)),
        "materials_raw": pa.array([x[2] for x in carried], pa.list_(_RAW)),
        "category_sources": pa.array([x[3] for x in carried], pa.list_(pa.string())),
        "dims_sources": pa.array([x[4] for x in carried], pa.list_(pa.string())),
    }
    return pa.table(cols, schema=SCHEMA)
