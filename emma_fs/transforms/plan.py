"""The plan: for every transform, the fingerprint its files call for now, compared with the
version its view points at: ``new``, ``changed`` (with reasons: sql, parent, input file,
external table, macro, sqlglot), ``audits_changed`` or ``unchanged``, plus the downstream
transforms a change affects. Computing a plan runs nothing but metadata queries and file
hashing (and creates the temporary macros); the run executes the same plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from emma_fs import db
from emma_fs.errors import TransformError
from emma_fs.transforms import ddl, state
from emma_fs.transforms.dag import Dag
from emma_fs.transforms.fingerprint import (
    SHORT,
    Components,
    audit_hash,
    physical_name,
    sql_hash,
)
from emma_fs.transforms.macros import Macro, used_hashes
from emma_fs.transforms.model import Transform

if TYPE_CHECKING:
    import duckdb


@dataclass
class PlanItem:
    """One transform in the plan. ``fingerprint`` is the target version; ``current`` is what
    the view points at now (None: never built); ``reusable``: a complete physical table with
    the target fingerprint already exists, so switching to it is only a pointer swap."""

    transform: Transform
    fingerprint: str
    components: Components
    audit_hash: str
    status: str
    reasons: list[str]
    current: str | None
    reusable: bool
    downstream: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.transform.name

    @property
    def physical_table(self) -> str:
        return physical_name(self.name, self.fingerprint)

    @property
    def needs_work(self) -> bool:
        return self.status not in ("unchanged", "blocked")

    def to_record(self) -> dict[str, Any]:
        return {"transform": self.name, "kind": self.transform.kind, "status": self.status,
                "reasons": "; ".join(self.reasons),
                "current": (self.current or "")[:SHORT], "target": self.fingerprint[:SHORT],
                "action": self.action(), "downstream": ", ".join(self.downstream)}

    def action(self) -> str:
        if self.status in ("unchanged", "blocked"):
            return "none"
        if self.status == "audits_changed":
            return "audit"
        return "swap" if self.reusable else "build"


@dataclass
class Plan:
    items: dict[str, PlanItem]  # in build order
    dag: Dag

    def changed(self) -> list[PlanItem]:
        return [i for i in self.items.values() if i.needs_work]

    def check_runnable(self) -> None:
        """Raise naming the first transform whose input table does not exist."""
        for item in self.items.values():
            missing = [r.removeprefix("missing table ") for r in item.reasons
                       if r.startswith("missing table ")]
            if missing:
                raise TransformError(
                    f"transform {item.name} ({item.transform.path.name}) reads table "
                    f"{missing[0]}, which does not exist",
                    hint="ingest the raw data (or run the stage that writes it) first, or run "
                    "only other transforms: `emma-fs transform run NAME...`")

    def to_records(self) -> list[dict[str, Any]]:
        return [i.to_record() for i in self.items.values()]


def build_plan(con: duckdb.DuckDBPyConnection, transforms: Mapping[str, Transform],
               names: Iterable[str] | None = None,
               macros: Mapping[str, Macro] | None = None) -> Plan:
    """Plan every transform, or only ``names`` and what they need upstream (transforms outside
    the selection are not checked: another stage may not have written their inputs yet).
    ``macros`` are the shared macros (by name) whose hashes go into the fingerprints of the
    transforms calling them."""
    macros = macros or {}
    dag = Dag.build(transforms)
    selected = dag.upstream(names) if names else set(dag.order)
    current = state.current(con)
    recorded = {(v.name, v.fingerprint): v for v in state.versions(con)}
    present = state.physical_objects(con)
    existing = state.main_objects(con)
    source_versions = {k.lower(): v for k, v in db.source_versions(con).items()}
    external_cache: dict[str, str] = {}
    file_cache: dict[str, str] = {}
    items: dict[str, PlanItem] = {}
    for name in (n for n in dag.order if n in selected):
        t = transforms[name]
        if existing.get(name) == "table":
            raise TransformError(f"transform {name} ({t.path}) cannot create its view: a table "
                                 f"named {name} already exists in the database",
                                 hint="drop or rename that table, or rename the transform")
        used_macros = used_hashes(t.functions, macros)
        if used_macros and t.kind == "view":
            raise TransformError(
                f"transform {name} ({t.path}) is a view but calls macro "
                f"{', '.join(used_macros)}",
                hint="make it `kind: table`: macros exist only while the engine runs, and a view "
                "would re-read the macro whenever it is queried, so its version could not pin "
                "the macro's definition")
        missing = [x for x in t.tables if x not in transforms and x not in existing]
        blocked = [p for p in dag.parents[name] if items[p].status == "blocked"]
        if missing or blocked:
            reasons = [f"missing table {x}" for x in missing]
            reasons += [f"parent {p} is blocked" for p in blocked]
            items[name] = PlanItem(t, "", Components("", t.kind), "", "blocked", reasons,
                                   current[name].fingerprint if name in current else None,
                                   False)
            continue
        externals = {}
        for table in t.tables:
            if table in transforms:
                continue
            if table not in external_cache:
                external_cache[table] = source_versions.get(table) or _content_version(con, table)
            externals[table] = external_cache[table]
        files = {}
        for f in t.file_inputs:
            key = str(f.path)
            if key not in file_cache:
                file_cache[key] = f.content_hash()
            files[f.literal] = file_cache[key]
        comps = Components(sql_hash(t.canonical_sql()), t.kind,
                           {p: items[p].fingerprint for p in dag.parents[name]}, files, externals,
                           macros=used_macros)
        fp = comps.fingerprint()
        a_hash = audit_hash([a.text for a in t.audits])
        cur = current.get(name)
        reusable = (name, fp) in recorded and physical_name(name, fp) in present
        status, reasons = _status(cur, fp, comps, a_hash, recorded, present)
        items[name] = PlanItem(t, fp, comps, a_hash, status, reasons,
                               cur.fingerprint if cur else None, reusable)
    for item in items.values():
        if item.status in ("new", "changed"):
            item.downstream = dag.downstream(item.name)
    return Plan(items, dag)


def _status(cur: state.Current | None, fp: str, comps: Components, a_hash: str,
            recorded: Mapping[tuple[str, str], state.Version],
            present: Mapping[str, str]) -> tuple[str, list[str]]:
    if cur is None:
        return "new", ["never built"]
    if cur.fingerprint == fp:
        if cur.physical_table not in present:
            return "changed", [f"physical table {cur.physical_table} is missing"]
        if cur.audit_hash != a_hash:
            return "audits_changed", ["audits changed"]
        return "unchanged", []
    old = recorded.get((cur.name, cur.fingerprint))
    if old is None:
        return "changed", ["previous version unknown"]
    return "changed", comps.changes_since(old.components) or ["fingerprint changed"]


def _content_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Version of an external table with no recorded version: row count and an order-free
    hash of its rows (a full scan; ingest should record versions instead)."""
    rel = ddl.relation(table).as_("t")
    q = exp.select(exp.Count(this=exp.Star()),
                   exp.func("bit_xor", exp.func("hash", exp.column("t")))).from_(rel)
    n, h = con.execute(q.sql("duckdb")).fetchone()
    return f"content:{n}:{h}"
