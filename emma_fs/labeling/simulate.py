"""Simulated Smart Labeling against a hidden truth (paper section 5, Table 3).

An oracle plays the labeler with the generator's truth (optionally flipping each answer with
probability ``noise``) through the paper's process for one property:

1. keyword features from the paper's appendix (:data:`KEYWORDS`);
2. word search over those keywords until 50 positives and 50 negatives (or the seed budget);
3. active rounds (uncertainty sampling, pages of ``page_size``, retrain after each page);
4. correction pages in the ranges 0.5-1.0 and 0.1-0.5;
5. review: grouped k-fold CV ranks labels by likely error, the oracle re-checks the top page.

The test set is a uniform sample of objects taken out of the labeling pool together with their
duplicate clusters. After every page the model is scored on it, giving a learning curve; the
same seeds followed by uniformly random pages give the random-sampling baseline. The headline
comparison is the number of oracle labels (seeds included) each strategy needs to reach
``target_f1``. The random curve goes on past the budget (up to ``random_cap`` x budget, or the
whole pool) until it gets there, so its number is measured rather than cut off at the budget;
where it never gets there, ``labels_to_target_random`` is None and ``random_labels_max`` says
how far it went. With ``repeats`` > 1 the whole process runs again with other word-search
orders and random pages (same test set) and the numbers are read off the mean curves
(:mod:`emma_fs.labeling.curves`). As a ceiling, the same model is also fitted with every pool
object labeled (``f1_all_pool_labeled``): when that is below the target F1, no labeling
strategy can reach it with these features. Everything runs in memory (no ``label_events`` are
written): the simulation measures the process, it does not label the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import InputFileError, LabelingError
from emma_fs.labeling import candidates, curves, dataset, features, model
from emma_fs.progress import SILENT, Progress, TaskHandle

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace

# Keyword features of the paper's appendix ("Labeling Criteria"). The paper prints the sharp
# list again for transparent (a copy error), so transparent uses words from its definition.
KEYWORDS: dict[str, list[str]] = {
    "sharp": ["needle", "knife", "blade", "razer", "scissors", "pin", "sharp", "dull",
              "knitting", "serrated", "saw", "sharpener"],
    "transparent": ["clear", "transparent", "glass", "acrylic", "see-through", "see through",
                    "crystal", "window", "frame", "lens", "display", "plastic"],
    "deformable": ["shirt", "cloth", "fabric", "clay", "bendy", "silicone", "rigid", "hard",
                   "stiff", "cotton", "polyester", "flex", "paste", "soft"],
    "articulating": ["glasses", "box", "hinge", "door", "chain", "telescoping", "adjustable",
                     "book", "fold", "folding", "folio", "twist"],
    "electronic": ["power", "battery", "electr", "automatic", "smart", "case", "led", "usb",
                   "tool", "mechanical", "windup", "charge", "quartz", "0w", "watt"],
}
TABLE3_COLUMNS = ["property", "train", "train_pos", "test", "test_pos", "errors", "precision",
                  "recall", "f1", "accuracy"]


@dataclass(frozen=True)
class SimConfig:
    budget: int = 1500            # oracle labels per strategy
    page_size: int = 20
    seed_positives: int = 50      # word search stops at 50 positives and 50 negatives...
    seed_budget: int = 300        # ...or after this many answers
    test_size: int = 1000
    noise: float = 0.0
    correction_pages: int = 2     # per range
    review_pages: int = 1
    folds: int = 10
    target_f1: float = 90.0
    random_cap: float = 3.0       # random sampling continues up to this x budget for target_f1
    repeats: int = 1              # runs per strategy (other seed orders and random pages)
    seed: int = 0


class Oracle:
    """Answers with the truth, flipped with probability ``noise`` (fixed per call order)."""

    def __init__(self, truth: np.ndarray, noise: float, rng: np.random.Generator):
        self.truth, self.noise, self.rng = truth, noise, rng

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        y = self.truth[rows].astype(np.int64)
        if self.noise > 0:
            flip = self.rng.random(len(rows)) < self.noise
            y = np.where(flip, 1 - y, y)
        return y


class Labels:
    """The simulated label store: row -> label, insertion ordered."""

    def __init__(self) -> None:
        self.by_row: dict[int, int] = {}

    def add(self, rows: np.ndarray, y: np.ndarray) -> None:
        for r, v in zip(rows.tolist(), y.tolist(), strict=True):
            self.by_row[r] = v

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        rows = np.fromiter(self.by_row.keys(), dtype=np.int64, count=len(self.by_row))
        y = np.fromiter(self.by_row.values(), dtype=np.int64, count=len(self.by_row))
        return rows, y

    def __len__(self) -> int:
        return len(self.by_row)


def load_truth(path: Path, prop: str, asins: np.ndarray) -> np.ndarray:
    """Truth of ``prop`` aligned with ``asins``: 1/0, or -1 where the truth has no answer."""
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["asin", prop])
    except FileNotFoundError as exc:
        raise InputFileError(f"truth file {path} not found") from exc
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        raise InputFileError(f"cannot read column {prop!r} of truth file {path}: {exc}",
                             hint="the truth parquet needs columns asin and the property") \
            from exc
    df = table.to_pandas().dropna().drop_duplicates("asin")
    out = np.full(len(asins), -1, dtype=np.int64)
    pos = pd.Index(df["asin"]).get_indexer(asins)
    ok = pos >= 0
    out[ok] = df[prop].to_numpy()[pos[ok]].astype(np.int64)
    return out


def _with_keywords(con: duckdb.DuckDBPyConnection, data: dataset.LabelingData,
                   patterns: list[str]) -> dataset.LabelingData:
    hits = features.match_frame(con, patterns)
    k = np.zeros((data.n, len(patterns)), dtype=np.float32)
    rows = data.rows_of(hits["asin"].to_numpy(dtype=object))
    cols = hits["pattern"].map({p: i for i, p in enumerate(patterns)}).to_numpy()
    ok = rows >= 0
    k[rows[ok], cols[ok].astype(np.int64)] = 1.0
    return replace(data, keywords=k, patterns=list(patterns))


class Run:
    """One labeling strategy on one property: pool, labels, learning curve."""

    def __init__(self, data: dataset.LabelingData, scaler: model.Scaler, pool: np.ndarray,
                 test: np.ndarray, truth: np.ndarray, oracle: Oracle, cfg: SimConfig,
                 cap: int | None = None):
        self.data, self.scaler, self.test, self.truth = data, scaler, test, truth
        self.oracle, self.cfg = oracle, cfg
        self.cap = cfg.budget if cap is None else cap  # oracle labels this run may ask for
        self.exclude = ~pool
        self.labels = Labels()
        self.curve: list[tuple[int, float]] = []
        self.m: model.LabelModel | None = None
        self.shown = 0  # labels reported to the progress bar (which counts to the budget)
        self.seed_labels = 0  # labels the word-search seeding took

    def report(self, bar: TaskHandle) -> None:
        n = min(len(self.labels), self.cfg.budget)
        bar.advance(n - self.shown)
        self.shown = n

    def label(self, rows: np.ndarray) -> None:
        rows = rows[:max(0, self.cap - len(self.labels))]
        self.labels.add(rows, self.oracle(rows))
        self.exclude[rows] = True

    def retrain(self) -> bool:
        rows, y = self.labels.arrays()
        if not 0 < y.sum() < len(y):
            self.m = None
            return False
        self.m = model.fit(self.data, rows, y, scaler=self.scaler, seed=self.cfg.seed)
        pred = model.score(self.data, self.m, self.test) >= 0.5
        self.curve.append((len(self.labels), model.metrics(self.truth[self.test], pred)["f1"]))
        return True

    def left(self) -> int:
        return self.cap - len(self.labels)

    def final_row(self, prop: str) -> dict[str, Any]:
        rows, y = self.labels.arrays()
        pred = model.score(self.data, self.m, self.test) >= 0.5
        met = model.metrics(self.truth[self.test], pred)
        return {"property": prop, "train": len(y), "train_pos": int(y.sum()),
                "test": met["n"], "test_pos": met["positives"], "errors": met["errors"],
                "precision": met["precision"], "recall": met["recall"], "f1": met["f1"],
                "accuracy": met["accuracy"]}


def _seed_by_search(run: Run, hits: np.ndarray, patterns: list[str], rng: np.random.Generator
                    ) -> None:
    """Word-search seeding: one page per keyword in turn until 50 positives and 50 negatives;
    once positives suffice, random pages supply the (usually plentiful) negatives."""
    cfg = run.cfg
    orders = [rng.permutation(np.flatnonzero(hits[:, j] > 0)) for j in range(len(patterns))]
    j = 0
    while len(run.labels) < cfg.seed_budget:
        _, y = run.labels.arrays()
        pos, neg = int(y.sum()), len(y) - int(y.sum())
        if pos >= cfg.seed_positives and neg >= cfg.seed_positives:
            break
        page = np.empty(0, dtype=np.int64)
        if pos < cfg.seed_positives:
            for _ in range(len(orders)):
                page = candidates.ordered_unanswered(orders[j % len(orders)], run.exclude,
                                                     cfg.page_size)
                j += 1
                if len(page):
                    break
        if not len(page):
            page = candidates.random_rows(run.exclude, cfg.page_size, rng)
        if not len(page):
            break
        run.label(page)
    while run.left() > 0 and not run.retrain():  # one class only so far: more random pages
        run.label(candidates.random_rows(run.exclude, cfg.page_size, rng))
    run.seed_labels = len(run.labels)


def _uncertainty_run(run: Run, rng: np.random.Generator, bar: TaskHandle) -> None:
    """The paper's process after the seeds: active pages, then correction and review pages
    (their share of the budget is kept for them)."""
    cfg = run.cfg
    active_budget = cfg.budget - cfg.page_size * (2 * cfg.correction_pages + cfg.review_pages)
    while len(run.labels) < active_budget:
        page = candidates.uncertain(model.score(run.data, run.m), run.exclude, cfg.page_size)
        if not len(page):
            break
        run.label(page)
        run.retrain()
        run.report(bar)
    _correct_and_review(run, rng)
    run.report(bar)


def _random_runs(runs: list[Run], rngs: list[np.random.Generator], bar: TaskHandle) -> None:
    """Random pages for every run, the run with the fewest labels first (so their mean curve
    grows evenly), until each has the budget and the mean curve has reached ``target_f1``, or
    every run is at its cap or out of pool objects."""
    cfg = runs[0].cfg
    open_runs = set(range(len(runs)))
    while open_runs:
        i = min(open_runs, key=lambda j: len(runs[j].labels))
        page = candidates.random_rows(runs[i].exclude, cfg.page_size, rngs[i])
        if not len(page) or runs[i].left() <= 0:
            open_runs.discard(i)
            continue
        runs[i].label(page)
        runs[i].retrain()
        runs[i].report(bar)
        if (min(len(r.labels) for r in runs) >= cfg.budget and curves.first_reaching(
                curves.mean_curve([r.curve for r in runs]), cfg.target_f1) is not None):
            break


def simulate_property(data: dataset.LabelingData, truth: np.ndarray, prop: str,
                      cfg: SimConfig, progress: Progress = SILENT) -> dict[str, Any]:
    """Run the paper's process and the random baseline for one property (in memory)."""
    rng = np.random.default_rng(cfg.seed)
    known = truth >= 0
    if known.sum() < cfg.test_size + 100:
        raise LabelingError(f"only {int(known.sum())} objects have a truth for {prop!r}",
                            hint="lower --test-size or use a larger dataset")
    if cfg.repeats < 1:
        raise LabelingError(f"repeats must be at least 1 (got {cfg.repeats})")
    test = rng.choice(np.flatnonzero(known), size=cfg.test_size, replace=False)
    test_groups = np.isin(data.groups, data.groups[test])
    pool = known & ~test_groups
    scaler = model.Scaler.of(data)
    random_cap = max(cfg.budget, int(cfg.random_cap * cfg.budget))
    runs: dict[str, list[Run]] = {}
    for strategy in ("uncertainty", "random"):
        # repeat r of both strategies starts from the same seeds (same generator state)
        rngs = [np.random.default_rng(cfg.seed + 1 + r) for r in range(cfg.repeats)]
        cap = cfg.budget if strategy == "uncertainty" else random_cap
        runs[strategy] = [Run(data, scaler, pool, test, truth, Oracle(truth, cfg.noise, g),
                              cfg, cap) for g in rngs]
        with progress.task(f"{prop}: {strategy} sampling",
                           total=cfg.budget * cfg.repeats) as bar:
            for run, g in zip(runs[strategy], rngs, strict=True):
                _seed_by_search(run, data.keywords, data.patterns, g)
                run.report(bar)
                if strategy == "uncertainty":
                    _uncertainty_run(run, g, bar)
            if strategy == "random":
                _random_runs(runs[strategy], rngs, bar)
    unc_runs, rnd_runs = runs["uncertainty"], runs["random"]
    unc = curves.mean_curve([r.curve for r in unc_runs])
    rnd = curves.mean_curve([r.curve for r in rnd_runs])
    row = unc_runs[0].final_row(prop)
    row["target_f1"] = cfg.target_f1
    row["repeats"] = cfg.repeats
    row["seed_labels"] = round(float(np.mean([r.seed_labels for r in unc_runs])))
    n_unc = row["labels_to_target_uncertainty"] = curves.first_reaching(unc, cfg.target_f1)
    n_rnd = row["labels_to_target_random"] = curves.first_reaching(rnd, cfg.target_f1)
    # how far the random curve went (when it never reached the target: "more than this")
    row["random_labels_max"] = rnd[-1][0] if rnd else 0
    row["label_ratio"] = round(n_unc / n_rnd, 2) if n_unc and n_rnd else None
    # uncertainty needs at most half the labels of random sampling for target_f1; when random
    # never got there, it needs more than it used, so half of that is the bound to meet
    row["halves_labels"] = n_unc is not None and 2 * n_unc <= (n_rnd or row["random_labels_max"])
    row["f1_uncertainty_at_budget"] = curves.value_at(unc, cfg.budget)
    row["f1_random_at_budget"] = curves.value_at(rnd, cfg.budget)
    # what the same features reach with EVERY pool object labeled (the data's ceiling)
    all_pool = np.flatnonzero(pool)
    full = model.fit(data, all_pool, truth[all_pool], scaler=scaler, seed=cfg.seed)
    row["f1_all_pool_labeled"] = model.metrics(
        truth[test], model.score(data, full, test) >= 0.5)["f1"]
    row["pool"] = int(len(all_pool))
    row["curve_uncertainty"] = unc
    row["curve_random"] = rnd
    return row


