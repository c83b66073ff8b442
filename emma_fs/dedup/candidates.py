"""``find_candidates``: near-duplicate pairs per embedding space -> ``dedup_candidates``.

For each modality (``text``, ``image``) all listing pairs whose cosine similarity reaches the
modality's threshold are found with :func:`emma_fs.dedup.search.near_pairs` and replace that
modality's rows of ``dedup_candidates(asin_a < asin_b, modality, similarity,
embedding_version)``. When both spaces are searched, pairs reaching ``combined_threshold`` in
BOTH spaces replace the ``text+image`` rows (similarity = the lower of the two cosines; each
space is searched once, at the lower of its own and the combined threshold). The table's source
version is updated so the SQL dedup bookkeeping rebuilds, and every run (threshold included) is
logged in ``dedup_runs``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.dedup import bookkeeping
from emma_fs.dedup.search import Pairs, near_pairs
from emma_fs.dedup.settings import COMBINED, MODALITIES, DedupSettings
from emma_fs.embeddings import store
from emma_fs.embeddings.device import resolve_device
from emma_fs.errors import NotFound
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from emma_fs.workspace import Workspace


def pairs_table(asins: np.ndarray, pairs: Pairs, modality: str, version: str) -> pa.Table:
    """Rows of ``dedup_candidates`` with ``asin_a < asin_b``."""
    import numpy as np
    import pyarrow as pa

    a, b = asins[pairs.i], asins[pairs.j]
    swap = a > b
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    n = len(pairs)
    return pa.table({
        "asin_a": pa.array(first.tolist(), pa.string()),
        "asin_b": pa.array(second.tolist(), pa.string()),
        "modality": pa.array([modality] * n, pa.string()),
        "similarity": pa.array(pairs.sim.astype(np.float64)),
        "embedding_version": pa.array([version] * n, pa.string()),
    })


def search_space(ws: Workspace, modality: str, threshold: float, settings: DedupSettings,
                 progress: Progress = SILENT) -> tuple[np.ndarray, Pairs, str]:
    """``(asins, pairs >= threshold, embedding_version)`` of one stored embedding space."""
    asins, vectors, models = store.read_vectors(ws, modality)
    pairs = near_pairs(vectors, threshold, probes=settings.probes,
                       device=resolve_device(settings.device), progress=progress)
    return asins, pairs, ",".join(models)


def embedded_modalities(ws: Workspace) -> tuple[str, ...]:
    """The dedup modalities whose embedding table exists in the workspace."""
    db_ = store.connect(ws)
    return tuple(m for m in MODALITIES if store.open_table(db_, m) is not None)


def at_least(pairs: Pairs, threshold: float) -> Pairs:
    """The pairs with similarity >= ``threshold``."""
    keep = pairs.sim >= threshold
    return Pairs(pairs.i[keep], pairs.j[keep], pairs.sim[keep])


def combined_table(text_rows: pa.Table, image_rows: pa.Table, threshold: float) -> pa.Table:
    """``text+image`` rows: pairs at or above ``threshold`` in both spaces; similarity is the
    lower of the two cosines, embedding_version ``<text version>+<image version>``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = ["asin_a", "asin_b"]

    def side(rows: pa.Table, tag: str) -> pa.Table:
        rows = rows.filter(pc.greater_equal(rows["similarity"], threshold))
        return rows.select([*keys, "similarity", "embedding_version"]).rename_columns(
            [*keys, f"sim_{tag}", f"version_{tag}"])

    both = side(text_rows, "t").join(side(image_rows, "i"), keys=keys, join_type="inner")
    both = both.sort_by([(k, "ascending") for k in keys])
    return pa.table({
        "asin_a": both["asin_a"], "asin_b": both["asin_b"],
        "modality": pa.array([COMBINED] * both.num_rows, pa.string()),
        "similarity": pc.min_element_wise(both["sim_t"], both["sim_i"]),
        "embedding_version": pc.binary_join_element_wise(both["version_t"], both["version_i"],
                                                         "+"),
    })


def _store(ws: Workspace, rows: pa.Table, summary: dict) -> None:
    """Replace one modality's rows of ``dedup_candidates`` and log the run."""
    con = db.connect(ws.duckdb_path)
    try:
        summary["table_version"] = bookkeeping.replace_rows(
            con, "dedup_candidates", rows, key="modality", value=summary["modality"])
        bookkeeping.log_run(con, summary)
    finally:
        con.close()


def find_candidates(ws: Workspace, progress: Progress = SILENT, *,
                    modalities: tuple[str, ...] | None = None,
                    settings: DedupSettings | None = None) -> list[dict]:
    """Replace each modality's candidate pairs (default: every embedded modality), and the
    ``text+image`` pairs when both spaces are searched; one summary dict per modality."""
    settings = settings or DedupSettings.from_section(ws.section("dedup"))
    if modalities is None:
        modalities = embedded_modalities(ws)
        if not modalities:
            raise NotFound(f"no text or image embeddings in {ws.lancedb_path}",
                           hint="run `emma-fs embed text` and/or `emma-fs embed image` first")
    combine = set(MODALITIES) <= set(modalities)
    summaries, searched = [], {}
    for modality in modalities:
        threshold = settings.threshold(modality)
        floor = min(threshold, settings.combined_threshold) if combine else threshold
        started = time.perf_counter()
        asins, found, version = search_space(ws, modality, floor, settings, progress)
        searched[modality] = pairs_table(asins, found, modality, version)
        pairs = at_least(found, threshold)
        rows = pairs_table(asins, pairs, modality, version)
        summary = {"modality": modality, "threshold": threshold, "probes": settings.probes,
                   "embedding_version": version, "vectors": len(asins), "pairs": len(pairs),
                   "seconds": round(time.perf_counter() - started, 3)}
        _store(ws, rows, summary)
        progress.info(f"{modality}: {len(pairs):,} pairs >= {threshold} among "
                      f"{len(asins):,} listings")
        summaries.append(summary)
    if combine:
        started = time.perf_counter()
        threshold = settings.combined_threshold
        rows = combined_table(searched["text"], searched["image"], threshold)
        summary = {"modality": COMBINED, "threshold": threshold, "probes": settings.probes,
                   "embedding_version": "+".join(s["embedding_version"] for s in summaries
                                                 if s["modality"] in MODALITIES),
                   "vectors": min(s["vectors"] for s in summaries), "pairs": rows.num_rows,
                   "seconds": round(time.perf_counter() - started, 3)}
        _store(ws, rows, summary)
        progress.info(f"{COMBINED}: {rows.num_rows:,} pairs >= {threshold} in both spaces")
        summaries.append(summary)
    return summaries
