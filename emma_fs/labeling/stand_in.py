"""A stand-in labeller: answers real Smart Labeling pages from a truth file.

The demo uses it to show a whole labeling session on generated data without a person at the
keyboard: keyword features, word-search pages, active-learning pages, then ``status`` and
``apply`` as a user would run them. Every answer goes through :class:`LabelSession.answer`,
so the session writes the same append-only ``label_events`` (``who`` = ``stand-in``) a
person's session would; only the answers come from the truth instead of a person. Objects the
truth does not know are skipped, as a person skips what they cannot judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.labeling import features
from emma_fs.labeling.session import LabelSession
from emma_fs.labeling.simulate import KEYWORDS, load_truth
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace

WHO = "stand-in"


@dataclass(frozen=True)
class StandInPlan:
    """What the stand-in labels: ``search_pages`` pages of word search, then
    ``active_pages`` pages of uncertainty sampling, ``page_size`` objects each."""

    search_word: str
    search_pages: int = 3
    active_pages: int = 5
    page_size: int = 20


def _answer_pages(session: LabelSession, truth: dict[str, int], pages: int) -> dict[str, int]:
    counts = {"pages": 0, "positive": 0, "negative": 0, "skip": 0}
    for _ in range(pages):
        page = session.next_page()
        if not page.items:
            break
        counts["pages"] += 1
        for item in page.items:
            known = truth.get(item.asin, -1)
            label = "skip" if known < 0 else str(known)
            session.answer(item.asin, label)
            counts[{"1": "positive", "0": "negative", "skip": "skip"}[label]] += 1
    return counts


def label_with_truth(ws: Workspace, con: duckdb.DuckDBPyConnection, prop: str,
                     truth_path: Path, plan: StandInPlan, *, space: str | None = None,
                     progress: Progress = SILENT) -> dict[str, Any]:
    """Run search then active pages for ``prop``, answered from ``truth_path``."""
    if prop in KEYWORDS:  # the paper's keyword features first (idempotent)
        features.add(con, prop, KEYWORDS[prop])
    search = LabelSession(ws, con, prop, "search", word=plan.search_word,
                          page_size=plan.page_size, who=WHO, space=space, progress=progress)
    asins = search.data.asins
    truth = dict(zip(asins.tolist(), load_truth(truth_path, prop, asins).tolist(),
                     strict=True))
    done = {"search": _answer_pages(search, truth, plan.search_pages)}
    active = LabelSession(ws, con, prop, "active", page_size=plan.page_size, who=WHO,
                          space=space, progress=progress)
    done["active"] = _answer_pages(active, truth, plan.active_pages)
    return {"property": prop, "who": WHO, **{f"{mode}_{k}": v for mode, c in done.items()
                                            for k, v in c.items()}}
