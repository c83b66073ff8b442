"""The transform engine facade: what the CLI, tests and notebooks call.

``Engine(con, sql_dir, progress)`` loads the ``.sql`` files of ``sql_dir`` on every call (files
are the source of truth), creates the shared macros of ``sql_dir/macros/`` on its connection
(temporary macros, re-created on every plan/run/lineage call), plans against the state tables
and runs:

- :meth:`Engine.plan` what changed and why, what downstream is affected; runs nothing
  (it only creates the temporary macros);
- :meth:`Engine.run` builds what changed in dependency order (all, or ``names`` and what they
  need upstream); nothing changed means no work; an existing version is reused by a swap;
- :meth:`Engine.rollback` points a view back at the previous (or a named) version;
- :meth:`Engine.log`, :meth:`Engine.lineage`, :meth:`Engine.list`, :meth:`Engine.gc`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.errors import NotFound, TransformError
from emma_fs.progress import SILENT, Progress
from emma_fs.transforms import ddl, gc, state
from emma_fs.transforms.dag import Dag
from emma_fs.transforms.executor import Executor, StepResult
from emma_fs.transforms.fingerprint import SHORT
from emma_fs.transforms.lineage import column_lineage
from emma_fs.transforms.macros import Macro, install, load_macros
from emma_fs.transforms.model import Transform, load_transforms
from emma_fs.transforms.plan import Plan, build_plan

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace


@dataclass
class RunResult:
    """Steps taken (built / swapped / audited), the transforms left unchanged, and the number
    of ``running`` log rows of killed earlier runs that were marked ``interrupted``."""

    run_id: str
    steps: list[StepResult] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    interrupted: int = 0

    @property
    def built(self) -> list[str]:
        return [s.name for s in self.steps if s.action == "built"]

    @property
    def swapped(self) -> list[str]:
        return [s.name for s in self.steps if s.action == "swapped"]

    def to_records(self) -> list[dict[str, Any]]:
        return [{"transform": s.name, "action": s.action, "fingerprint": s.fingerprint[:SHORT],
                 "rows_in": s.rows_in, "rows_out": s.rows_out, "seconds": round(s.seconds, 3)}
                for s in self.steps]


class Engine:
    """The transforms of ``sql_dir`` on the DuckDB connection ``con`` (state tables are
    created on first use); progress goes to ``progress``, never to stdout."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql_dir: Path,
                 progress: Progress = SILENT) -> None:
        from emma_fs import db

        self.con = con
        self.sql_dir = Path(sql_dir)
        self.progress = progress
        self._installed_macros: set[str] = set()
        db.bootstrap(con)
        state.bootstrap(con)

    @classmethod
    def for_workspace(cls, ws: Workspace, progress: Progress = SILENT) -> Engine:
        """An engine on the workspace database and sql dir (close it, or use ``with``)."""
        from emma_fs import db

        return cls(db.connect(ws.duckdb_path), ws.sql_dir, progress)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def transforms(self) -> dict[str, Transform]:
        return load_transforms(self.sql_dir)

    def macros(self) -> dict[str, Macro]:
        """Load the shared macros of ``sql_dir/macros/`` and (re)create them on the connection
        (dropping ones this engine created earlier whose definition is gone)."""
        macros = load_macros(self.sql_dir)
        self._installed_macros = install(self.con, macros, self._installed_macros)
        return macros

    def plan(self, names: Iterable[str] | None = None) -> Plan:
        """What a run would do (all transforms, or ``names`` and their upstream). Creates the
        macros first, so the run (builds and audits) that follows can call them."""
        macros = self.macros()
        return build_plan(self.con, self.transforms(), names, macros)

    def run(self, names: Iterable[str] | None = None) -> RunResult:
        names = list(names) if names else None
        plan = self.plan(names)
        plan.check_runnable()
        result = RunResult(run_id=uuid.uuid4().hex[:12])
        result.interrupted = state.mark_interrupted(self.con)
        if result.interrupted:
            self.progress.info(f"marked {result.interrupted} run(s) of a killed process "
                               "as interrupted")
        todo = [i for i in plan.items.values() if i.needs_work]
        result.unchanged = [n for n, i in plan.items.items() if not i.needs_work]
        executor = Executor(self.con, result.run_id)
        with self.progress.task("transforms", total=len(todo)) as bar:
            for item in todo:
                parents = {p: ddl.physical(plan.items[p].physical_table)
                           for p in plan.dag.parents[item.name]}
                step = executor.execute(item, parents)
                result.steps.append(step)
                self.progress.info(f"{step.action} {item.name} ({item.fingerprint[:SHORT]})")
                bar.advance()
        return result

    def rollback(self, name: str, to: str | None = None) -> dict[str, Any]:
        """Point ``name``'s view at the version built before the current one, or at the
        version whose fingerprint starts with ``to``. Returns ``{transform, from, to}``."""
        cur = state.current(self.con).get(name)
        if cur is None:
            raise NotFound(f"transform {name!r} has never been built")
        present = state.physical_objects(self.con)
        versions = [v for v in state.versions(self.con, name) if v.physical_table in present]
        if to is None:
            now = next((v for v in versions if v.fingerprint == cur.fingerprint), None)
            older = [v for v in versions if v.fingerprint != cur.fingerprint
                     and (now is None or v.created_at <= now.created_at)]
            if not older:
                raise NotFound(f"transform {name} has no version older than the current "
                               f"{cur.fingerprint[:SHORT]}")
            target = older[-1]
        else:
            matches = [v for v in versions if v.fingerprint.startswith(to.lower())]
            if len(matches) != 1:
                known = ", ".join(v.fingerprint[:SHORT] for v in versions)
                raise NotFound(f"{'no' if not matches else 'more than one'} version of {name} "
                               f"matches {to!r}", hint=f"versions present: {known}")
            target = matches[0]
        try:
            self.con.execute(ddl.probe(ddl.physical(target.physical_table)))
        except Exception as exc:
            raise TransformError(f"version {target.fingerprint[:SHORT]} of {name} cannot be "
                                 f"read any more: {str(exc).splitlines()[0]}") from exc
        run_id = uuid.uuid4().hex[:12]
        state.log_start(self.con, run_id, name, target.fingerprint, "rollback")
        Executor(self.con, run_id).switch(name, target.fingerprint, target.physical_table,
                                          target.kind, target.audit_hash)
        state.log_end(self.con, run_id, name, "success")
        return {"transform": name, "from": cur.fingerprint[:SHORT],
                "to": target.fingerprint[:SHORT]}

    def log(self, limit: int = 50, name: str | None = None) -> list[dict[str, Any]]:
        return state.run_log(self.con, limit, name)

    def lineage(self, column: str) -> list[dict[str, Any]]:
        self.macros()
        return column_lineage(self.con, self.transforms(), column)

    def list(self) -> list[dict[str, Any]]:
        """Transforms in build order: kind, current fingerprint, versions kept, description."""
        transforms = self.transforms()
        current = state.current(self.con)
        counts: dict[str, int] = {}
        for v in state.versions(self.con):
            counts[v.name] = counts.get(v.name, 0) + 1
        order = Dag.build(transforms).order
        return [{"transform": n, "kind": transforms[n].kind,
                 "current": current[n].fingerprint[:SHORT] if n in current else "",
                 "versions": counts.get(n, 0), "file": transforms[n].path.name,
                 "description": transforms[n].description} for n in order]

    def gc(self, keep: int = 1) -> list[str]:
        """Drop physical versions no view points at, keeping the ``keep`` most recent others
        per transform (and what kept view versions read). Returns the dropped names."""
        return gc.collect(self.con, keep)
