"""The workspace's Feast repo: written from the shipped template, opened as a FeatureStore.

:func:`write_repo` copies ``feature_repo/`` (the template shipped with emma-fs) into
``Workspace.feature_repo`` and points it at this workspace with paths *relative to the repo
folder*: the online store at ``<lancedb>/online`` and the feature exports at
``<exports>/features``. It only rewrites files whose content changed, so running it on every
materialize is cheap and keeps the stock ``feast`` CLI working inside that folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.errors import ConfigError
from emma_fs.workspace import SHIPPED_FEATURE_REPO, Workspace

if TYPE_CHECKING:
    from feast import FeatureStore

TEMPLATE_FILES = ("definitions.py", "README.md")
ONLINE_SUBDIR = "online"
FEATURES_SUBDIR = "features"


def features_dir(ws: Workspace) -> Path:
    """Where feature exports live (one Parquet file per feature view)."""
    return ws.exports_dir / FEATURES_SUBDIR


def online_store_dir(ws: Workspace) -> Path:
    """The LanceDB folder of the online store (inside the workspace's LanceDB folder)."""
    return ws.lancedb_path / ONLINE_SUBDIR


def _relative(target: Path, repo: Path) -> str:
    return Path(os.path.relpath(target, repo)).as_posix()


def render_feature_store_yaml(ws: Workspace) -> str:
    """The template's feature_store.yaml with this workspace's online store path."""
    template = (SHIPPED_FEATURE_REPO / "feature_store.yaml").read_text()
    marker = "  path: ../lancedb/online"
    if marker not in template:
        raise ConfigError(f"{SHIPPED_FEATURE_REPO}/feature_store.yaml lost its online path line")
    line = f"  path: {_relative(online_store_dir(ws), ws.feature_repo)}"
    return template.replace(marker, line)


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text() == text:
        return False
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return True


def write_repo(ws: Workspace) -> list[str]:
    """Create or refresh the workspace's feature repo; returns the names of files rewritten."""
    repo = ws.feature_repo
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "data").mkdir(exist_ok=True)
    features_dir(ws).mkdir(parents=True, exist_ok=True)
    changed = []
    paths = {"features_dir": _relative(features_dir(ws), repo)}
    files = {
        "feature_store.yaml": render_feature_store_yaml(ws),
        "emma_repo.json": json.dumps(paths) + "\n",
        **{name: (SHIPPED_FEATURE_REPO / name).read_text() for name in TEMPLATE_FILES
           if (SHIPPED_FEATURE_REPO / name).exists()},
    }
    for name, text in files.items():
        if _write_if_changed(repo / name, text):
            changed.append(name)
    return changed


def open_store(ws: Workspace) -> FeatureStore:
    """A FeatureStore on the workspace repo (write it first with :func:`write_repo`)."""
    from feast import FeatureStore

    if not (ws.feature_repo / "feature_store.yaml").exists():
        raise ConfigError(f"no feature repo at {ws.feature_repo}",
                          hint="run `emma-fs materialize` first")
    return FeatureStore(repo_path=str(ws.feature_repo))


def remove_repo(ws: Workspace) -> None:
    """Delete the workspace's repo folder (its registry included); used by tests and resets."""
    shutil.rmtree(ws.feature_repo, ignore_errors=True)


def repo_objects(ws: Workspace) -> list[Any]:
    """The Feast objects the repo defines right now (same code path as ``feast apply``)."""
    from emma_fs.features.definitions import load_definitions

    return load_definitions(features_dir(ws))
