"""Executes plan items against DuckDB, crash-safely:

1. build: ``CREATE TABLE|VIEW emma_versions.<name>__<fp12> AS <query>``, the audits and the
   version record all run in ONE transaction: a process killed mid-build leaves nothing behind
   (DuckDB rolls the transaction back on restart) and a failing audit rolls it back too;
2. switch: the view in ``main`` and the ``_emma_transforms`` pointer change in a second, short
   transaction, so a view always points at a complete table.
A physical table that already exists with the target fingerprint is reused (switch only).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from emma_fs.errors import AuditFailed, TransformError
from emma_fs.transforms import ddl, state
from emma_fs.transforms.audits import audit_error, run_audits
from emma_fs.transforms.plan import PlanItem
from emma_fs.transforms.rewrite import build_query

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class StepResult:
    """What happened to one transform in a run (action: built | swapped | audited)."""

    name: str
    action: str
    fingerprint: str
    rows_in: int | None
    rows_out: int | None
    seconds: float


class Executor:
    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con = con
        self.run_id = run_id

    def execute(self, item: PlanItem, parents: Mapping[str, exp.Table]) -> StepResult:
        """Bring ``item`` to its target version (build, swap or audit only) and log it."""
        action = {"build": "built", "swap": "swapped", "audit": "audited"}[item.action()]
        started = time.perf_counter()
        state.log_start(self.con, self.run_id, item.name, item.fingerprint, action)
        rows_in = rows_out = None
        try:
            if action == "built":
                rows_in, rows_out = self._build(item, parents)
            else:
                self._audit_existing(item)
            self.switch(item.name, item.fingerprint, item.physical_table, item.transform.kind,
                        item.audit_hash)
        except AuditFailed as exc:
            state.log_end(self.con, self.run_id, item.name, "failed", rows_in=rows_in,
                          rows_out=rows_out, message=str(exc))
            raise
        except Exception as exc:
            import duckdb

            if not isinstance(exc, duckdb.Error | TransformError):
                raise
            message = f"transform {item.name} ({item.transform.path.name}) failed: " + (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            state.log_end(self.con, self.run_id, item.name, "failed", message=message)
            raise TransformError(message) from exc
        state.log_end(self.con, self.run_id, item.name, "success", rows_in=rows_in,
                      rows_out=rows_out)
        return StepResult(item.name, action, item.fingerprint, rows_in, rows_out,
                          time.perf_counter() - started)

    def _build(self, item: PlanItem, parents: Mapping[str, exp.Table]) -> tuple[int, int]:
        t = item.transform
        query = build_query(t, parents, item.fingerprint)
        target = ddl.physical(item.physical_table)
        inputs = [parents[p] for p in sorted(parents)] + [
            ddl.relation(x) for x in t.tables if x not in parents]
        self.con.begin()
        try:
            rows_in = sum(self.con.execute(ddl.count_rows(r)).fetchone()[0] for r in inputs)
            self.con.execute(ddl.create_as(target, query, t.kind))
            rows_out = self.con.execute(ddl.count_rows(target)).fetchone()[0]
            failures = run_audits(self.con, t.audits, target, ddl.relation)
            if failures:
                raise audit_error(item.name, item.fingerprint, failures)
            state.record_version(
                self.con, name=item.name, fingerprint=item.fingerprint,
                physical_table=item.physical_table, kind=t.kind, components=item.components,
                audit_hash=item.audit_hash,
                parent_tables=[parents[p].name for p in sorted(parents)], rows_out=rows_out)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()
        return rows_in, rows_out

    def _audit_existing(self, item: PlanItem) -> None:
        """A reused version: re-run the audits when they changed since it was built."""
        recorded = {v.fingerprint: v for v in state.versions(self.con, item.name)}
        version = recorded.get(item.fingerprint)
        if version is not None and version.audit_hash == item.audit_hash:
            return
        failures = run_audits(self.con, item.transform.audits,
                              ddl.physical(item.physical_table), ddl.relation)
        if failures:
            raise audit_error(item.name, item.fingerprint, failures)
        self.con.execute("UPDATE _emma_transform_versions SET audit_hash = ? "
                         "WHERE name = ? AND fingerprint = ?",
                         [item.audit_hash, item.name, item.fingerprint])

    def switch(self, name: str, fingerprint: str, physical_table: str, kind: str,
               audit_hash: str | None) -> None:
        """Point ``main.<name>`` at a physical version, atomically with the state pointer."""
        self.con.begin()
        try:
            self.con.execute(ddl.point_view(ddl.relation(name, "main"),
                                            ddl.physical(physical_table)))
            state.set_current(self.con, name=name, fingerprint=fingerprint,
                              physical_table=physical_table, kind=kind, audit_hash=audit_hash)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()
