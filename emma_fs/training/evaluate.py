"""Table 1 on our test split, baselines, and filled-in labels against the hidden truth.

:func:`table1_metrics` scores predictions on rows with observed targets: price MnRE, mass
MnRE, materials per-object F1 (x100, as in the paper), category accuracy (levels, then items),
ratings KL (weighted by ln n_reviews). :func:`baseline_rows` gives the same columns for the
global median, the per-category median, and kNN on the pretrained text embedding.
:func:`evaluate` assembles one row per trained model and generation (from the model cards'
test metrics) plus the baselines; :func:`filled_vs_truth` measures the filled-in values of
``filled_attributes`` against a truth Parquet for items whose attribute was missing.
The truth file path is always given by the caller; the pipeline never looks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import InputFileError, NotFound
from emma_fs.training import metrics
from emma_fs.training.hierarchy import PATH_SEP, CategoryVocab, MaterialTree
from emma_fs.training.predict import Predictions

if TYPE_CHECKING:
    import duckdb

    from emma_fs.training.features import Listings

COLUMNS = ("price_mnre", "mass_mnre", "materials_f1", "category_acc", "ratings_kl")
# the kNN baseline's averaged neighbour distributions get the same floor as the models'
# ratings heads (``ratings_floor`` of models/demo.toml and paper.toml): a few neighbours'
# histograms leave empty bins, and one empty bin the truth uses makes the KL unbounded
BASELINE_RATINGS_FLOOR = 0.05


def table1_metrics(pred: Predictions, arrays: dict[str, np.ndarray], rows: np.ndarray,
                   data: Listings) -> dict[str, float]:
    """Table 1 columns for ``rows`` (targets are the observed values only)."""
    truth_paths = [data.category_paths[i] for i in rows]
    return {
        "price_mnre": metrics.mnre(pred.price, arrays["price"][rows]),
        "mass_mnre": metrics.mnre(pred.mass, arrays["mass"][rows]),
        "materials_f1": 100 * metrics.materials_f1(pred.mat_probs, arrays["mat_targets"][rows],
                                                   arrays["mat_mask"][rows]),
        "category_acc": 100 * metrics.category_accuracy(pred.cat_paths, truth_paths),
        "ratings_kl": metrics.ratings_kl(pred.ratings, _ratings_truth(arrays, rows),
                                         arrays["n_reviews"][rows]),
    }


def _ratings_truth(arrays: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    r = arrays["ratings"][rows].astype(np.float64)
    return np.where(arrays["ratings_present"][rows][:, None], r, np.nan)


def _median_prediction(values: np.ndarray, groups: np.ndarray, train: np.ndarray,
                       rows: np.ndarray) -> np.ndarray:
    """Median of the train rows' values in each row's group (global median when unseen)."""
    ok = train[np.isfinite(values[train]) & (values[train] > 0)]
    glob = float(np.median(values[ok])) if len(ok) else 1.0
    med = {g: float(np.median(values[ok][groups[ok] == g])) for g in np.unique(groups[ok])}
    return np.array([med.get(g, glob) for g in groups[rows]])


def _knn(emb: np.ndarray, train: np.ndarray, rows: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices (into ``train``) of each row's k nearest train rows by cosine similarity
    (``rows`` come from another split, so a row is never its own neighbour)."""
    x = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    sims = x[rows] @ x[train].T
    k = min(k, len(train))
    return np.argsort(-sims, axis=1)[:, :k]


