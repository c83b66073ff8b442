"""Formatting of values the way the raw sources write them (pure functions of a chunk).

Weights ("4 ounces", "1.2 Pounds"), dimensions ("7.8 x 7.8 x 1.8 inches"), UCSD price strings
("$12.99", "$5.99 - $12.99", "", CSS garbage), seller material strings and image URLs. The
writers and the truth table call the same functions, so truth records exactly what was written.
"""

from __future__ import annotations

import html

import numpy as np

from emma_fs.sources.synth.catalog import TEXT_UNITS, Chunk, SourceView
from emma_fs.sources.synth.material_model import MaterialModel, seller_string

CM_PER_INCH = 2.54
IMAGE_HOST = "https://images-na.ssl-images-amazon.com/images/I/"
_CSS = (".a-box-inner{background-color:#fff}", ".a-section.a-spacing-mini{margin-bottom:0}",
        "\n.a-color-price { color: #B12704 !important; }")


def number(v: float) -> str:
    """Shortest plain decimal text of an already rounded value (no exponent)."""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def weight_text(view: SourceView, i: int, package: bool = False) -> str:
    """The weight string a text source wrote, e.g. ``"4 ounces"``, or ``""``."""
    unit = int((view.pkg_unit if package else view.mass_unit)[i])
    if unit < 0:
        return ""
    value = float((view.pkg_value if package else view.mass_value)[i])
    return f"{number(value)} {TEXT_UNITS[unit]}"


def dims_inches(chunk: Chunk, obj: int) -> tuple[float, float, float]:
    """Item dimensions (length, width, height) in inches, 2 decimals."""
    d = chunk.obj_dims[obj] / CM_PER_INCH
    return tuple(float(x) for x in np.round(d, 2))  # type: ignore[return-value]


def dims_text(chunk: Chunk, obj: int) -> str:
    length, width, height = dims_inches(chunk, obj)
    return f"{number(length)} x {number(width)} x {number(height)} inches"


def ucsd_price(view: SourceView, i: int) -> tuple[str, float | None, float | None]:
    """(price text, low USD, high USD) of a UCSD 2018 record; empty text = no price field."""
    if not view.present[i]:
        return "", None, None
    style = int(view.price_style[i])
    p = float(view.price_usd[i]) if not np.isnan(view.price_usd[i]) else None
    if style == 3:
        return _CSS[int(view.uniforms[i, 9] * len(_CSS))], None, None
    if p is None or style == 2:
        return "", None, None
    if style == 1:
        lo = round(p * (0.5 + 0.4 * float(view.uniforms[i, 10])), 2)
        hi = round(p * (1.1 + 0.7 * float(view.uniforms[i, 11])), 2)
        return f"${lo:,.2f} - ${hi:,.2f}", lo, hi
    return f"${p:,.2f}", p, p


def material_text(chunk: Chunk, mats: MaterialModel, view: SourceView, i: int) -> str:
    """The seller material string of record ``i`` (``""`` when the source has none)."""
    if not view.has_mat[i]:
        return ""
    obj = int(view.described[i])
    nodes = [int(m) for m in chunk.obj_materials[obj] if m >= 0]
    return seller_string(mats, nodes, view.uniforms[i])


def category_list(path: list[str], depth: int, escape: bool) -> list[str]:
    out = path[: max(1, depth)]
    return [html.escape(x, quote=False) for x in out] if escape else list(out)


def image_url(image_id: str, style: int = 0) -> str:
    """URL of an image; style 1 adds a size suffix (``._SS40_``), 2 a ``._AC_UL500_``."""
    suffix = ("", "._SS40_", "._AC_UL500_")[style]
    return f"{IMAGE_HOST}{image_id}{suffix}.jpg"
