"""The training stage's facade: what the CLI, tests and notebooks call.

- :func:`train_model` (``emma-fs train MODEL``): load listings + embeddings, fit the feature
  spec on the train split, (generation >= 2) replace missing train/validation targets by the
  previous generation's filled values, train, calibrate on the calibration split, score the
  test split (Table 1 columns, observed targets only), save checkpoint + model card.
- :func:`evaluate_models` (``emma-fs eval``): one row per trained model and generation, the
  baselines, calibration, and (with a truth file) filled-in labels against the hidden truth.
- :func:`emma_fs.training.fill.fill` (``emma-fs fill --gen N``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs import db
from emma_fs.errors import ModelError
from emma_fs.progress import SILENT, Progress
from emma_fs.training import cards
from emma_fs.training.calibration import fit_temperatures
from emma_fs.training.config import load_config
from emma_fs.training.evaluate import (
    baseline_rows,
    filled_vs_truth,
    generation_deltas,
    table1_metrics,
)
from emma_fs.training.features import FeatureSpec, encode, load_listings, with_filled
from emma_fs.training.fill import filled_targets, has_filled
from emma_fs.training.workspace_data import taxonomy_for

if TYPE_CHECKING:
    from torch import nn

    from emma_fs.workspace import Workspace


def ratings_prior(arrays: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray | None:
    """The constant 5-bin distribution minimising the ratings loss on ``rows``: the mean of
    the observed distributions weighted by ln(n_reviews) (None when no row has weight)."""
    w = np.where(arrays["ratings_present"][rows],
                 np.log(np.maximum(arrays["n_reviews"][rows].astype(np.float64), 1.0)), 0.0)
    if w.sum() <= 0:
        return None
    return (arrays["ratings"][rows].astype(np.float64) * w[:, None]).sum(0) / w.sum()


def _init_heads(model: nn.Module, arrays: dict[str, np.ndarray], rows: np.ndarray) -> None:
    """Start price/mass at the train median and ratings at the train prior (baselines)."""
    from emma_fs.training.decoders import init_distribution_head, init_regression_bias

    if model.kind == "everything":
        heads, floor = model.decoders, model.ratings_floor
    else:
        heads, floor = model.heads.heads, model.heads.ratings_floor
    for task in ("price", "mass"):
        v = arrays[task][rows]
        v = v[np.isfinite(v) & (v > 0)]
        if len(v):
            init_regression_bias(heads[task], float(np.median(np.log(v))))
    prior = ratings_prior(arrays, rows)
    if prior is not None:
        init_distribution_head(heads["ratings"], prior, floor)


def _selection_split(train_rows: np.ndarray, val_rows: np.ndarray, cfg: dict[str, Any]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Rows to fit on and rows to pick the best epoch on: the validation split plus a seeded
    ``holdout_fraction`` of the train split (held out from fitting; a small validation split
    alone makes the best-epoch choice noise)."""
    frac = float(cfg.get("holdout_fraction", 0.0))
    if frac <= 0 or not cfg.get("select_best_epoch", False):
        return train_rows, val_rows
    held = np.random.default_rng(int(cfg.get("seed", 0))).random(len(train_rows)) < frac
    return train_rows[~held], np.concatenate([val_rows, train_rows[held]])


