"""What a source writer needs for one chunk, and the file sink they share.

:class:`ChunkContext` bundles the chunk, its text builder, the category tree, the material
model and the output folder; :func:`write_lines` writes one JSON-lines file (gzip level 1 for
speed) in one go and returns its size in bytes.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emma_fs.sources.synth import formats
from emma_fs.sources.synth.catalog import I2M, SPAPI, Chunk
from emma_fs.sources.synth.categories import CategoryTree
from emma_fs.sources.synth.material_model import MaterialModel
from emma_fs.sources.synth.text import ListingText


@dataclass
class ChunkContext:
    chunk: Chunk
    text: ListingText
    tree: CategoryTree
    mats: MaterialModel
    out_dir: Path
    images_limit: int
    _materials: dict[tuple[int, int], str] = field(default_factory=dict)

    def material_text(self, listing: int, source: int) -> str:
        """The seller material string source ``source`` wrote for ``listing`` (cached)."""
        key = (listing, source)
        if key not in self._materials:
            view = self.chunk.views[source]
            self._materials[key] = formats.material_text(self.chunk, self.mats, view, listing)
        return self._materials[key]

    def record_images(self, listing: int, source: int) -> list[str]:
        """Image ids a source's record shows: the donor's when piggy-backed; SP-API and
        image2mass show a single image (paper 3.1)."""
        c = self.chunk
        if c.l_piggy[listing] == source:
            ids = c.image_ids(int(self.text.canonical_listing[int(c.l_donor[listing])]))
        else:
            ids = c.image_ids(listing)
        return ids[:1] if source in (SPAPI, I2M) else ids

    def listings_of(self, source: int) -> np.ndarray:
        return np.flatnonzero(self.chunk.l_src[:, source])

    def dept_group(self, obj: int) -> str:
        """'A' or 'B': which file of a source a product's department goes to."""
        dept = self.text.dept(obj)
        return "AB"[sum(map(ord, dept)) % 2]


def write_lines(path: Path, lines: list[str]) -> int:
    """Write lines (without newlines) to ``path`` (gzip when it ends in .gz); bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    if path.suffix == ".gz":  # mtime=0 and no file name: identical bytes for identical data
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                     compresslevel=1, mtime=0) as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path.stat().st_size