def baseline_rows(data: Listings, arrays: dict[str, np.ndarray], train: np.ndarray,
                  rows: np.ndarray, vocab: CategoryVocab) -> list[dict[str, Any]]:
    """Global median, per-category median and kNN (text embedding) baselines."""
    top = np.array([(p or ["?"])[0] for p in data.category_paths], dtype=object)
    n = len(rows)
    # the most frequent train path / material set / mean distribution for the non-numeric tasks
    paths = [PATH_SEP.join(data.category_paths[i]) for i in train if data.category_paths[i]]
    keys, counts = np.unique(np.array(paths, dtype=object), return_counts=True)
    common_path = keys[counts.argmax()].split(PATH_SEP) if len(keys) else []
    prevalence = (arrays["mat_targets"][train] * arrays["mat_mask"][train]).sum(0) / \
        np.maximum(arrays["mat_mask"][train].sum(0), 1)
    r_ok = train[arrays["ratings_present"][train]]
    mean_dist = arrays["ratings"][r_ok].mean(0) if len(r_ok) else np.full(5, 0.2)

    def row(name: str, price: np.ndarray, mass: np.ndarray, mat: np.ndarray,
            cat_paths: list[list[str]], ratings: np.ndarray) -> dict[str, Any]:
        pred = Predictions(price=price, mass=mass, mat_probs=mat, cat_probs=np.zeros((n, 0)),
                           cat_paths=cat_paths, cat_index=np.zeros((n, 0)),
                           cat_confidence=np.zeros((n, 0)), ratings=ratings)
        return {"model": name, "generation": 0, **table1_metrics(pred, arrays, rows, data)}

    constant = dict(mat=np.tile(prevalence, (n, 1)), cat_paths=[common_path] * n,
                    ratings=np.tile(mean_dist, (n, 1)))
    glob = np.zeros(len(data), dtype=object)
    out = [row("baseline:global_median", _median_prediction(arrays["price"], glob, train, rows),
               _median_prediction(arrays["mass"], glob, train, rows), **constant),
           row("baseline:category_median",
               _median_prediction(arrays["price"], top, train, rows),
               _median_prediction(arrays["mass"], top, train, rows), **constant)]
    if arrays["text_emb_present"][rows].any():
        nn_idx = train[_knn(arrays["text_emb"], train, rows)]
        def knn_median(v: np.ndarray) -> np.ndarray:
            vals = np.where(np.isfinite(v[nn_idx]) & (v[nn_idx] > 0), v[nn_idx], np.nan)
            with np.errstate(all="ignore"):
                med = np.nanmedian(vals, axis=1)
            return np.where(np.isfinite(med), med, np.nanmedian(v[train]))
        m = arrays["mat_mask"][nn_idx]
        mat = (arrays["mat_targets"][nn_idx] * m).sum(1) / np.maximum(m.sum(1), 1)
        knn_paths = []
        for nbrs in nn_idx:  # vote among neighbours' paths
            votes = [PATH_SEP.join(data.category_paths[j]) for j in nbrs
                     if data.category_paths[j]]
            # ties go to the nearest neighbour's path (a set's order would vary run to run)
            best = max(votes, key=votes.count) if votes else ""
            knn_paths.append(best.split(PATH_SEP) if best else common_path)
        rm = arrays["ratings_present"][nn_idx][..., None]
        rat = (arrays["ratings"][nn_idx] * rm).sum(1) / np.maximum(rm.sum(1), 1)
        rat = np.where(rm.any(1), rat, mean_dist)
        rat = (1 - BASELINE_RATINGS_FLOOR) * rat + BASELINE_RATINGS_FLOOR / rat.shape[1]
        out.append(row("baseline:knn_text", knn_median(arrays["price"]),
                       knn_median(arrays["mass"]), mat, knn_paths, rat))
    return out


# filled attribute -> (count key, metric key, metric name) in ``filled_vs_truth`` records
FILLED_METRICS = {"price": ("price_usd_filled", "price_usd_mnre", "MnRE"),
                  "mass": ("mass_kg_filled", "mass_kg_mnre", "MnRE"),
                  "materials": ("materials_filled", "materials_f1", "F1"),
                  "category": ("category_path_filled", "category_acc", "accuracy"),
                  "ratings": ("rating_dist_filled", "ratings_kl", "KL")}


LOWER_IS_BETTER = {"ratings_kl"}


