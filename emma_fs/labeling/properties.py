"""Property names (``is_container``, ``sharp``...) and their registry table.

A property is created the first time it is used by ``features`` or ``search``; every other mode
requires it to exist, so a typo gives a clear error instead of an empty model.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from emma_fs.errors import LabelingError, NotFound
from emma_fs.labeling.tables import ensure_tables

if TYPE_CHECKING:
    import duckdb

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_name(prop: str) -> str:
    """Return ``prop`` if it is a valid property name, else raise :class:`LabelingError`."""
    if not _NAME.match(prop):
        raise LabelingError(
            f"invalid property name {prop!r}",
            hint="use lower-case letters, digits and underscores, starting with a letter "
            "(e.g. is_container)",
        )
    return prop


def register(con: duckdb.DuckDBPyConnection, prop: str) -> None:
    """Create the property if new (idempotent)."""
    check_name(prop)
    ensure_tables(con)
    con.execute(
        "INSERT INTO label_properties VALUES (?, ?) ON CONFLICT DO NOTHING",
        [prop, datetime.now(UTC)],
    )


def require(con: duckdb.DuckDBPyConnection, prop: str) -> None:
    """Raise :class:`NotFound` unless the property exists."""
    check_name(prop)
    ensure_tables(con)
    if not con.execute("SELECT 1 FROM label_properties WHERE property = ?", [prop]).fetchone():
        known = [r[0] for r in con.execute(
            "SELECT property FROM label_properties ORDER BY property").fetchall()]
        raise NotFound(
            f"no labeling property {prop!r} yet",
            hint=f"start with `emma-fs label features {prop} --add WORD` or "
            f"`emma-fs label search {prop} WORD`; known: {known or 'none'}",
        )
