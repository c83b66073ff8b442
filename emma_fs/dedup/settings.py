"""Dedup settings: the workspace ``[dedup]`` section merged with command-line overrides.

    [dedup]
    text_threshold = 0.95     # cosine, listing_text embeddings
    image_threshold = 0.98    # cosine, summed image features
    probes = 3                # clusters each vector probes in the clustered search
    device = "auto"           # auto | cpu | cuda
    report_margin = 0.05      # `dedup report` looks at [threshold - margin, 1]
    mismatch_alpha = 1.0      # ridge strength (relative to the mean feature variance)

Defaults are deliberately strict: a false pair drops a real product from the dataset. On the
synthetic sample (2,211 listings, 217 duplicate pairs) the pretrained spaces separate
duplicates poorly (text cosine of duplicates median 0.75, unrelated pairs up to 1.0; image sums
of duplicates median 0.94, unrelated up to 0.99), so no threshold reaches high precision; use
``emma-fs dedup report`` to choose thresholds for real data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from emma_fs.errors import ConfigError

MODALITIES = ("text", "image")


@dataclass(frozen=True)
class DedupSettings:
    """Validated dedup knobs (thresholds are cosine similarities in (0, 1])."""

    text_threshold: float = 0.95
    image_threshold: float = 0.98
    probes: int = 3
    device: str = "auto"
    report_margin: float = 0.05
    mismatch_alpha: float = 1.0

    def __post_init__(self) -> None:
        for name in ("text_threshold", "image_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"[dedup] {name} must be a cosine in (0, 1], got {value}")
        if self.probes < 1:
            raise ConfigError(f"[dedup] probes must be >= 1, got {self.probes}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"[dedup] device must be auto, cpu or cuda, got {self.device!r}")
        if not 0.0 < self.report_margin < 1.0:
            raise ConfigError(f"[dedup] report_margin must be in (0, 1), got "
                              f"{self.report_margin}")
        if self.mismatch_alpha <= 0:
            raise ConfigError(f"[dedup] mismatch_alpha must be > 0, got {self.mismatch_alpha}")

    def threshold(self, modality: str) -> float:
        """The cosine threshold of a modality (``text`` or ``image``)."""
        if modality not in MODALITIES:
            raise ConfigError(f"unknown dedup modality {modality!r}",
                              hint=f"use one of {MODALITIES}")
        return float(getattr(self, f"{modality}_threshold"))

    @classmethod
    def from_section(cls, section: dict[str, Any], **overrides: Any) -> DedupSettings:
        """Build from a workspace ``[dedup]`` section; ``None`` overrides are ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(section) - known
        if unknown:
            raise ConfigError(f"unknown [dedup] keys {sorted(unknown)}",
                              hint=f"known keys: {sorted(known)}")
        merged = {**section, **{k: v for k, v in overrides.items() if v is not None}}
        base = cls()
        try:
            values = {k: type(getattr(base, k))(v) for k, v in merged.items()}
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid [dedup] setting: {exc}") from exc
        return replace(base, **values)
