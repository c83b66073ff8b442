"""``compute_mismatch``: how badly a listing's images agree with its text.

A ridge regression maps L2-normalised image vectors to L2-normalised text vectors over all
listings that have both (numpy, closed form). A listing's raw score is
``1 - cosine(predicted text vector, actual text vector)``; the stored ``score`` is that raw
score standardised over all listings (z-score: > 2 means unusually poor agreement). With fewer
than ``10 * image dim`` listings the prediction for each listing comes from a model fitted on
the other folds (cross-fitting), so a small set is not scored by a model that memorised it.
Written to ``text_image_mismatch(asin, score, version)``, whose source version is updated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emma_fs import db
from emma_fs.dedup import bookkeeping
from emma_fs.dedup.settings import DedupSettings
from emma_fs.embeddings import store
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np

    from emma_fs.workspace import Workspace

MIN_LISTINGS = 10


def _unit(x: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def ridge_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """Centred ridge ``y ~ (x - mx) @ w + my``; alpha is relative to mean feature variance."""
    import numpy as np

    mx, my = x.mean(axis=0), y.mean(axis=0)
    xc = (x - mx).astype(np.float64)
    gram = xc.T @ xc
    lam = alpha * max(np.trace(gram) / gram.shape[0], 1e-12)
    w = np.linalg.solve(gram + lam * np.eye(gram.shape[0]), xc.T @ (y - my))
    return w, mx, my


def mismatch_scores(image: np.ndarray, text: np.ndarray, *, alpha: float = 1.0,
                    folds: int = 5, seed: int = 0) -> np.ndarray:
    """Standardised ``1 - cos(predicted text, text)`` per row (rows aligned)."""
    import numpy as np

    x, y = _unit(image.astype(np.float64)), _unit(text.astype(np.float64))
    n = len(x)
    pred = np.empty_like(y)
    if n >= 10 * x.shape[1]:
        w, mx, my = ridge_fit(x, y, alpha)
        pred = (x - mx) @ w + my
    else:
        fold = np.random.default_rng(seed).permutation(n) % folds
        for f in range(folds):
            test = fold == f
            w, mx, my = ridge_fit(x[~test], y[~test], alpha)
            pred[test] = (x[test] - mx) @ w + my
    raw = 1.0 - np.sum(_unit(pred) * y, axis=1)
    std = raw.std()
    return (raw - raw.mean()) / std if std > 0 else np.zeros_like(raw)


def compute_mismatch(ws: Workspace, progress: Progress = SILENT, *,
                     settings: DedupSettings | None = None) -> dict:
    """Score every listing with text and image vectors; replace ``text_image_mismatch``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    settings = settings or DedupSettings.from_section(ws.section("dedup"))
    t_asins, t_vec, t_models = store.read_vectors(ws, "text")
    i_asins, i_vec, i_models = store.read_vectors(ws, "image")
    where = pc.index_in(pa.array(t_asins.tolist(), pa.string()),
                        value_set=pa.array(i_asins.tolist(), pa.string()))
    both = pc.is_valid(where).to_numpy(zero_copy_only=False)
    rows = where.filter(pc.is_valid(where)).to_numpy(zero_copy_only=False)
    version = (f"ridge(alpha={settings.mismatch_alpha})|{','.join(t_models)}|"
               f"{','.join(i_models)}")
    summary = {"listings": int(both.sum()), "version": version}
    if both.sum() < MIN_LISTINGS:
        summary["skipped"] = f"needs >= {MIN_LISTINGS} listings with text and image vectors"
        progress.info(f"mismatch: {summary['skipped']}")
        return summary
    scores = mismatch_scores(i_vec[rows], t_vec[both], alpha=settings.mismatch_alpha)
    table = pa.table({"asin": pa.array(t_asins[both].tolist(), pa.string()),
                      "score": pa.array(scores, pa.float64()),
                      "version": pa.array([version] * len(scores), pa.string())})
    con = db.connect(ws.duckdb_path)
    try:
        summary["table_version"] = bookkeeping.replace_rows(con, "text_image_mismatch", table)
    finally:
        con.close()
    summary["score_above_2"] = int((scores > 2).sum())
    return summary
