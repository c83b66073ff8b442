"""UCSD Amazon 2018 metadata and reviews (JSON lines, gzip), with the real quirks.

Files: ``ucsd2018/meta_{A|B}_{chunk}.json.gz`` (file A lists images under ``image``, file B
under ``imageURL`` + ``imageURLHighRes``) and ``ucsd2018/reviews_{chunk}.json.gz``. Weights
hide in ``tech1``/``tech2`` HTML spec tables or messy ``details`` keys ("Shipping Weight:" is
the package weight); prices are "$12.99", "$5.99 - $12.99", "" or CSS garbage; categories have
HTML entities; rank is a string or a list.
"""

from __future__ import annotations

import html
import json
import time

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import UCSD
from emma_fs.sources.synth.context import ChunkContext, write_lines
from emma_fs.sources.synth.reviews import sample as sample_reviews
from emma_fs.sources.synth.text import review_text

_T0, _T1 = 1_104_537_600, 1_538_352_000  # 2005-01-01 .. 2018-10-01
_DIMS_KEY = "\n    Product Dimensions: \n    "


def _tech_row(name: str, value: str) -> str:
    return (f'<tr><td class="a-span3">{name}</td>'
            f'<td class="a-span9">{html.escape(value, quote=False)}</td></tr>')


def _table(rows: list[str]) -> str:
    return '<table class="a-keyvalue prodDetTable">' + "".join(rows) + "</table>" if rows else ""


def record(ctx: ChunkContext, i: int, image_style: str) -> dict:
    """One UCSD 2018 metadata record for chunk listing ``i``."""
    c, view, text = ctx.chunk, ctx.chunk.views[UCSD], ctx.text
    obj = int(view.described[i])
    u = view.uniforms[i]
    path = text.category_path(obj)
    junk_title = c.l_junk[i] == 1
    rec: dict = {"category": formats.category_list(path, int(view.cat_depth[i]), True)
                 if view.has_cat[i] else []}
    rec["tech1"] = ""
    rec["description"] = text.description(i, obj) if view.has_desc[i] else []
    rec["fit"] = ""
    rec["title"] = "" if junk_title else text.described_title(i, obj)
    rec["also_buy"] = []
    rec["tech2"] = ""
    rec["brand"] = text.brand(obj) if u[12] < 0.9 else ""
    rec["feature"] = text.features(i, obj, int(view.n_features[i]))
    dept = html.escape(path[0], quote=False)
    rank = f">#{int(u[13] * 900_000) + 1:,} in {dept} (See top 100)"
    rec["rank"] = rank if u[14] < 0.5 else [rank, f">#{int(u[15] * 9000) + 1:,} in {dept} > "
                                              f"{html.escape(path[-1], quote=False)}"]
    rec["also_view"] = []
    details: dict[str, str] = {}
    tech: list[str] = []
    weight = formats.weight_text(view, i)
    if weight:
        if u[6] < 0.4:
            tech.append(_tech_row("Item Weight", weight))
        elif u[6] < 0.8:
            details[_DIMS_KEY] = f"{formats.dims_text(c, obj)} ; {weight}"
        else:
            details["Item Weight:"] = weight
    if view.has_dims[i] and _DIMS_KEY not in details:
        tech.append(_tech_row("Product Dimensions", formats.dims_text(c, obj)))
    package = formats.weight_text(view, i, package=True)
    if package:
        details["Shipping Weight:"] = f"{package} ("
    material = ctx.material_text(i, UCSD)
    if material:
        tech.append(_tech_row("Material", material))
    if tech:
        key = "tech2" if u[7] < 0.15 else "tech1"
        rec[key] = _table(tech)
    if details or u[8] < 0.3:
        details.setdefault("ASIN:", str(c.l_asin[i]))
        if u[10] < 0.3:
            details["Item model number:"] = f"{rec['brand'][:3].upper()}-{int(u[11] * 9999)}"
        if u[10] < 0.15:
            details["Domestic Shipping: "] = ("Currently, item can be shipped only within the "
                                              "U.S. and to APO/FPO addresses.")
    rec["details"] = details
    rec["main_cat"] = path[0] if u[5] < 0.95 else '<img src="https://m.media-amazon.com/x.png">'
    rec["similar_item"] = ""
    rec["date"] = f"{('January', 'March', 'June', 'October')[int(u[4] * 4)]} " \
                  f"{int(u[3] * 27) + 1}, {2005 + int(u[2] * 13)}" if u[1] < 0.6 else ""
    rec["price"] = formats.ucsd_price(view, i)[0]
    rec["asin"] = str(c.l_asin[i])
    images = ctx.record_images(i, UCSD)
    if image_style == "image":
        if images or u[0] < 0.5:
            rec["image"] = [formats.image_url(x, 1) for x in images]
    else:
        rec["imageURL"] = [formats.image_url(x, 1) for x in images]
        rec["imageURLHighRes"] = [formats.image_url(x) for x in images]
    return rec


def write(ctx: ChunkContext) -> dict[str, int]:
    """Write the chunk's UCSD 2018 metadata and review files; returns counts."""
    c = ctx.chunk
    files = {"A": [], "B": []}
    for i in ctx.listings_of(UCSD):
        group = ctx.dept_group(int(c.l_obj[i]))
        style = "image" if group == "A" else "imageURL"
        files[group].append(json.dumps(record(ctx, int(i), style)))
    out = ctx.out_dir / "ucsd2018"
    n_files = 0
    for group, lines in files.items():
        if lines:
            write_lines(out / f"meta_{group}_{c.index:04d}.json.gz", lines)
            n_files += 1
    batch = sample_reviews(ctx, UCSD, _T0, _T1)
    lines = []
    for j in range(len(batch.listing)):
        i = int(batch.listing[j])
        stars = int(batch.stars[j])
        body, summary = review_text(stars, ctx.text.noun(int(c.l_obj[i]), 0.0), float(batch.u[j]))
        t = int(batch.unix_time[j])
        rec = {"overall": float(stars), "verified": bool(batch.verified[j]),
               "reviewTime": time.strftime("%m %d, %Y", time.gmtime(t)).replace(" 0", " ", 1),
               "reviewerID": str(batch.reviewer[j]), "asin": str(c.l_asin[i])}
        if batch.votes[j]:
            rec["vote"] = f"{int(batch.votes[j]):,}"
        if batch.u[j] < 0.3:
            rec["style"] = {"Color:": " Black"} if batch.u[j] < 0.15 else {"Size:": " Large"}
        rec.update({"reviewerName": f"Customer {str(batch.reviewer[j])[-4:]}",
                    "reviewText": body, "summary": summary, "unixReviewTime": t})
        lines.append(json.dumps(rec))
    if lines:
        write_lines(out / f"reviews_{c.index:04d}.json.gz", lines)
        n_files += 1
    return {"ucsd2018_listings": sum(len(v) for v in files.values()),
            "ucsd2018_reviews": len(lines), "files": n_files}
