"""Read-only ad-hoc queries against the workspace database (``emma-fs sql``).

:func:`run_query` parses the text with sqlglot first and rejects anything that is not a query
(SELECT / WITH / UNION / VALUES / PIVOT, plus DESCRIBE, SHOW and SUMMARIZE) with a one-line
:class:`~emma_fs.errors.QueryError` before DuckDB sees it; ``dialect`` transpiles another SQL
dialect to DuckDB's. The database is opened ``read_only=True`` as a second guard.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from emma_fs.errors import QueryError
from emma_fs.transforms.messages import one_line

if TYPE_CHECKING:
    import pyarrow as pa

READ_ONLY_TYPES = (exp.Query, exp.Values, exp.Pivot, exp.Describe, exp.Show, exp.Summarize)


def to_duckdb_sql(sql: str, dialect: str | None = None) -> str:
    """Validate that ``sql`` is exactly one read-only query and return it as DuckDB SQL."""
    read = dialect or "duckdb"
    try:
        sqlglot.Dialect.get_or_raise(read)
    except ValueError as exc:
        raise QueryError(f"unknown SQL dialect {dialect!r}",
                         hint="e.g. duckdb, postgres, spark, trino, bigquery, sqlite") from exc
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # no "falling back to Command" noise
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise QueryError(f"cannot parse the query: {one_line(exc)}") from exc
    if len(statements) != 1:
        raise QueryError(f"expected exactly one query, got {len(statements)} statements")
    tree = statements[0]
    if isinstance(tree, exp.Command) and str(tree.this).upper() in ("SELECT", "WITH", "FROM"):
        raise QueryError("sqlglot cannot parse this query, so it cannot be checked as read-only",
                         hint="rewrite the unsupported syntax, or use `emma-fs transform` SQL")
    if not isinstance(tree, READ_ONLY_TYPES) or tree.args.get("into") is not None:
        kind = _statement_kind(tree, sql)
        raise QueryError(f"only read-only queries are allowed, got {kind}",
                         hint="use SELECT/WITH/UNION, DESCRIBE, SHOW or SUMMARIZE")
    if read == "duckdb":
        return sql
    return tree.sql(dialect="duckdb")


def run_query(db_path: Path, sql: str, dialect: str | None = None) -> pa.Table:
    """Run one read-only query and return the result as an Arrow table."""
    import duckdb

    from emma_fs import db

    duck_sql = to_duckdb_sql(sql, dialect)
    con = db.connect(Path(db_path), read_only=True)
    try:
        relation = con.sql(duck_sql)
        if relation is None:
            raise QueryError("the statement returned no result set")
        return relation.to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(first) from exc
    finally:
        con.close()


def _statement_kind(tree: exp.Expression, sql: str) -> str:
    if isinstance(tree, exp.Select):
        return "SELECT ... INTO"
    if isinstance(tree, exp.Command):
        return str(tree.this).upper()
    if isinstance(tree, exp.Column | exp.Identifier):  # bare keywords such as CHECKPOINT
        return sql.strip().split()[0].upper()
    return type(tree).__name__.upper()


def write_result(table: pa.Table, path: Path, fmt: str) -> None:
    """Write a query result to ``path`` as ``parquet``, ``csv`` or ``json`` (a JSON array of
    row objects)."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif fmt == "csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)
    elif fmt == "json":
        with path.open("w") as fh:
            json.dump(table.to_pylist(), fh, default=str)
    else:
        raise QueryError(f"cannot write format {fmt!r} to a file", hint="use parquet, csv or json")
