"""Checkpoints and model cards under ``Workspace.models_dir``.

Each trained model lives in ``<models_dir>/<model_type>-gen<N>/``: ``model.pt`` (state dict,
:class:`FeatureSpec`, config, calibration temperatures) and ``card.json`` (model type,
generation, fingerprint, data and transform fingerprints, config, metrics, calibration,
timings). The model fingerprint hashes the config, the data fingerprint and the generation, so
a retrain on the same data with the same config reproduces the same provenance string.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import NotFound

if TYPE_CHECKING:
    import duckdb

    from emma_fs.training.features import Listings


def model_dir(models_dir: Path, model_type: str, gen: int) -> Path:
    return models_dir / f"{model_type}-gen{gen}"


def data_fingerprint(data: Listings, arrays: dict[str, np.ndarray]) -> str:
    """Hash of the rows and every encoded input/target array the model was trained on."""
    h = hashlib.sha256()
    h.update("\n".join(map(str, data.asin)).encode())
    h.update("\n".join(map(str, data.split)).encode())
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()[:16]


def transform_fingerprint(con: duckdb.DuckDBPyConnection, relation: str = "listings") -> str:
    """Hash of the SQL defining ``relation`` (which names its versioned physical tables) and
    of all recorded external source versions."""
    found = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [relation]
                        ).fetchall()
    row = found[0] if found else None
    versions = con.execute(
        "SELECT table_name, version FROM _emma_source_versions ORDER BY 1").fetchall() \
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                       "'_emma_source_versions'").fetchall()[0][0] else []
    blob = json.dumps({"view": row[0] if row else f"table:{relation}", "sources": versions})
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def model_fingerprint(cfg: dict[str, Any], data_fp: str, gen: int) -> str:
    blob = json.dumps({"cfg": cfg, "data": data_fp, "gen": gen}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def save(folder: Path, checkpoint: dict[str, Any], card: dict[str, Any]) -> Path:
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, folder / "model.pt")
    (folder / "card.json").write_text(json.dumps(card, indent=2, default=str))
    return folder


def load_card(folder: Path) -> dict[str, Any]:
    path = folder / "card.json"
    if not path.exists():
        raise NotFound(f"no trained model in {folder}",
                       hint="train it first with `emma-fs train MODEL`")
    return json.loads(path.read_text())


def load_checkpoint(folder: Path) -> dict[str, Any]:
    import torch

    path = folder / "model.pt"
    if not path.exists():
        raise NotFound(f"no checkpoint {path}", hint="train it with `emma-fs train MODEL`")
    return torch.load(path, map_location="cpu", weights_only=False)


def list_cards(models_dir: Path) -> list[dict[str, Any]]:
    """Cards of every trained model, sorted by model type then generation."""
    cards = [json.loads(p.read_text()) for p in sorted(models_dir.glob("*-gen*/card.json"))]
    return sorted(cards, key=lambda c: (c["model_type"], c["generation"]))
