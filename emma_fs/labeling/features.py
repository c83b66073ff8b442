"""Keyword (regex) text-match features of a property, computed in DuckDB.

A feature is a pattern matched case-insensitively against ``listings.listing_text`` with
DuckDB's ``regexp_matches`` (RE2 syntax; a plain word matches as a substring, as in the paper:
``electr`` matches "electric" and "electronics"). Definitions live in ``label_feature_defs``;
the matching ASINs in ``label_feature_hits`` (only hits are stored). Each feature is a 0/1
column of the property's design matrix next to the object embedding.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from emma_fs.errors import LabelingError, NotFound
from emma_fs.labeling import properties

if TYPE_CHECKING:
    import duckdb

MAX_PATTERN_LEN = 200


def require_listings(con: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`NotFound` unless the ``listings`` view/table exists."""
    found = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = 'listings' UNION ALL "
        "SELECT 1 FROM duckdb_views() WHERE view_name = 'listings'"
    ).fetchone()
    if not found:
        raise NotFound("the `listings` view does not exist in this workspace",
                       hint="run `emma-fs transform run` first")


def _check_pattern(con: duckdb.DuckDBPyConnection, pattern: str) -> str:
    import duckdb

    if not pattern.strip() or len(pattern) > MAX_PATTERN_LEN:
        raise LabelingError(f"invalid keyword feature {pattern!r}",
                            hint=f"give a non-empty word or regex of at most "
                            f"{MAX_PATTERN_LEN} characters")
    try:
        con.execute("SELECT regexp_matches('', ?, 'i')", [pattern]).fetchone()
    except duckdb.Error as exc:
        raise LabelingError(f"keyword feature {pattern!r} is not a valid regular expression: "
                            f"{exc}", hint="RE2 syntax; escape special characters") from exc
    return pattern


def _compute_hits(con: duckdb.DuckDBPyConnection, prop: str, pattern: str) -> int:
    con.execute("DELETE FROM label_feature_hits WHERE property = ? AND pattern = ?",
                [prop, pattern])
    con.execute(
        """INSERT INTO label_feature_hits
           SELECT ?, ?, asin FROM listings
           WHERE listing_text IS NOT NULL AND regexp_matches(listing_text, ?, 'i')""",
        [prop, pattern, pattern],
    )
    return int(con.execute(
        "SELECT count(*) FROM label_feature_hits WHERE property = ? AND pattern = ?",
        [prop, pattern]).fetchone()[0])


def add(con: duckdb.DuckDBPyConnection, prop: str, patterns: list[str]) -> dict[str, int]:
    """Add keyword features (idempotent) and compute their hits; returns hits per pattern."""
    properties.register(con, prop)
    require_listings(con)
    checked = [_check_pattern(con, p) for p in patterns]
    out: dict[str, int] = {}
    con.execute("BEGIN")
    try:
        for pattern in checked:
            con.execute("INSERT INTO label_feature_defs VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        [prop, pattern, datetime.now(UTC)])
            out[pattern] = _compute_hits(con, prop, pattern)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return out


def remove(con: duckdb.DuckDBPyConnection, prop: str, patterns: list[str]) -> list[str]:
    """Remove keyword features; unknown patterns are an error (nothing is removed then)."""
    properties.require(con, prop)
    known = set(list_patterns(con, prop))
    unknown = [p for p in patterns if p not in known]
    if unknown:
        raise NotFound(f"property {prop!r} has no keyword feature(s) {unknown}",
                       hint=f"its features: {sorted(known) or 'none'}")
    for pattern in patterns:
        con.execute("DELETE FROM label_feature_defs WHERE property = ? AND pattern = ?",
                    [prop, pattern])
        con.execute("DELETE FROM label_feature_hits WHERE property = ? AND pattern = ?",
                    [prop, pattern])
    return patterns


def refresh(con: duckdb.DuckDBPyConnection, prop: str) -> dict[str, int]:
    """Recompute every feature's hits (after the ``listings`` view changed)."""
    properties.require(con, prop)
    require_listings(con)
    return {p: _compute_hits(con, prop, p) for p in list_patterns(con, prop)}


def list_patterns(con: duckdb.DuckDBPyConnection, prop: str) -> list[str]:
    """The property's patterns in the order they were added (= design-matrix column order)."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'label_feature_defs'"
                       ).fetchone():
        return []  # nothing labeled yet (works on read-only connections too)
    return [r[0] for r in con.execute(
        "SELECT pattern FROM label_feature_defs WHERE property = ? ORDER BY added_at, pattern",
        [prop]).fetchall()]


def match_frame(con: duckdb.DuckDBPyConnection, patterns: list[str]):  # noqa: ANN201
    """``(asin, pattern)`` rows of every listing matching each pattern, without storing them
    (for what-if use such as the simulation). Returns a pandas DataFrame."""
    require_listings(con)
    checked = [_check_pattern(con, p) for p in patterns]
    return con.execute(
        """SELECT l.asin, p.pattern FROM listings l, (SELECT unnest(?) AS pattern) p
           WHERE l.listing_text IS NOT NULL AND regexp_matches(l.listing_text, p.pattern, 'i')""",
        [checked]).fetch_df()


def summary(con: duckdb.DuckDBPyConnection, prop: str) -> list[dict]:
    """One row per feature: pattern and number of matching listings."""
    properties.require(con, prop)
    rows = con.execute(
        """SELECT d.pattern, count(h.asin) AS hits FROM label_feature_defs d
           LEFT JOIN label_feature_hits h USING (property, pattern)
           WHERE d.property = ? GROUP BY d.pattern, d.added_at ORDER BY d.added_at, d.pattern""",
        [prop]).fetchall()
    return [{"property": prop, "pattern": p, "hits": int(n)} for p, n in rows]
