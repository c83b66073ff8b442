"""``dedup_report``: what a threshold would keep or drop, to help a user choose it.

The space is searched at ``threshold - margin``; the report holds a histogram of pair
similarities over ``[threshold - margin, 1]`` (how many pairs a lower or higher threshold would
add or drop) and the pairs closest to the threshold on both sides, with their titles from
``listings_joined`` (or ``listings``) when available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.dedup.candidates import search_space
from emma_fs.dedup.settings import DedupSettings
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np

    from emma_fs.workspace import Workspace


def histogram(sims: np.ndarray, lo: float, threshold: float, bins: int) -> list[dict]:
    """Pair counts per similarity bin over ``[lo, 1]``, each flagged above/below threshold."""
    import numpy as np

    edges = np.linspace(lo, 1.0, bins + 1)
    counts, _ = np.histogram(np.clip(sims, lo, 1.0), bins=edges)
    return [{"from": round(float(a), 4), "to": round(float(b), 4), "pairs": int(c),
             "kept_as_duplicates": bool(a >= threshold - 1e-9)}
            for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)]


def _titles(ws: Workspace, asins: list[str]) -> dict[str, str]:
    """Titles (else listing text) of ``asins`` from ``listings_joined`` or ``listings``."""
    if not asins or not ws.duckdb_path.exists():
        return {}
    con = db.connect(ws.duckdb_path, read_only=True)
    try:
        for relation in ("listings_joined", "listings"):
            cols = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [relation]).fetchall()}
            column = next((c for c in ("title", "listing_text") if c in cols), None)
            if column is not None:
                return dict(con.execute(
                    f"SELECT asin, left({column}, 80) FROM {relation} "
                    "WHERE asin IN (SELECT unnest(?))", [asins]).fetchall())
    finally:
        con.close()
    return {}


def dedup_report(ws: Workspace, modality: str, progress: Progress = SILENT, *,
                 settings: DedupSettings | None = None, threshold: float | None = None,
                 bins: int = 10, sample: int = 10) -> dict:
    """Histogram and sample pairs around ``threshold`` (default: the configured one)."""
    import numpy as np

    settings = settings or DedupSettings.from_section(ws.section("dedup"))
    threshold = settings.threshold(modality) if threshold is None else threshold
    lo = max(1e-6, threshold - settings.report_margin)
    asins, pairs, version = search_space(ws, modality, lo, settings, progress)
    below = np.flatnonzero(pairs.sim < threshold)
    above = np.flatnonzero(pairs.sim >= threshold)
    half = max(1, sample // 2)
    near = np.r_[below[np.argsort(-pairs.sim[below])][:half],
                 above[np.argsort(pairs.sim[above])][:sample - min(half, len(below))]]
    near = near[np.argsort(-pairs.sim[near])]
    picked = [(asins[pairs.i[k]], asins[pairs.j[k]], float(pairs.sim[k])) for k in near]
    titles = _titles(ws, sorted({a for p in picked for a in p[:2]}))
    return {
        "modality": modality, "threshold": threshold, "embedding_version": version,
        "vectors": len(asins), "pairs_at_threshold": int(len(above)),
        "pairs_within_margin_below": int(len(below)),
        "histogram": histogram(pairs.sim, lo, threshold, bins),
        "pairs": [{"similarity": round(s, 4), "duplicate": s >= threshold,
                   "asin_a": a, "title_a": titles.get(a), "asin_b": b,
                   "title_b": titles.get(b)} for a, b, s in picked],
    }
