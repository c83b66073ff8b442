"""Audits: declarative data checks attached to a transform, each compiled to a query that returns
the violating rows (zero rows means pass).

Grammar of one ``-- audit:`` header line (see sql/README.md)::

    not_null(col, ...)                      rows where any listed column is NULL
    unique(col, ...)                        value combinations occurring more than once
    accepted_values(col: 'a', 'b', 3)       rows whose col is not one of the literals (NULL passes)
    relationships(col -> table.col)         rows whose col is not NULL and has no match in table
    custom(short name): SELECT ... @this    any query; ``@this`` is the table being audited
                                            (the name may hold balanced parentheses; relative
                                            file paths resolve against the sql dir)

The queries are built as sqlglot expressions, never by pasting user text into SQL strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from emma_fs.errors import AuditFailed, TransformError
from emma_fs.transforms.files import absolutize, collect_inputs, is_file_table
from emma_fs.transforms.messages import one_line

if TYPE_CHECKING:
    import duckdb

THIS_MACRO = re.compile(r"@this\b", re.IGNORECASE)
THIS_SENTINEL = "__emma_this__"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CALL = re.compile(r"^(?P<kind>\w+)\s*\((?P<args>.*)\)\s*$", re.DOTALL)
KINDS = ("not_null", "unique", "accepted_values", "relationships", "custom")
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Audit:
    """One parsed audit. ``text`` is the header text as written (it names the audit in errors)."""

    kind: str
    text: str
    columns: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # accepted_values literals, as DuckDB SQL
    ref_table: str = ""  # relationships target table (a transform or an external table)
    ref_column: str = ""
    custom_sql: str = ""  # custom audit query with @this replaced by THIS_SENTINEL
    references: tuple[str, ...] = field(default=())  # other tables the audit reads

    @property
    def label(self) -> str:
        """How errors name the audit: the header text, custom audits without their query."""
        return self.text.partition("):")[0] + ")" if self.kind == "custom" else self.text

    def query(self, this: exp.Table, resolve: Callable[[str], exp.Table]) -> exp.Query:
        """The violating-rows query against ``this``; ``resolve`` maps a referenced table name
        (relationships target, tables in a custom query) to the relation to read."""
        if self.kind == "not_null":
            cond = exp.or_(*(exp.column(c).is_(exp.null()) for c in self.columns))
            return exp.select("*").from_(this.copy()).where(cond)
        if self.kind == "unique":
            cols = [exp.column(c) for c in self.columns]
            n = exp.Count(this=exp.Star())
            return (exp.select(*cols, n.as_("n_rows")).from_(this.copy())
                    .group_by(*[c.copy() for c in cols]).having(n.copy() > 1))
        if self.kind == "accepted_values":
            col = exp.column(self.columns[0])
            values = [sqlglot.parse_one(v, read="duckdb") for v in self.values]
            return exp.select("*").from_(this.copy()).where(exp.not_(col.isin(*values)))
        if self.kind == "relationships":
            child = this.copy().as_("child")
            parent = resolve(self.ref_table).as_("parent")
            ccol = exp.column(self.columns[0], table="child")
            pcol = exp.column(self.ref_column, table="parent")
            return (exp.select(exp.column(exp.Star(), table="child")).from_(child)
                    .join(parent, on=exp.EQ(this=ccol, expression=pcol), join_type="left")
                    .where(exp.and_(ccol.copy().is_(exp.null()).not_(),
                                    pcol.copy().is_(exp.null()))))
        tree = sqlglot.parse_one(self.custom_sql, read="duckdb")
        for table in list(tree.find_all(exp.Table)):
            if not isinstance(table.this, exp.Identifier) or table.db:
                continue
            target = this if table.name == THIS_SENTINEL else resolve(table.name)
            replacement = target.copy()
            replacement.set("alias", table.args.get("alias") or exp.TableAlias(
                this=exp.to_identifier(table.name)))
            table.replace(replacement)
        return tree  # type: ignore[return-value]


def parse_audit(text: str, where: str, sql_dir: Path | None = None) -> Audit:
    """Parse the text after ``-- audit:``; ``where`` (file:line) goes into error messages,
    ``sql_dir`` resolves relative file paths in custom audit queries."""
    text = text.strip()
    if text.lower().startswith("custom"):
        return _parse_custom(text, where, sql_dir or Path("."))
    call = _CALL.match(text)
    if not call or call.group("kind") not in KINDS:
        raise TransformError(f"{where}: cannot read audit {text!r}",
                             hint="expected one of " + ", ".join(f"{k}(...)" for k in KINDS))
    kind, args = call.group("kind"), call.group("args").strip()
    if kind in ("not_null", "unique"):
        return Audit(kind, text, columns=_columns(args, where))
    if kind == "accepted_values":
        col, sep, values = args.partition(":")
        if not sep or not values.strip():
            raise TransformError(f"{where}: accepted_values needs `column: 'v1', 'v2'`, "
                                 f"got {text!r}")
        try:
            parsed = sqlglot.parse_one(f"({values})", read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise TransformError(f"{where}: accepted values do not parse: {values!r}") from exc
        items = parsed.expressions if isinstance(parsed, exp.Tuple) else [parsed.unnest()]
        if not all(isinstance(i, exp.Literal | exp.Boolean | exp.Neg) for i in items):
            raise TransformError(f"{where}: accepted_values takes literals only, got {values!r}")
        return Audit(kind, text, columns=_columns(col, where, one=True),
                     values=tuple(i.sql("duckdb") for i in items))
    col, sep, target = args.partition("->")
    ref_table, dot, ref_column = target.strip().rpartition(".")
    if not sep or not dot or not _IDENT.match(ref_column) or not ref_table:
        raise TransformError(f"{where}: relationships needs `column -> table.column`, got {text!r}")
    return Audit(kind, text, columns=_columns(col, where, one=True),
                 ref_table=ref_table.lower(), ref_column=ref_column,
                 references=(ref_table.lower(),))


def _parse_custom(text: str, where: str, sql_dir: Path) -> Audit:
    """``custom(name): query`` where ``name`` may contain balanced parentheses."""
    start = text.find("(")
    depth, end = 0, -1
    for i, ch in enumerate(text[start:] if start >= 0 else "", start=max(start, 0)):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            end = i
            break
    rest = text[end + 1:].lstrip() if end > 0 else ""
    if text[len("custom"):start].strip() or not rest.startswith(":"):
        raise TransformError(f"{where}: custom audit needs `custom(name): SELECT ...`, "
                             f"got {text!r}")
    sql = THIS_MACRO.sub(THIS_SENTINEL, rest[1:].strip())
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise TransformError(f"{where}: custom audit query does not parse: "
                             f"{one_line(exc)}") from exc
    if not isinstance(tree, exp.Query):
        raise TransformError(f"{where}: custom audit must be a SELECT query, got {text!r}")
    absolutize(tree, collect_inputs(tree, sql_dir, where))
    refs = tuple(sorted({table_name for t in tree.find_all(exp.Table)
                         if isinstance(t.this, exp.Identifier) and not is_file_table(t)
                         and (table_name := t.name.lower()) != THIS_SENTINEL}))
    return Audit("custom", text, custom_sql=tree.sql("duckdb"), references=refs)


def _columns(args: str, where: str, *, one: bool = False) -> tuple[str, ...]:
    cols = tuple(c.strip() for c in args.split(",") if c.strip())
    bad = [c for c in cols if not _IDENT.match(c)]
    if not cols or bad or (one and len(cols) != 1):
        raise TransformError(f"{where}: expected {'one column name' if one else 'column names'}"
                             f" in audit, got {args!r}")
    return cols


@dataclass(frozen=True)
class AuditResult:
    audit: Audit
    violations: int
    sample: list[dict[str, Any]]


def run_audits(con: duckdb.DuckDBPyConnection, audits: tuple[Audit, ...], this: exp.Table,
               resolve: Callable[[str], exp.Table]) -> list[AuditResult]:
    """Run every audit against ``this``; returns the failing ones (empty list: all passed)."""
    failed = []
    for audit in audits:
        q = audit.query(this, resolve)
        count_sql = exp.select(exp.Count(this=exp.Star())).from_(q.subquery("v")).sql("duckdb")
        n = con.execute(count_sql).fetchone()[0]
        if n:
            cur = con.execute(q.limit(SAMPLE_ROWS).sql("duckdb"))
            cols = [d[0] for d in cur.description]
            failed.append(AuditResult(audit, n, [dict(zip(cols, r, strict=True))
                                                 for r in cur.fetchall()]))
    return failed


def audit_error(transform: str, fingerprint: str, failures: list[AuditResult]) -> AuditFailed:
    """An AuditFailed naming the transform, each failing audit, its count and first rows."""
    parts = [f"audit {f.audit.label} failed: {f.violations} violating row(s); first rows: "
             f"{f.sample}" for f in failures]
    return AuditFailed(f"transform {transform} (version {fingerprint[:12]}): " + "; ".join(parts),
                       hint="the view still points at the previous version; fix the data or "
                       "the SQL and run again")