def _correct_and_review(run: Run, rng: np.random.Generator) -> None:
    cfg = run.cfg
    for lo, hi in ((0.5, 1.0), (0.1, 0.5)):
        for _ in range(cfg.correction_pages):
            proba = model.score(run.data, run.m)
            page = candidates.in_range(proba, lo, hi, run.exclude, cfg.page_size, rng)
            if not len(page) or run.left() <= 0:
                break
            run.label(page)
            run.retrain()
    rows, y = run.labels.arrays()
    try:
        oof = model.cross_val_proba(run.data, rows, y, folds=cfg.folds, scaler=run.scaler)
    except LabelingError:
        return
    suspects = rows[candidates.likely_mislabeled(oof, y)[: cfg.page_size * cfg.review_pages]]
    # re-checking a label costs no new object: the oracle looks again (noise applies again)
    run.labels.add(suspects, run.oracle(suspects))
    run.retrain()


def simulate(ws: Workspace, con: duckdb.DuckDBPyConnection, props: list[str], truth_path: Path,
             cfg: SimConfig, *, space: str | None = None, progress: Progress = SILENT
             ) -> list[dict[str, Any]]:
    """Table 3 for each property plus labels-to-F1 for uncertainty vs random sampling."""
    unknown = [p for p in props if p not in KEYWORDS]
    if unknown:
        raise LabelingError(f"no simulation keywords for {unknown}",
                            hint=f"simulate one of {sorted(KEYWORDS)}")
    base = dataset.load(ws, con, "_simulation_", space)
    out = []
    for prop in props:
        data = _with_keywords(con, base, KEYWORDS[prop])
        truth = load_truth(truth_path, prop, data.asins)
        out.append(simulate_property(data, truth, prop, cfg, progress))
    return out
