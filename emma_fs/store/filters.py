"""Feast metadata filters (``ComparisonFilter`` / ``CompoundFilter``) as LanceDB ``where`` SQL.

Keys must be columns of the view's table (checked, so a key can never inject SQL); values are
rendered as SQL literals with quotes escaped. ``in`` / ``nin`` take a list of values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from emma_fs.errors import StoreError

_OPS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def literal(value: Any) -> str:
    """A SQL literal for a Python scalar."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def in_list(column: str, values: Iterable[Any]) -> str:
    """``column IN (...)`` for a list of values (``FALSE`` for an empty list)."""
    items = [literal(v) for v in values]
    return f"{column} IN ({', '.join(items)})" if items else "FALSE"


def to_where(filters: Any, columns: Iterable[str]) -> str | None:
    """Translate a Feast filter tree into a where clause over ``columns`` (None: no filter)."""
    if filters is None:
        return None
    known = set(columns)

    def walk(f: Any) -> str:
        kind = getattr(f, "type", None)
        if kind in ("and", "or"):
            parts = [walk(sub) for sub in f.filters]
            if not parts:
                return "TRUE" if kind == "and" else "FALSE"
            return "(" + f" {kind.upper()} ".join(parts) + ")"
        if f.key not in known:
            raise StoreError(f"filter on unknown column {f.key!r}",
                             hint=f"filterable columns: {sorted(known)}")
        if kind in ("in", "nin"):
            if not isinstance(f.value, list | tuple | set):
                raise StoreError(f"filter {kind!r} on {f.key!r} needs a list of values")
            clause = in_list(f.key, f.value)
            return clause if kind == "in" else f"NOT ({clause})"
        if kind not in _OPS:
            raise StoreError(f"unsupported filter operator {kind!r}")
        if f.value is None:
            return f"{f.key} IS {'NOT ' if kind == 'ne' else ''}NULL"
        return f"{f.key} {_OPS[kind]} {literal(f.value)}"

    return walk(filters)
