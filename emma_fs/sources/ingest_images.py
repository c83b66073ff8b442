"""Indexing listing images into ``raw_images(image_id, path, sha256, bytes)``.

DuckDB's ``read_blob`` lists the files (``sql/ingest/images_listing.sql``). The image folder is
one ``ingest_files`` entry (``source_file = 'images/'``) whose hash is a cheap fingerprint of
file names, sizes and modification times: an unchanged folder is skipped without reading any
image; a changed one is re-hashed and replaces ``raw_images`` as a whole. Hashing uses Python's
``hashlib`` per file (C code, about 2.7x faster than DuckDB's ``sha256(content)`` measured on
5,000 x 20 kB files: 0.65 s vs 1.75 s); an image that cannot be read is a reject, not a crash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.sources.ingest_store import load_sql, run_script

if TYPE_CHECKING:
    import duckdb

IMAGES_SOURCE_FILE = "images/"


@dataclass(frozen=True)
class ImageListing:
    """What :func:`list_images` found: count, total bytes, and the folder fingerprint."""

    n_images: int
    n_bytes: int
    fingerprint: str


def _glob(images_dir: Path) -> str:
    return str(images_dir / "**" / "*.jpg")


def list_images(con: duckdb.DuckDBPyConnection, images_dir: Path) -> ImageListing | None:
    """Count and fingerprint the images under ``images_dir`` without reading them (None when
    the folder cannot be listed)."""
    import duckdb

    try:
        n, size, fingerprint = con.execute(load_sql("images_listing"),
                                           {"glob": _glob(images_dir)}).fetchone()
    except duckdb.Error:
        return None
    return ImageListing(int(n), int(size), fingerprint)


def _hash(path: str) -> tuple[str | None, int | None, str | None]:
    try:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
            return digest, fh.tell(), None
    except OSError as exc:
        return None, None, f"cannot read image: {exc.strerror or exc}"


def stage_images(con: duckdb.DuckDBPyConnection, images_dir: Path) -> tuple[str, str]:
    """Hash every image under ``images_dir`` and stage ``_ingest_rows``/``_ingest_rej``;
    returns ``(method, note)`` like the other loaders."""
    import pyarrow as pa

    paths = [r[0] for r in con.execute("SELECT filename FROM read_blob($glob) ORDER BY 1",
                                       {"glob": _glob(images_dir)}).fetchall()]
    digests, sizes, reasons = zip(*map(_hash, paths), strict=True) if paths else ((), (), ())
    hashed = pa.table({"path": pa.array(paths, pa.string()),
                       "sha256": pa.array(digests, pa.string()),
                       "bytes": pa.array(sizes, pa.int64()),
                       "reason": pa.array(reasons, pa.string())})
    con.register("_ingest_images_arrow", hashed)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _ingest_images_hashed AS "
                    "SELECT * FROM _ingest_images_arrow")
    finally:
        con.unregister("_ingest_images_arrow")
    run_script(con, load_sql("images_index"))
    return "hashlib", ""
