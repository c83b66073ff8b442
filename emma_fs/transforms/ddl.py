"""The SQL the engine generates itself (create, swap, drop, count), built from sqlglot
expressions so names are always quoted correctly and no user text is pasted into SQL."""

from __future__ import annotations

from sqlglot import exp

VERSIONS_SCHEMA = "emma_versions"
DIALECT = "duckdb"


def relation(name: str, schema: str | None = None) -> exp.Table:
    """A quoted table reference ``"schema"."name"``; ``name`` may be ``schema.name``."""
    if schema is None and "." in name:
        schema, name = name.split(".", 1)
    return exp.table_(name, db=schema, quoted=True)


def physical(name: str) -> exp.Table:
    """A physical version table in the versions schema."""
    return relation(name, VERSIONS_SCHEMA)


def create_schema() -> str:
    return exp.Create(this=exp.Table(this=exp.to_identifier(VERSIONS_SCHEMA, quoted=True)),
                      kind="SCHEMA", exists=True).sql(DIALECT)


def create_as(target: exp.Table, query: exp.Query, kind: str) -> str:
    """``CREATE TABLE|VIEW target AS query`` (kind is ``table`` or ``view``)."""
    return exp.Create(this=target, kind=kind.upper(), expression=query).sql(DIALECT)


def point_view(view: exp.Table, target: exp.Table) -> str:
    """``CREATE OR REPLACE VIEW view AS SELECT * FROM target``: the current-version pointer."""
    return exp.Create(this=view, kind="VIEW", replace=True,
                      expression=exp.select("*").from_(target)).sql(DIALECT)


def drop(target: exp.Table, kind: str) -> str:
    return exp.Drop(tables=[target], kind=kind.upper(), exists=True).sql(DIALECT)


def count_rows(target: exp.Table | exp.Query) -> str:
    source = target.subquery("q") if isinstance(target, exp.Query) else target
    return exp.select(exp.Count(this=exp.Star())).from_(source).sql(DIALECT)


def probe(target: exp.Table) -> str:
    """A query that binds ``target`` without reading rows (fails if it is broken)."""
    return exp.select("*").from_(target).limit(0).sql(DIALECT)