def train_model(ws: Workspace, model_type: str, *, gen: int = 1, profile: str | Path = "demo",
                device: str = "auto", overrides: dict[str, Any] | None = None,
                progress: Progress = SILENT, max_steps: int | None = None) -> dict[str, Any]:
    """Train ``model_type`` generation ``gen``; returns its model card."""
    import torch

    from emma_fs.training.models import build_model
    from emma_fs.training.predict import raw_outputs, to_predictions
    from emma_fs.training.trainer import fit, resolve_device

    if gen < 1:
        raise ModelError(f"generation must be 1 or more, got {gen}")
    cfg = load_config(model_type, profile, overrides)
    dev = resolve_device(device)
    con = db.connect(ws.duckdb_path, read_only=True)
    try:
        tree, _ = taxonomy_for(ws)
        data = load_listings(con, tree, ws.exports_dir)
        train_rows = data.rows("train")
        if len(train_rows) == 0:
            raise ModelError("the listings have no rows in the train split")
        spec = FeatureSpec.fit(data, tree, train_rows)
        arrays = encode(data, spec)
        train_arrays = arrays
        if gen > 1:
            filled = filled_targets(ws, con, data, spec, gen - 1)
            train_arrays = with_filled(arrays, data.rows(("train", "validation")), filled)
        transform_fp = cards.transform_fingerprint(con)
    finally:
        con.close()
    torch.manual_seed(int(cfg.get("seed", 0)))
    model = build_model(model_type, spec, cfg, arrays, data.texts, data.image_path)
    _init_heads(model, train_arrays, train_rows)
    fit_rows, select_rows = _selection_split(train_rows, data.rows("validation"), cfg)
    stats = fit(model, train_arrays, fit_rows, cfg, dev, progress, spec.vocab.parent,
                max_steps=max_steps, val_rows=select_rows)

    t0 = time.perf_counter()
    cal_rows = data.rows("calibration")
    calibration = fit_temperatures(raw_outputs(model, arrays, cal_rows, dev), arrays,
                                   cal_rows, spec.vocab.parent) if len(cal_rows) else {}
    temps = {k: v["temperature"] for k, v in calibration.items()}
    scores = {}
    for split in ("validation", "test"):
        rows = data.rows(split)
        if len(rows):
            pred = to_predictions(raw_outputs(model, arrays, rows, dev), spec.vocab, temps)
            scores[split] = table1_metrics(pred, arrays, rows, data)
    data_fp = cards.data_fingerprint(data, train_arrays)
    cfg_saved = {k: v for k, v in cfg.items()}
    fingerprint = cards.model_fingerprint(cfg_saved, data_fp, gen)
    card = {
        "model_type": model_type, "generation": gen, "fingerprint": fingerprint,
        "data_fingerprint": data_fp, "transform_fingerprint": transform_fp,
        "embedding_models": data.embedding_models, "rows": {
            s: int(len(data.rows(s))) for s in ("train", "validation", "test", "calibration")},
        "device": str(dev), "config": cfg_saved, "training": stats.to_dict(),
        "calibration": calibration, "metrics": scores,
        "eval_seconds": round(time.perf_counter() - t0, 3),
    }
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    cards.save(cards.model_dir(ws.models_dir, model_type, gen),
               {"state_dict": state, "spec": spec.to_dict(), "config": cfg_saved,
                "temperatures": temps, "model_type": model_type, "generation": gen}, card)
    return card


def evaluate_models(ws: Workspace, *, truth: Path | None = None, split: str = "test",
                    progress: Progress = SILENT) -> dict[str, Any]:
    """Table 1 rows for every trained model and generation, baselines, calibration, and
    (with ``truth``) filled-in values against the truth for each filled generation."""
    rows_out: list[dict[str, Any]] = []
    calibration: list[dict[str, Any]] = []
    for card in cards.list_cards(ws.models_dir):
        m = card["metrics"].get(split, {})
        rows_out.append({"model": card["model_type"], "generation": card["generation"],
                         **m, "fingerprint": card["fingerprint"]})
        for task, c in card.get("calibration", {}).items():
            calibration.append({"model": card["model_type"], "generation": card["generation"],
                                "task": task, **c})
    con = db.connect(ws.duckdb_path, read_only=True)
    try:
        tree, _ = taxonomy_for(ws)
        data = load_listings(con, tree, ws.exports_dir)
        train, rows = data.rows("train"), data.rows(split)
        spec = FeatureSpec.fit(data, tree, train)
        arrays = encode(data, spec)
        with progress.task("baselines", total=1) as bar:
            rows_out += baseline_rows(data, arrays, train, rows, spec.vocab)
            bar.advance(1)
        filled = []
        if truth is not None:
            gens = [g for (g,) in con.execute(
                "SELECT DISTINCT generation FROM filled_attributes ORDER BY 1").fetchall()] \
                if has_filled(con, None) else []
            filled = [filled_vs_truth(con, truth, tree, g) for g in gens or [1]]
    finally:
        con.close()
    return {"table1": rows_out, "generations": generation_deltas(rows_out),
            "calibration": calibration, "filled_vs_truth": filled,
            "split": split, "items": int(len(rows))}
