"""Embedding settings: the workspace ``[embed]`` section merged with command-line overrides.

Keys (all optional)::

    [embed]
    source = "auto"           # listings relation; auto = listings_joined if present, else listings
    text_model = "/path/to/sentence-transformers/folder"   # default: packaged all-MiniLM-L6-v2
    image_model = "tf_efficientnet_lite0"                  # or any timm name, e.g. convnext_base
    image_checkpoint = "/path/to/weights.pth"              # required unless the default model
    device = "auto"                                        # auto | cpu | cuda
    precision = "fp16"                                     # fp16 | bf16 | fp32 (autocast on GPU)
    text_batch_size = 64
    image_batch_size = 32
    image_size = 0                                         # input side in pixels; 0 = model default
    threads = 0                                            # torch CPU threads; 0 = leave as is
    num_workers = 2                                        # image decode workers
    commit_every = 65536                                   # rows per LanceDB commit
    ann_index_min_rows = 50000                             # build an ANN index above this
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from emma_fs.errors import ConfigError

DEFAULT_IMAGE_MODEL = "tf_efficientnet_lite0"
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp16", "bf16", "fp32")


@dataclass(frozen=True)
class EmbedSettings:
    """Validated knobs of an embedding run (see the module docstring for the config keys)."""

    source: str = "auto"
    text_model: str = ""
    image_model: str = DEFAULT_IMAGE_MODEL
    image_checkpoint: str = ""
    device: str = "auto"
    precision: str = "fp16"
    text_batch_size: int = 64
    image_batch_size: int = 32
    image_size: int = 0
    threads: int = 0
    num_workers: int = 2
    commit_every: int = 65536
    ann_index_min_rows: int = 50_000

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ConfigError(f"[embed] device must be one of {DEVICES}, got {self.device!r}")
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"[embed] precision must be one of {PRECISIONS}, got {self.precision!r}")
        for name in ("text_batch_size", "image_batch_size", "commit_every"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"[embed] {name} must be >= 1, got {getattr(self, name)}")
        for name in ("threads", "num_workers", "ann_index_min_rows", "image_size"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"[embed] {name} must be >= 0, got {getattr(self, name)}")

    @classmethod
    def from_section(cls, section: dict[str, Any], **overrides: Any) -> EmbedSettings:
        """Build from a workspace ``[embed]`` section; ``None`` overrides are ignored."""
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(section) - set(known)
        if unknown:
            raise ConfigError(f"unknown [embed] keys {sorted(unknown)}",
                              hint=f"known keys: {sorted(known)}")
        merged = {**section, **{k: v for k, v in overrides.items() if v is not None}}
        try:
            base = cls()
            values = {k: type(getattr(base, k))(v) for k, v in merged.items()}
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid [embed] setting: {exc}") from exc
        return replace(base, **values)
