"""Model identities recorded with every vector: ``name@version``.

The version is the first 12 hex digits of the sha256 of the weight file(s), so replacing the
weights under the same name re-embeds everything, and two folders with the same weights agree.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt", ".ckpt")


def file_digest(paths: list[Path]) -> str:
    """sha256 (12 hex digits) over the given files' bytes, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()[:12]


def folder_digest(folder: Path) -> str:
    """Digest of a model folder's weight files (all files when none has a weight suffix)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    weights = [p for p in files if p.suffix in WEIGHT_SUFFIXES] or files
    return file_digest(weights)


def identity(name: str, version: str) -> str:
    """The ``model`` string stored with vectors."""
    return f"{name}@{version}"
