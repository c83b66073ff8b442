"""A labeling session: pages of candidates for one property and mode, and the answers to them.

Modes (paper section 5, Figure 4):

- ``search``: objects whose ``listing_text`` matches a word/regex, in a fixed random order.
- ``active``: uncertainty sampling; before every page the model is retrained on all labels so
  far and every object is scored, the unanswered ones closest to p = 0.5 are shown.
- ``correct``: like active, but random objects whose probability lies in ``[lo, hi]``.
- ``review``: grouped k-fold cross-validation over the labeled objects; they are shown in
  order of how likely they are mislabeled, with their current label.

Each answer goes straight to ``label_events`` (committed before it is acknowledged) with the
page number, the probability shown, the model and dataset fingerprints. Front-ends drive a
session: :func:`run_scripted` (an answers stream) and ``emma_fs.labeling.terminal``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import LabelingError, NotFound
from emma_fs.labeling import candidates, dataset, events, features, model, properties
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace

MODES = ("search", "active", "correct", "review")
DISPLAY_COLUMNS = ("title", "category_path", "image_paths", "price_usd", "mass_kg", "materials")


@dataclass
class PageItem:
    """One object on a page: what the labeler sees."""

    asin: str
    probability: float | None
    title: str | None = None
    category: str | None = None
    image_path: str | None = None
    price_usd: float | None = None
    mass_kg: float | None = None
    materials: list[str] = field(default_factory=list)
    current_label: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Page:
    number: int
    mode: str
    items: list[PageItem]
    model_fingerprint: str | None
    note: str = ""


class LabelSession:
    """Pages of candidates for ``prop`` in ``mode``; :meth:`answer` records labels."""

    def __init__(self, ws: Workspace, con: duckdb.DuckDBPyConnection, prop: str, mode: str, *,
                 word: str | None = None, prob_range: tuple[float, float] | None = None,
                 page_size: int = 20, who: str | None = None, seed: int = 0,
                 space: str | None = None, folds: int = 10, progress: Progress = SILENT):
        if mode not in MODES:
            raise LabelingError(f"unknown labeling mode {mode!r}", hint=f"one of {MODES}")
        if mode == "search":
            if not word:
                raise LabelingError("search mode needs a word or regex to search for")
            properties.register(con, prop)
        else:
            properties.require(con, prop)
        if mode == "correct":
            lo, hi = prob_range or (0.5, 1.0)
            if not 0.0 <= lo < hi <= 1.0:
                raise LabelingError(f"invalid probability range {lo}-{hi}",
                                    hint="use LO-HI with 0 <= LO < HI <= 1, e.g. 0.1-0.5")
            prob_range = (lo, hi)
        if page_size < 1:
            raise LabelingError("page size must be at least 1")
        self.ws, self.con, self.prop, self.mode = ws, con, prop, mode
        self.word, self.prob_range, self.page_size = word, prob_range, page_size
        self.folds, self.progress = folds, progress
        self.who = who or events.default_who()
        self.rng = np.random.default_rng(seed)
        with progress.task("loading embedding and features"):
            self.data = dataset.load(ws, con, prop, space)
        self.scaler = model.Scaler.of(self.data)
        self.model: model.LabelModel | None = None
        self.proba: np.ndarray | None = None
        self.page: Page | None = None
        self._page_number = 0
        self._shown: dict[str, float | None] = {}
        self._seen = np.zeros(self.data.n, dtype=bool)  # shown in this session
        self._search_order: np.ndarray | None = None

    # -- pages -------------------------------------------------------------------------------
    def _labeled(self) -> tuple[np.ndarray, np.ndarray]:
        labels = events.current_labels(self.con, self.prop)
        asins = np.array(list(labels), dtype=object)
        rows = self.data.rows_of(asins) if len(asins) else np.empty(0, dtype=np.int64)
        y = np.array([labels[a] for a in asins], dtype=np.int64)
        ok = rows >= 0
        return rows[ok], y[ok]

    def _retrain(self, required: bool) -> None:
        rows, y = self._labeled()
        if 0 < y.sum() < len(y):
            with self.progress.task(f"training on {len(y)} labels"):
                self.model = model.fit(self.data, rows, y, scaler=self.scaler)
                self.proba = model.score(self.data, self.model)
        elif required:
            raise LabelingError(
                f"{self.mode} mode needs labels of both classes for {self.prop!r} "
                f"(have {int(y.sum())} positive, {len(y) - int(y.sum())} negative)",
                hint=f"seed the training set with `emma-fs label search {self.prop} WORD`")
        else:
            self.model, self.proba = None, None

    def _exclude(self) -> np.ndarray:
        exclude = self._seen.copy()
        done = events.answered(self.con, self.prop)
        if done:
            rows = self.data.rows_of(list(done))
            exclude[rows[rows >= 0]] = True
        return exclude

    def _search_rows(self) -> np.ndarray:
        if self._search_order is None:
            features.require_listings(self.con)
            asins = [r[0] for r in self.con.execute(
                "SELECT asin FROM listings WHERE listing_text IS NOT NULL "
                "AND regexp_matches(listing_text, ?, 'i') ORDER BY asin", [self.word]).fetchall()]
            rows = self.data.rows_of(asins) if asins else np.empty(0, dtype=np.int64)
            rows = rows[rows >= 0]
            seed = int(hashlib.sha256(f"{self.prop}|{self.word}".encode()).hexdigest()[:8], 16)
            self._search_order = np.random.default_rng(seed).permutation(rows)
        return self._search_order

    def next_page(self) -> Page:
        """Retrain as the mode needs, choose the next page of candidates and return it."""
        import duckdb

        self._page_number += 1
        current: dict[int, int] = {}
        note = ""
        if self.mode == "search":
            try:
                order = self._search_rows()
            except duckdb.Error as exc:
                raise LabelingError(f"search pattern {self.word!r} failed: {exc}") from exc
            self._retrain(required=False)
            rows = candidates.ordered_unanswered(order, self._exclude(), self.page_size)
            note = f"{len(order)} listings match {self.word!r}"
        elif self.mode in ("active", "correct"):
            self._retrain(required=True)
            if self.mode == "active":
                rows = candidates.uncertain(self.proba, self._exclude(), self.page_size)
            else:
                lo, hi = self.prob_range
                rows = candidates.in_range(self.proba, lo, hi, self._exclude(),
                                           self.page_size, self.rng)
                note = f"{int(((self.proba >= lo) & (self.proba <= hi)).sum())} objects in range"
        else:
            self._retrain(required=True)
            lab_rows, y = self._labeled()
            with self.progress.task(f"{self.folds}-fold grouped cross-validation"):
                oof = model.cross_val_proba(self.data, lab_rows, y, folds=self.folds,
                                            scaler=self.scaler)
            order = candidates.likely_mislabeled(oof, y)
            keep = order[~self._seen[lab_rows[order]]][: self.page_size]
            rows = lab_rows[keep]
            current = dict(zip(rows.tolist(), y[keep].tolist(), strict=True))
            shown_p = dict(zip(rows.tolist(), oof[keep].tolist(), strict=True))
        self._seen[rows] = True
        if self.mode == "review":
            probs = [shown_p[int(r)] for r in rows]
        elif self.proba is not None:
            probs = [float(self.proba[r]) for r in rows]
        else:
            probs = [None] * len(rows)
        items = self._describe(self.data.asins[rows].tolist(), probs)
        for item, r in zip(items, rows.tolist(), strict=True):
            item.current_label = current.get(r)
        self._shown = {it.asin: it.probability for it in items}
        self.page = Page(self._page_number, self.mode, items,
                         self.model.fingerprint if self.model else None, note)
        return self.page

    def _describe(self, asins: list[str], probs: list[float | None]) -> list[PageItem]:
        items = [PageItem(asin=a, probability=p) for a, p in zip(asins, probs, strict=True)]
        if not asins:
            return items
        cols = set(r[0] for r in self.con.execute(
            "SELECT column_name FROM (DESCRIBE listings)").fetchall()) if self._has_listings() \
            else set()
        wanted = [c for c in DISPLAY_COLUMNS if c in cols]
        if not wanted:
            return items
        sel = ", ".join(f'"{c}"' for c in wanted)
        rows = self.con.execute(
            f"SELECT asin, {sel} FROM listings WHERE list_contains(?, asin)", [asins]).fetchall()
        info = {r[0]: dict(zip(wanted, r[1:], strict=True)) for r in rows}
        for it in items:
            d = info.get(it.asin, {})
            it.title = d.get("title")
            cat = d.get("category_path") or []
            it.category = " > ".join(cat) if cat else None
            paths = d.get("image_paths") or []
            it.image_path = paths[0] if paths else None
            it.price_usd = d.get("price_usd")
            it.mass_kg = d.get("mass_kg")
            it.materials = list(d.get("materials") or [])
        return items

    def _has_listings(self) -> bool:
        try:
            features.require_listings(self.con)
        except NotFound:
            return False
        return True

    # -- answers -----------------------------------------------------------------------------
    def _context(self) -> events.EventContext:
        return events.EventContext(
            mode=self.mode, page=self.page.number if self.page else None,
            model_fingerprint=self.model.fingerprint if self.model else None,
            dataset_fingerprint=self.data.fingerprint, who=self.who)

    def answer(self, asin: str, label: str) -> int:
        """Record (and commit) one answer; returns its event id."""
        row = int(self.data.rows_of([asin])[0])
        if row < 0:
            raise LabelingError(f"unknown ASIN {asin!r}: not in the labeling dataset",
                                hint="answers must name objects that have an embedding")
        if asin in self._shown:
            shown = self._shown[asin]
        else:
            shown = float(self.proba[row]) if self.proba is not None else None
        self._seen[row] = True
        return events.append(self.con, self.prop, asin, label, self._context(), shown)

    def undo(self) -> tuple[int, str] | None:
        """Compensate this labeler's latest answer; returns ``(event_id, asin)`` or None."""
        return events.undo_last(self.con, self.prop, self._context())

    def page_done(self, answered: set[str]) -> bool:
        return self.page is not None and all(it.asin in answered for it in self.page.items)


