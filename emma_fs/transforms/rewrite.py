"""Rewrite a transform's tree into the query the engine runs: references to other transforms
point at their physical version tables, relative file paths become absolute (resolved against
the sql dir), and the ``@fingerprint`` placeholder becomes the transform's fingerprint string."""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from emma_fs.transforms.files import absolutize
from emma_fs.transforms.model import (
    FINGERPRINT_SENTINEL,
    Transform,
    source_tables,
    table_key,
)


def build_query(transform: Transform, parents: Mapping[str, exp.Table],
                fingerprint: str) -> exp.Query:
    """The runnable query. ``parents`` maps a parent transform's name to the relation to read
    (its physical table); other (external) tables are qualified with ``main`` when unqualified,
since DuckDB resolves names in a view against the view's own schema first."""
    query = transform.query.copy()
    for table in source_tables(query):
        target = parents.get(table_key(table))
        if target is None:
            if not table.db:  # a view version in emma_versions would look there first
                table.set("db", exp.to_identifier("main"))
            continue
        replacement = target.copy()
        # keep the name the query uses for the table, so `parent.col` references still bind
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        replacement.set("alias", alias)
        table.replace(replacement)
    absolutize(query, {f.literal: f for f in transform.file_inputs})
    return substitute_fingerprint(query, fingerprint)


def substitute_fingerprint(query: exp.Query, fingerprint: str) -> exp.Query:
    for lit in list(query.find_all(exp.Literal)):
        if lit.is_string and lit.this == FINGERPRINT_SENTINEL:
            lit.replace(exp.Literal.string(fingerprint))
    return query
