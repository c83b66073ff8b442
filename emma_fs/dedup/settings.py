"""Dedup settings: the workspace ``[dedup]`` section merged with command-line overrides.

    [dedup]
    text_threshold = 0.94     # cosine, listing_text embeddings
    image_threshold = 0.97    # cosine, summed image features
    combined_threshold = 0.86 # a pair at or above this in BOTH spaces is a candidate too
    probes = 3                # clusters each vector probes in the clustered search
    device = "auto"           # auto | cpu | cuda
    report_margin = 0.05      # `dedup report` looks at [threshold - margin, 1]
    mismatch_alpha = 1.0      # ridge strength (relative to the mean feature variance)

A pair is a near-duplicate candidate when its text cosine reaches ``text_threshold``, OR its
image cosine reaches ``image_threshold``, OR both reach the lower ``combined_threshold``
(modality ``text+image`` in ``dedup_candidates``, similarity = the lower of the two): a
re-listed product whose title was edited ("2 Pack", "New") and whose photo set was trimmed is
fairly close in both spaces, while unrelated products are rarely close in both at once.

Defaults were set on the generator's data (``emma-fs synth --objects 2000 --seed 0``: 2,207
listings with text vectors, 219 planted duplicate pairs) through the real pipeline (ingest,
``listings_joined``, packaged MiniLM / EfficientNet-Lite0): planted duplicates have text
cosine median 0.995 (5th percentile 0.91) and image cosine median 0.954 (5th percentile 0.87),
while other pairs reach 0.95 / 0.96 at most (piggy-backed listings, which show another
product's text, aside: the SQL filters drop those before dedup). Text alone at 0.94 finds ~90%
of the pairs; with image >= 0.97 and the combined rule at 0.86, recall / precision are
0.995 / 0.96 over all listings and 0.995 / 0.99 without piggy-backed ones (seed 5, 1,500
objects: 0.955 / 0.99 and 0.97 / 1.0); ``tests/test_dedup_synth.py`` checks recall >= 0.95
and precision >= 0.90. The SQL bookkeeping (``sql/dedup_pairs.sql``) re-filters candidates
with ``dedup_*_min_similarity`` from ``sql/seeds/params.csv`` (for ``text+image`` rows: the
larger of the two), so both are set to the combined threshold: floors that let every candidate
through, the rule here decides. On real data check the thresholds with
``emma-fs dedup report``: a false pair drops a real product from the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from emma_fs.errors import ConfigError

MODALITIES = ("text", "image")
COMBINED = "text+image"  # candidates close in both spaces (see the module docstring)


@dataclass(frozen=True)
class DedupSettings:
    """Validated dedup knobs (thresholds are cosine similarities in (0, 1])."""

    text_threshold: float = 0.94
    image_threshold: float = 0.97
    combined_threshold: float = 0.86
    probes: int = 3
    device: str = "auto"
    report_margin: float = 0.05
    mismatch_alpha: float = 1.0

    def __post_init__(self) -> None:
        for name in ("text_threshold", "image_threshold", "combined_threshold"):
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
        """The cosine threshold of a modality (``text``, ``image`` or ``text+image``)."""
        if modality == COMBINED:
            return float(self.combined_threshold)
        if modality not in MODALITIES:
            raise ConfigError(f"unknown dedup modality {modality!r}",
                              hint=f"use one of {MODALITIES + (COMBINED,)}")
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
