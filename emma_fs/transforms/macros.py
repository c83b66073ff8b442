"""Shared SQL macros: every ``.sql`` file in ``<sql dir>/macros/`` holds DuckDB
``CREATE [OR REPLACE] MACRO name(params) AS expression;`` statements (nothing else). The engine
creates them as TEMPORARY macros on its connection before it plans or runs, so transforms and
audits can call them; the database itself never stores them (no stale definitions, read-only
connections work).

Rules, each checked with an error naming the file:

- scalar macros only: no ``AS TABLE`` macros, and a body may not read tables, table functions
  or files (such reads would be invisible to dependency ordering and fingerprints);
- names are plain, unqualified and unique across files, and may not be a DuckDB built-in or a
  function sqlglot already knows (a temporary macro would shadow the built-in, and calls to a
  known function cannot be told apart from calls to the macro);
- a macro may call other macros (no cycles); they are created callees first.

A macro's hash is the sha256 of its canonical SQL (comments and layout do not count); a
transform's fingerprint includes the hashes of the macros it calls, directly or through other
macros (:func:`used_hashes`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from emma_fs.errors import TransformError
from emma_fs.transforms.files import file_literals
from emma_fs.transforms.messages import one_line

if TYPE_CHECKING:
    import duckdb

MACRO_DIR = "macros"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Macro:
    """One macro: ``statement`` is its ``CREATE OR REPLACE TEMPORARY MACRO`` tree, ``calls``
    the other macros its body calls."""

    name: str
    path: Path
    statement: exp.Create
    calls: tuple[str, ...] = ()

    def create_sql(self) -> str:
        return self.statement.sql(dialect="duckdb", comments=False)

    def definition_hash(self) -> str:
        """sha256 of the canonical SQL (sqlglot-normalised, comments stripped)."""
        canonical = self.statement.sql(dialect="duckdb", normalize=True, comments=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def called_functions(tree: exp.Expression) -> tuple[str, ...]:
    """Lower-case names of the user-defined (sqlglot-unknown) functions ``tree`` calls."""
    return tuple(sorted({f.name.lower() for f in tree.find_all(exp.Anonymous)}))


def load_macros(sql_dir: Path) -> dict[str, Macro]:
    """Every macro of ``sql_dir/macros/*.sql`` by name, callees before callers (no folder: no
    macros)."""
    folder = Path(sql_dir) / MACRO_DIR
    found: dict[str, Macro] = {}
    for path in sorted(folder.glob("*.sql")) if folder.is_dir() else []:
        for macro in _load_file(path):
            if macro.name in found:
                raise TransformError(f"two macros are named {macro.name!r}: "
                                     f"{found[macro.name].path} and {path}")
            found[macro.name] = macro
    linked = {n: Macro(m.name, m.path, m.statement,
                       tuple(c for c in called_functions(m.statement.expression)
                             if c in found and c != n)) for n, m in found.items()}
    for m in found.values():
        if m.name in called_functions(m.statement.expression):
            raise TransformError(f"{m.path}: macro {m.name} calls itself")
    return {n: linked[n] for n in _callees_first(linked)}


def _load_file(path: Path) -> list[Macro]:
    where = str(path)
    try:
        statements = [s for s in sqlglot.parse(path.read_text(), read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise TransformError(f"{where}: macro file does not parse: {one_line(exc)}",
                             hint="a macro file holds only `CREATE OR REPLACE MACRO name(a, b) "
                             "AS expression;` statements") from exc
    if not statements:
        raise TransformError(f"{where}: macro file holds no CREATE MACRO statement")
    return [_macro(s, i, path) for i, s in enumerate(statements, start=1)]


def _macro(statement: exp.Expression, index: int, path: Path) -> Macro:
    where = f"{path}: statement {index}"
    udf = statement.this if isinstance(statement, exp.Create) else None
    if (not isinstance(statement, exp.Create) or str(statement.args.get("kind")).upper()
            not in ("MACRO", "FUNCTION") or not isinstance(udf, exp.UserDefinedFunction)):
        text = statement.sql("duckdb")
        raise TransformError(f"{where} is not a CREATE MACRO statement: {text[:60]!r}",
                             hint="macro files hold only `CREATE OR REPLACE MACRO name(a, b) "
                             "AS expression;` statements; queries are transforms in sql/")
    target = udf.this
    name = target.name.lower() if isinstance(target, exp.Table) else ""
    if not isinstance(target, exp.Table) or target.db or target.catalog or not _NAME.match(name):
        raise TransformError(f"{where}: macro name {target.sql('duckdb')!r} must be a plain, "
                             "unqualified identifier ([a-z_][a-z0-9_]*)")
    body = statement.expression
    if isinstance(body, exp.Query) and not isinstance(body, exp.Subquery):
        raise TransformError(f"{where}: {name} is a table macro; only scalar macros are "
                             "supported", hint="write the query as a transform instead")
    reads = [t.sql("duckdb") for t in body.find_all(exp.Table)] + [
        n.sql("duckdb") for n in file_literals(body) if n is not None]
    if reads:
        raise TransformError(f"{where}: macro {name} reads {reads[0]}; a macro must be a pure "
                             "expression of its parameters",
                             hint="table and file reads belong in transforms, where the engine "
                             "tracks them")
    if not _is_anonymous(name):
        raise TransformError(f"{where}: macro name {name!r} is a function sqlglot already "
                             "knows; the engine could not tell its calls from the built-in's",
                             hint="pick a more specific name")
    create = statement.copy()
    create.set("replace", True)
    create.set("exists", False)
    props = create.args.get("properties")
    kept = [p for p in (props.expressions if props else [])
            if not isinstance(p, exp.TemporaryProperty)]
    create.set("properties", exp.Properties(expressions=[*kept, exp.TemporaryProperty()]))
    return Macro(name, path, create)


@lru_cache(maxsize=1024)
def _is_anonymous(name: str) -> bool:
    """Whether sqlglot parses a call to ``name`` as an unknown (user-defined) function."""
    try:
        call = sqlglot.parse_one(f"SELECT {name}(x)", read="duckdb").selects[0]
    except sqlglot.errors.SqlglotError:
        return False
    return isinstance(call, exp.Anonymous) and call.name.lower() == name


def _callees_first(macros: Mapping[str, Macro]) -> list[str]:
    """Names ordered so every macro comes after the macros it calls (alphabetical otherwise)."""
    remaining = {n: set(m.calls) for n, m in macros.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(n for n, deps in remaining.items() if not deps)
        if not ready:
            cycle = sorted(remaining)
            raise TransformError(f"macros call each other in a cycle: {', '.join(cycle)} "
                                 f"({macros[cycle[0]].path})")
        for n in ready:
            order.append(n)
            del remaining[n]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def used_hashes(functions: Iterable[str], macros: Mapping[str, Macro]) -> dict[str, str]:
    """``{macro name: definition hash}`` for every macro among ``functions`` and every macro
    those call, transitively: what a transform calling ``functions`` depends on."""
    todo = [f for f in functions if f in macros]
    seen: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name not in seen:
            seen[name] = macros[name].definition_hash()
            todo.extend(macros[name].calls)
    return dict(sorted(seen.items()))


def install(con: duckdb.DuckDBPyConnection, macros: Mapping[str, Macro],
            previous: Iterable[str] = ()) -> set[str]:
    """Create ``macros`` (callees first) as temporary macros on ``con``; drop the ``previous``
    ones (names this caller installed before) that are no longer defined. Returns the names
    now installed."""
    builtins = {r[0] for r in con.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE internal "
        "AND list_contains(?, function_name)", [list(macros)]).fetchall()}
    for name in sorted(builtins):
        raise TransformError(f"{macros[name].path}: macro {name} has the name of a DuckDB "
                             "built-in function and would shadow it",
                             hint="pick a more specific name")
    for name in sorted(set(previous) - set(macros)):
        con.execute(exp.Drop(tables=[exp.table_(name, db="main", catalog="temp")],
                             kind="MACRO", exists=True).sql("duckdb"))
    for macro in macros.values():
        try:
            con.execute(macro.create_sql())
        except Exception as exc:
            import duckdb

            if not isinstance(exc, duckdb.Error):
                raise
            raise TransformError(f"{macro.path}: macro {macro.name} cannot be created: "
                                 f"{str(exc).strip().splitlines()[0]}") from exc
    return set(macros)
