"""The workspace: one folder with an ``emma-fs.toml`` naming where everything lives.

Layout (all paths relative to the workspace folder unless absolute)::

    [paths]
    duckdb = "emma.duckdb"        # the DuckDB database (raw tables, transforms, logs)
    lancedb = "lancedb"           # LanceDB folder (embeddings, online store)
    feature_repo = "feature_repo" # the workspace's Feast repo (feature_store.yaml + definitions)
    models = "models"             # trained checkpoints and model cards
    exports = "exports"           # Parquet exports read by Feast's offline store
    raw = "raw"                   # default folder for raw sources (synth writes here)
    sql = ""                      # transform folder; empty = the sql/ folder shipped with emma-fs

Every command finds the workspace from ``--workspace``, else ``$EMMA_FS_WORKSPACE``, else the
current directory or its parents. Each path can be overridden by ``EMMA_FS_<NAME>`` (e.g.
``EMMA_FS_DUCKDB=/data/emma.duckdb``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from emma_fs.errors import ConfigError, WorkspaceNotFound

CONFIG_NAME = "emma-fs.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_SQL_DIR = REPO_ROOT / "sql"
SHIPPED_MODEL_CONFIGS = REPO_ROOT / "models"
SHIPPED_FEATURE_REPO = REPO_ROOT / "feature_repo"

DEFAULT_PATHS: dict[str, str] = {
    "duckdb": "emma.duckdb",
    "lancedb": "lancedb",
    "feature_repo": "feature_repo",
    "models": "models",
    "exports": "exports",
    "raw": "raw",
    "sql": "",
}


@dataclass(frozen=True)
class Workspace:
    """Resolved absolute paths of one workspace plus its free-form settings sections."""

    root: Path
    paths: dict[str, Path]
    settings: dict[str, dict] = field(default_factory=dict)

    @property
    def duckdb_path(self) -> Path:
        return self.paths["duckdb"]

    @property
    def lancedb_path(self) -> Path:
        return self.paths["lancedb"]

    @property
    def feature_repo(self) -> Path:
        return self.paths["feature_repo"]

    @property
    def models_dir(self) -> Path:
        return self.paths["models"]

    @property
    def exports_dir(self) -> Path:
        return self.paths["exports"]

    @property
    def raw_dir(self) -> Path:
        return self.paths["raw"]

    @property
    def sql_dir(self) -> Path:
        return self.paths["sql"]

    def section(self, name: str) -> dict:
        """A settings table of the config (e.g. ``[embed]``), empty when absent."""
        return dict(self.settings.get(name, {}))

    @classmethod
    def load(cls, root: Path) -> Workspace:
        config_file = root / CONFIG_NAME
        try:
            data = tomllib.loads(config_file.read_text())
        except FileNotFoundError as exc:
            raise WorkspaceNotFound(str(root)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file} is not valid TOML: {exc}") from exc
        raw_paths = {**DEFAULT_PATHS, **data.get("paths", {})}
        unknown = set(raw_paths) - set(DEFAULT_PATHS)
        if unknown:
            raise ConfigError(
                f"{config_file}: unknown [paths] keys {sorted(unknown)}",
                hint=f"known keys: {sorted(DEFAULT_PATHS)}",
            )
        paths: dict[str, Path] = {}
        for name, value in raw_paths.items():
            value = os.environ.get(f"EMMA_FS_{name.upper()}", value)
            if name == "sql" and not value:
                paths[name] = SHIPPED_SQL_DIR
                continue
            p = Path(value).expanduser()
            paths[name] = p if p.is_absolute() else (root / p).resolve()
        settings = {k: v for k, v in data.items() if k != "paths" and isinstance(v, dict)}
        return cls(root=root.resolve(), paths=paths, settings=settings)


def find(start: Path | None = None, explicit: Path | None = None) -> Workspace:
    """Locate and load the workspace (explicit > $EMMA_FS_WORKSPACE > cwd and parents)."""
    if explicit is None and os.environ.get("EMMA_FS_WORKSPACE"):
        explicit = Path(os.environ["EMMA_FS_WORKSPACE"])
    if explicit is not None:
        return Workspace.load(explicit.expanduser().resolve())
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_NAME).is_file():
            return Workspace.load(candidate)
    raise WorkspaceNotFound(str(here))


def init(root: Path, *, force: bool = False,
         settings: dict[str, dict[str, str | int | float | bool]] | None = None) -> Workspace:
    """Create a workspace folder with a default ``emma-fs.toml`` (idempotent unless ``force``).

    ``settings`` adds settings tables (e.g. ``{"embed": {"image_size": 96}}``) to a new file.
    """
    root = root.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    config_file = root / CONFIG_NAME
    if not config_file.exists() or force:
        lines = ["# emma-fs workspace; paths are relative to this file.", "[paths]"]
        lines += [f'{k} = "{v}"' for k, v in DEFAULT_PATHS.items()]
        for section, values in (settings or {}).items():
            lines += ["", f"[{section}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        config_file.write_text("\n".join(lines) + "\n")
    ws = Workspace.load(root)
    for name in ("lancedb", "models", "exports", "raw"):
        ws.paths[name].mkdir(parents=True, exist_ok=True)
    return ws


def _toml_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