def parse_answer(line: str, where: str) -> tuple[str, str | None] | None:
    """Parse one scripted line: ``asin,label`` (label 1|0|skip), ``undo`` or ``next``.

    Returns ``(command_or_asin, label)``; None for blank and ``#`` comment lines."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.lower() in ("undo", "next"):
        return text.lower(), None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not parts[0]:
        raise LabelingError(f"{where}: expected `asin,label`, got {text!r}",
                            hint="label is 1, 0 or skip; `undo` and `next` are lines of "
                            "their own")
    label = parts[1].lower()
    if label not in events.LABELS:
        raise LabelingError(f"{where}: invalid label {parts[1]!r} for {parts[0]}",
                            hint="use 1 (positive), 0 (negative) or skip")
    return parts[0], label


def run_scripted(session: LabelSession, lines: Iterable[str], *, source: str = "answers",
                 on_saved: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Drive a session from an answers stream; each answer is committed as it is read.

    A page advances when every object on it is answered or on a ``next`` line; the next page
    is only computed (and the model retrained) when more answers follow."""
    page = session.next_page()
    answered: set[str] = set()
    stats = {"property": session.prop, "mode": session.mode, "answers": 0, "positive": 0,
             "negative": 0, "skip": 0, "undo": 0, "pages": 1}
    need_page = False
    for lineno, line in enumerate(lines, 1):
        parsed = parse_answer(line, f"{source}:{lineno}")
        if parsed is None:
            continue
        what, label = parsed
        if what == "next":
            need_page = True
            continue
        if need_page:
            page = session.next_page()
            answered, need_page = set(), False
            stats["pages"] += 1
        if what == "undo":
            done = session.undo()
            stats["undo"] += done is not None
            if on_saved and done:
                on_saved({"event_id": done[0], "asin": done[1], "label": "undo"})
            continue
        event_id = session.answer(what, label)
        answered.add(what)
        stats["answers"] += 1
        stats[{"1": "positive", "0": "negative", "skip": "skip"}[label]] += 1
        if on_saved:
            on_saved({"event_id": event_id, "asin": what, "label": label, "page": page.number})
        if session.page_done(answered) and page.items:
            need_page = True
    stats["last_page_size"] = len(page.items)
    return stats
