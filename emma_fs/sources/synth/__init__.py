"""Realistic synthetic raw sources for EMMa (``emma-fs synth``).

:func:`generate` writes UCSD 2018 / Amazon 2023 metadata and reviews, SP-API Catalog Items,
image2mass CSV, procedurally drawn JPEG images and the hidden truth Parquet, in the formats of
docs/contracts.md section 1. Modules: ``seed_categories``/``categories`` (the category tree),
``material_model`` (materials and their effects), ``catalog`` (hidden products, listings and
what each source carries), ``text``, ``formats``, one writer per source, ``images``, ``truth``
and ``generate`` (chunked streaming).
"""

from emma_fs.sources.synth.generate import generate

__all__ = ["generate"]