def generation_deltas(table1: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Whether a later generation helps: for every model type trained in generations g-1 and
    g, the change of each Table 1 column (positive = better, whatever the column's direction)
    and on how many columns generation g is better."""
    by_key = {(r["model"], r["generation"]): r for r in table1
              if not str(r["model"]).startswith("baseline:")}
    out = []
    for (model, gen), row in sorted(by_key.items()):
        prev = by_key.get((model, gen - 1))
        if prev is None:
            continue
        delta: dict[str, Any] = {}
        for col in COLUMNS:
            a, b = row.get(col), prev.get(col)
            if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
                delta[col] = None
                continue
            delta[col] = round(float((b - a) if col in LOWER_IS_BETTER else (a - b)), 4)
        better = sum(1 for v in delta.values() if v is not None and v > 0)
        out.append({"model": model, "generation": gen, "vs_generation": gen - 1, **delta,
                    "better_on": f"{better}/{sum(v is not None for v in delta.values())}"})
    return out


def filled_rows(filled: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per generation and attribute: how many values were filled, how good."""
    return [{"gen": f["generation"], "attribute": attr, "filled": f.get(count),
             "metric": name, "value": f.get(key)}
            for f in filled for attr, (count, key, name) in FILLED_METRICS.items()
            if count in f]


def filled_vs_truth(con: duckdb.DuckDBPyConnection, truth_path: Path, tree: MaterialTree,
                    generation: int) -> dict[str, Any]:
    """Accuracy of the predicted (filled-in) values against the truth, per attribute."""
    truth_path = Path(truth_path)
    if not truth_path.exists():
        raise InputFileError(f"truth file {truth_path} not found",
                             hint="pass the hidden truth Parquet with --truth PATH")
    from emma_fs.training.fill import has_filled

    if not has_filled(con, generation):
        raise NotFound(f"no filled attributes of generation {generation}",
                       hint=f"run `emma-fs fill --gen {generation}` first")
    q = """SELECT f.*, t.price_usd AS t_price, t.mass_kg AS t_mass, t.materials AS t_materials,
                  t.category_path AS t_category, t.rating_dist AS t_ratings
           FROM filled_attributes f JOIN read_parquet(?) t USING (asin)
           WHERE f.generation = ?"""
    tbl = con.sql(q, params=[str(truth_path), generation]).to_arrow_table()
    d = tbl.to_pydict()
    if not d.get("asin"):
        return {"generation": generation, "items": 0}

    def predicted(col: str) -> np.ndarray:
        return np.array([str(p).startswith("predicted") for p in d[f"{col}_provenance"]])

    res: dict[str, Any] = {"generation": generation, "items": len(d["asin"])}
    for col, t in (("price_usd", "t_price"), ("mass_kg", "t_mass")):
        sel = predicted(col)
        p = np.array(d[col], dtype=np.float64)[sel]
        tv = np.array([np.nan if v is None else v for v in d[t]], dtype=np.float64)[sel]
        res[f"{col}_filled"] = int(sel.sum())
        res[f"{col}_mnre"] = metrics.mnre(p, tv)
    sel = np.flatnonzero(predicted("materials"))
    pred_t, _ = tree.encode([d["materials"][i] for i in sel])
    true_t, true_m = tree.encode([d["t_materials"][i] for i in sel])
    res["materials_filled"] = len(sel)
    res["materials_f1"] = 100 * metrics.materials_f1(pred_t, true_t, true_m)
    sel = np.flatnonzero(predicted("category_path"))
    res["category_path_filled"] = len(sel)
    res["category_acc"] = 100 * metrics.category_accuracy(
        [d["category_path"][i] for i in sel], [d["t_category"][i] for i in sel])
    sel = np.flatnonzero(predicted("rating_dist"))
    res["rating_dist_filled"] = len(sel)
    if len(sel):
        p = np.array([d["rating_dist"][i] for i in sel], dtype=np.float64)
        t = np.array([d["t_ratings"][i] for i in sel], dtype=np.float64)
        res["ratings_kl"] = metrics.ratings_kl(p, t, np.full(len(sel), np.e))
    return res
