"""Column-level lineage through the transform DAG with ``sqlglot.lineage``, one transform at a
time: the column is traced inside the transform's query (through its CTEs and subqueries) to
the columns of the tables it reads, with every table's and view's schema read from DuckDB; a
source column that belongs to another transform is traced again inside that transform, down to
the raw (external) tables and input files. Files read through ``read_csv(...)`` etc. get their
schema from DuckDB too (``DESCRIBE``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.lineage import Node, lineage

from emma_fs.errors import NotFound, TransformError
from emma_fs.transforms.files import absolutize, is_file_table
from emma_fs.transforms.messages import one_line
from emma_fs.transforms.model import FINGERPRINT_SENTINEL, Transform

if TYPE_CHECKING:
    import duckdb

FILE_PREFIX = "__emma_file_"


@dataclass
class _Tracer:
    con: duckdb.DuckDBPyConnection
    transforms: Mapping[str, Transform]
    schema: dict[str, dict[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    prepared: dict[str, tuple[exp.Query, dict[str, str]]] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def trace(self, name: str, column: str, depth: int) -> None:
        """Emit ``name.column`` and, once per column, everything it is computed from."""
        key = (name, column.lower())
        if key in self.seen:
            self.rows.append({"depth": depth, "column": f"{name}.{column}", "kind": "transform",
                              "expression": "(traced above)"})
            return
        self.seen.add(key)
        tree, files = self._prepare(name)
        try:
            root = lineage(column, tree, schema=self.schema, dialect="duckdb")
        except sqlglot.errors.SqlglotError as exc:
            if depth == 0:
                raise TransformError(f"cannot trace {name}.{column}: {one_line(exc)}") from exc
            self.rows.append({"depth": depth, "column": f"{name}.{column}", "kind": "transform",
                              "expression": f"(not traceable: {one_line(exc)})"})
            return
        self._walk(root, name, files, depth, root_column=column)

    def _walk(self, node: Node, owner: str, files: Mapping[str, str], depth: int,
              root_column: str | None = None) -> None:
        col = root_column or node.name.rpartition(".")[2]
        if isinstance(node.source, exp.Table) and not node.downstream:
            table = node.source
            name = table.name.lower() if isinstance(table.this, exp.Identifier) else ""
            if name in self.transforms:
                self.trace(name, col, depth)
                return
            if name in files:
                kind, label = "file", f"{files[name]}:{col}"
            elif name:
                kind, label = "external", f"{name}.{col}"
            else:  # a table function without a schema (range(), unnest(), ...)
                kind, label = "function", f"{table.this.sql('duckdb')}:{col}"
            self.rows.append({"depth": depth, "column": label, "kind": kind,
                              "expression": ""})
            return
        kind = "transform" if root_column else "cte"
        label = f"{owner}.{col}" if root_column else f"{owner}:{node.name}"
        expression = node.expression.sql("duckdb", comments=False)
        expression = expression.replace(f"'{FINGERPRINT_SENTINEL}'", "@fingerprint")
        for placeholder, literal in files.items():
            expression = expression.replace(placeholder, f"'{literal}'")
        self.rows.append({"depth": depth, "column": label, "kind": kind,
                          "expression": expression[:200]})
        for child in node.downstream:
            self._walk(child, owner, files, depth + 1)

    def _prepare(self, name: str) -> tuple[exp.Query, dict[str, str]]:
        """The transform's query with file reads replaced by placeholder tables whose schema
        DuckDB describes; returns the tree and placeholder -> file literal."""
        if name in self.prepared:
            return self.prepared[name]
        t = self.transforms[name]
        tree = t.query.copy()
        files: dict[str, str] = {}
        for table in list(tree.find_all(exp.Table)):
            is_func = isinstance(table.this, exp.Func)
            if not (is_func or is_file_table(table)):
                continue
            source = table.copy()
            literal = (table.this.sql("duckdb") if is_func else table.name)
            absolutize(source, {f.literal: f for f in t.file_inputs})
            source.set("alias", None)
            try:
                cols = self.con.execute(
                    exp.Describe(this=exp.select("*").from_(source)).sql("duckdb")).fetchall()
            except Exception:  # noqa: BLE001 - not describable: traced as an opaque function
                continue
            placeholder = f"{FILE_PREFIX}{len(self.schema)}"
            self.schema[placeholder] = {c[0]: _type(c[1]) for c in cols}
            files[placeholder] = _file_label(t, literal)
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(placeholder))
            table.replace(exp.Table(this=exp.to_identifier(placeholder), alias=alias))
        self.prepared[name] = (tree, files)
        return self.prepared[name]


def column_lineage(con: duckdb.DuckDBPyConnection, transforms: Mapping[str, Transform],
                   column: str) -> list[dict[str, Any]]:
    """Rows ``{depth, column, kind, expression}`` from ``TABLE.COLUMN`` (depth 0) down to the
    source columns; ``kind`` is transform | cte | external | file | function."""
    table, _, col = column.strip().lower().rpartition(".")
    if not table or not col:
        raise TransformError(f"expected TABLE.COLUMN, got {column!r}")
    if table not in transforms:
        raise NotFound(f"no transform named {table!r}",
                       hint=f"known: {', '.join(sorted(transforms)) or 'none'}")
    tracer = _Tracer(con, transforms, _schema(con))
    tracer.trace(table, col, 0)
    return tracer.rows


def _file_label(t: Transform, literal: str) -> str:
    for f in t.file_inputs:
        if f.literal in literal:
            return f.literal
    return literal


def _schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Columns and types of every table and view in the main schema (transform views
    included), as sqlglot's mapping schema."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
    schema: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        schema.setdefault(table.lower(), {})[column] = _type(dtype)
    return schema


def _type(dtype: str) -> str:
    """A type sqlglot can parse (anything else becomes VARCHAR: lineage ignores types)."""
    try:
        exp.DataType.build(dtype, dialect="duckdb")
        return dtype
    except Exception:  # noqa: BLE001 - any unparsable type is just a column to lineage
        return "VARCHAR"
