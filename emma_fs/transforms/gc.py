"""Garbage collection of physical versions: drop every table/view in the versions schema that
no view points at, except the ``keep`` most recent other versions of each transform and the
physical tables that kept ``view``-kind versions read (a view version reads its parents'
physical tables, so those must stay for it to remain usable)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emma_fs.errors import TransformError
from emma_fs.transforms import ddl, state

if TYPE_CHECKING:
    import duckdb


def collect(con: duckdb.DuckDBPyConnection, keep: int = 1) -> list[str]:
    """Drop unreferenced versions in one transaction; returns the dropped physical names."""
    if keep < 0:
        raise TransformError(f"--keep must be 0 or more, got {keep}")
    present = state.physical_objects(con)
    versions = state.versions(con)
    current = {c.physical_table for c in state.current(con).values()}
    kept = set(current)
    by_name: dict[str, list[state.Version]] = {}
    for v in versions:
        by_name.setdefault(v.name, []).append(v)
    for vs in by_name.values():
        others = [v for v in vs if v.physical_table not in current]
        kept.update(v.physical_table for v in others[len(others) - keep:] if keep)
    reads = {v.physical_table: v.parent_tables for v in versions if v.kind == "view"}
    todo = list(kept)
    while todo:  # what kept view versions read, transitively
        for parent in reads.get(todo.pop(), ()):
            if parent not in kept:
                kept.add(parent)
                todo.append(parent)
    dropped = sorted(name for name in present if name not in kept)
    con.begin()
    try:
        # views first: a view version may read a table version dropped in the same batch
        for name in sorted(dropped, key=lambda n: present[n] != "view"):
            con.execute(ddl.drop(ddl.physical(name), present[name]))
        state.forget_versions(con, dropped)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return dropped
