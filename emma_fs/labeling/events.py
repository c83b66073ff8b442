"""The append-only ``label_events`` log and the labels derived from it.

Every answer (``1`` positive, ``0`` negative, ``skip``) is one INSERT committed on its own, so a
killed labeling process loses nothing it acknowledged. Nothing is ever updated or deleted: an
undo is a compensating ``undo`` event whose ``undoes`` column names the event it cancels, and a
later label for the same ASIN supersedes an earlier one. The effective label of an ASIN is its
latest ``0``/``1`` event that has not been undone; ``skip`` events never change a label, they
only keep the ASIN off later candidate pages.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from emma_fs.errors import LabelingError

if TYPE_CHECKING:
    import duckdb

LABELS = ("1", "0", "skip")

# The latest non-undone event per ASIN among the given labels.
_LATEST_SQL = """
SELECT asin, arg_max(label, event_id) AS label
FROM label_events
WHERE property = $prop AND label IN ({labels})
  AND event_id NOT IN (SELECT undoes FROM label_events
                       WHERE property = $prop AND label = 'undo' AND undoes IS NOT NULL)
GROUP BY asin
"""


@dataclass(frozen=True)
class EventContext:
    """What is recorded with every answer besides the answer itself."""

    mode: str
    page: int | None = None
    model_fingerprint: str | None = None
    dataset_fingerprint: str | None = None
    who: str = ""


def default_who() -> str:
    """The labeler's name: the OS user."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "unknown"


def append(con: duckdb.DuckDBPyConnection, prop: str, asin: str, label: str,
           ctx: EventContext, probability_shown: float | None = None) -> int:
    """Record one answer and commit it; returns the new ``event_id``."""
    if label not in LABELS:
        raise LabelingError(f"invalid label {label!r} for {asin}", hint="use 1, 0 or skip")
    row = con.execute(
        """INSERT INTO label_events (property, asin, label, mode, page, probability_shown,
               model_fingerprint, dataset_fingerprint, who, "at")
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING event_id""",
        [prop, asin, label, ctx.mode, ctx.page, probability_shown, ctx.model_fingerprint,
         ctx.dataset_fingerprint, ctx.who or default_who(), datetime.now(UTC)],
    ).fetchone()
    return int(row[0])


def undo_last(con: duckdb.DuckDBPyConnection, prop: str,
              ctx: EventContext) -> tuple[int, str] | None:
    """Compensate the latest not-yet-undone answer by ``ctx.who`` on ``prop``.

    Returns ``(undo_event_id, asin)`` or None when there is nothing to undo."""
    who = ctx.who or default_who()
    target = con.execute(
        """SELECT event_id, asin FROM label_events
           WHERE property = ? AND who = ? AND label <> 'undo'
             AND event_id NOT IN (SELECT undoes FROM label_events
                                  WHERE property = ? AND label = 'undo' AND undoes IS NOT NULL)
           ORDER BY event_id DESC LIMIT 1""",
        [prop, who, prop],
    ).fetchone()
    if target is None:
        return None
    row = con.execute(
        """INSERT INTO label_events (property, asin, label, mode, page, probability_shown,
               model_fingerprint, dataset_fingerprint, who, "at", undoes)
           VALUES (?, ?, 'undo', ?, ?, NULL, ?, ?, ?, ?, ?) RETURNING event_id""",
        [prop, target[1], ctx.mode, ctx.page, ctx.model_fingerprint, ctx.dataset_fingerprint,
         who, datetime.now(UTC), target[0]],
    ).fetchone()
    return int(row[0]), str(target[1])


def current_labels(con: duckdb.DuckDBPyConnection, prop: str) -> dict[str, int]:
    """Effective labels ``{asin: 0|1}`` of a property."""
    rows = con.execute(_LATEST_SQL.format(labels="'0', '1'"), {"prop": prop}).fetchall()
    return {asin: int(label) for asin, label in rows}


def answered(con: duckdb.DuckDBPyConnection, prop: str) -> set[str]:
    """ASINs that are labeled or whose latest answer is a skip (kept off candidate pages)."""
    rows = con.execute(_LATEST_SQL.format(labels="'0', '1', 'skip'"), {"prop": prop}).fetchall()
    return {asin for asin, _ in rows}


def counts(con: duckdb.DuckDBPyConnection, prop: str) -> dict[str, int]:
    """Event counts by label (all events, including superseded and undone ones)."""
    rows = con.execute(
        "SELECT label, count(*) FROM label_events WHERE property = ? GROUP BY label", [prop]
    ).fetchall()
    return {label: int(n) for label, n in rows}
