"""image2mass listings CSV (``image2mass/image2mass_{chunk}.csv``): title, weight in pounds,
dimensions in inches (empty when unknown), exactly one image URL."""

from __future__ import annotations

import csv
import io

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import I2M
from emma_fs.sources.synth.context import ChunkContext, write_lines

HEADER = ["asin", "title", "weight_lb", "length_in", "width_in", "height_in", "image_url"]


def write(ctx: ChunkContext) -> dict[str, int]:
    """Write the chunk's image2mass CSV; returns counts."""
    c, view, text = ctx.chunk, ctx.chunk.views[I2M], ctx.text
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    rows = 0
    for i in ctx.listings_of(I2M):
        i = int(i)
        obj = int(view.described[i])
        dims = formats.dims_inches(c, obj) if view.has_dims[i] else ("", "", "")
        images = ctx.record_images(i, I2M)
        writer.writerow([
            str(c.l_asin[i]), "" if c.l_junk[i] == 1 else text.described_title(i, obj),
            formats.number(float(view.mass_value[i])) if view.mass_unit[i] >= 0 else "",
            *(formats.number(d) if d != "" else "" for d in dims),
            formats.image_url(images[0]) if images else "",
        ])
        rows += 1
    if rows:
        write_lines(ctx.out_dir / "image2mass" / f"image2mass_{c.index:04d}.csv",
                    buf.getvalue().rstrip("\n").split("\n"))
    return {"image2mass_listings": rows, "files": int(bool(rows))}
