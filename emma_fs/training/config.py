"""Training configuration: the TOML profiles under the top-level ``models/`` folder.

A profile (``models/demo.toml``, ``models/paper.toml``, or any file passed explicitly) has
``[common]``, ``[task_weights]`` and one section per model type. :func:`load_config` returns the
merged settings of one model type as a plain dict (``common`` keys + the type's own keys +
``task_weights``), with caller overrides (e.g. ``epochs``) applied last.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from emma_fs.errors import ConfigError
from emma_fs.workspace import SHIPPED_MODEL_CONFIGS

MODEL_TYPES = ("single_image", "text", "everything")
TASKS = ("price", "mass", "materials", "category", "ratings")


def profile_path(profile: str | Path) -> Path:
    """A profile name (``demo``/``paper``) or a path to a TOML file."""
    p = Path(profile)
    if p.suffix == ".toml":
        return p
    return SHIPPED_MODEL_CONFIGS / f"{profile}.toml"


def load_config(model_type: str, profile: str | Path = "demo",
                overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings for ``model_type`` from ``profile`` with ``overrides`` applied."""
    if model_type not in MODEL_TYPES:
        raise ConfigError(f"unknown model type {model_type!r}",
                          hint=f"choose one of {', '.join(MODEL_TYPES)}")
    path = profile_path(profile)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"model config {path} not found",
                          hint="use --profile demo|paper or --config PATH") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"model config {path} is not valid TOML: {exc}") from exc
    if model_type not in data:
        raise ConfigError(f"model config {path} has no [{model_type}] section")
    weights = {**{t: 1.0 for t in TASKS}, **data.get("task_weights", {})}
    cfg: dict[str, Any] = {**data.get("common", {}), **data[model_type],
                           "task_weights": weights, "model_type": model_type,
                           "profile": str(profile)}
    if model_type == "everything":
        missing = [t for t in TASKS if t not in data[model_type]]
        if missing:
            raise ConfigError(f"model config {path}: [everything] lacks decoders {missing}")
        cfg["epochs"] = max(int(data[model_type][t]["epochs"]) for t in TASKS)
    for key, value in (overrides or {}).items():
        if value is not None:
            cfg[key] = value
    for key in ("batch_size", "epochs"):
        if int(cfg.get(key, 0)) < 1:
            raise ConfigError(f"model config: {key} must be a positive integer")
    return cfg
