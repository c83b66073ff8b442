"""Transform definitions: one ``.sql`` file (comment header + one query) parsed into a
:class:`Transform` holding its sqlglot tree, the tables it reads (scope-aware: CTE names are not
dependencies), the files it reads through ``read_csv``/``read_parquet``/``read_json``... and
the user-defined functions it calls (shared macros are matched against these by the plan).

Header grammar (documented in sql/README.md): leading ``-- key: value`` lines with keys
``name`` (default: file stem), ``kind`` (``table`` | ``view``, default ``table``),
``description`` and ``audit`` (repeatable, see :mod:`emma_fs.transforms.audits`). ``@fingerprint``
in the query is replaced by the transform's own fingerprint string at build time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from emma_fs.errors import TransformError
from emma_fs.transforms.audits import Audit, parse_audit
from emma_fs.transforms.files import FileInput, collect_inputs, is_file_table
from emma_fs.transforms.macros import called_functions
from emma_fs.transforms.messages import one_line

KINDS = ("table", "view")
HEADER_KEYS = ("name", "kind", "description", "audit")
_HEADER = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
FINGERPRINT_MACRO = re.compile(r"@fingerprint\b", re.IGNORECASE)
FINGERPRINT_SENTINEL = "__emma_fingerprint__"


@dataclass(frozen=True)
class Transform:
    """A parsed transform file. ``query`` keeps the original table names and relative paths
    (with the fingerprint sentinel literal in place of ``@fingerprint``); ``functions`` are the
    lower-case names of functions sqlglot does not know (macros among them)."""

    name: str
    kind: str
    description: str
    audits: tuple[Audit, ...]
    path: Path
    query: exp.Query
    tables: tuple[str, ...]
    file_inputs: tuple[FileInput, ...]
    functions: tuple[str, ...] = ()

    def canonical_sql(self) -> str:
        """The normalised SQL text the fingerprint hashes (no comments, lower-case names)."""
        return self.query.sql(dialect="duckdb", normalize=True, comments=False)

    def audit_references(self) -> tuple[str, ...]:
        return tuple(sorted({r for a in self.audits for r in a.references}))


def table_key(table: exp.Table) -> str:
    """How a referenced table is named in the DAG: ``name`` for main (or unqualified),
    ``schema.name`` otherwise; lower case."""
    db = table.db.lower()
    name = table.name.lower()
    return name if db in ("", "main") and not table.catalog else ".".join(
        p for p in (table.catalog.lower(), db, name) if p)


def source_tables(query: exp.Expression) -> list[exp.Table]:
    """Every table node the query really reads, found by scope traversal (CTE and derived-table
    names resolve to their scopes and are skipped; table functions are not tables)."""
    seen: dict[int, exp.Table] = {}
    for scope in traverse_scope(query):
        for source in scope.sources.values():
            if (isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier)
                    and not is_file_table(source)):
                seen[id(source)] = source
    return list(seen.values())


def parse_header(text: str, where: str) -> dict[str, list[tuple[int, str]]]:
    """The ``-- key: value`` lines before the first SQL line, by key (with line numbers).
    Comment lines that are not ``lowercase_key: value`` are free text."""
    header: dict[str, list[tuple[int, str]]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        m = _HEADER.match(stripped)
        if not m:
            continue
        key, value = m.groups()
        if key not in HEADER_KEYS:
            raise TransformError(f"{where}:{lineno}: unknown header key {key!r}",
                                 hint=f"known keys: {', '.join(HEADER_KEYS)}")
        header.setdefault(key, []).append((lineno, value))
    return header


def load_transform(path: Path, sql_dir: Path | None = None) -> Transform:
    """Parse one transform file; every problem is a TransformError naming the file."""
    sql_dir = sql_dir or path.parent
    where = str(path)
    text = path.read_text()
    header = parse_header(text, where)
    for key in ("name", "kind", "description"):
        if len(header.get(key, [])) > 1:
            raise TransformError(f"{where}: header key {key!r} given more than once")
    name = header.get("name", [(0, path.stem)])[0][1].strip().lower()
    if not _NAME.match(name):
        raise TransformError(f"{where}: transform name {name!r} is not a plain SQL identifier",
                             hint="use lower-case letters, digits and underscores")
    kind = header.get("kind", [(0, "table")])[0][1].strip().lower()
    if kind not in KINDS:
        raise TransformError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    audits = tuple(parse_audit(v, f"{where}:{n}", sql_dir)
                   for n, v in header.get("audit", []))
    body = FINGERPRINT_MACRO.sub(f"'{FINGERPRINT_SENTINEL}'", text)
    try:
        statements = [s for s in sqlglot.parse(body, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise TransformError(f"{where}: SQL does not parse: {one_line(exc)}") from exc
    if len(statements) != 1:
        raise TransformError(f"{where}: expected exactly one query, found {len(statements)} "
                             "statements")
    query = statements[0]
    if not isinstance(query, exp.Query) or query.args.get("into"):
        raise TransformError(f"{where}: a transform must be one SELECT/WITH/UNION query, got "
                             f"{type(query).__name__.upper()}",
                             hint="the engine creates the table itself; write only the query")
    try:
        tables = tuple(sorted({table_key(t) for t in source_tables(query)}))
    except sqlglot.errors.SqlglotError as exc:
        raise TransformError(f"{where}: cannot resolve the query's sources: {exc}") from exc
    inputs = collect_inputs(query, sql_dir, where)
    description = header.get("description", [(0, "")])[0][1]
    return Transform(name, kind, description, audits, path, query, tables,
                     tuple(inputs[k] for k in sorted(inputs)), called_functions(query))


def load_transforms(sql_dir: Path) -> dict[str, Transform]:
    """All transforms in the top level of ``sql_dir`` (sub-folders hold seeds, not transforms),
    by name; duplicate names are an error."""
    if not sql_dir.is_dir():
        raise TransformError(f"sql dir {sql_dir} does not exist",
                             hint="set [paths] sql in emma-fs.toml")
    out: dict[str, Transform] = {}
    for path in sorted(sql_dir.glob("*.sql")):
        t = load_transform(path, sql_dir)
        if t.name in out:
            raise TransformError(f"two transforms are named {t.name!r}: {out[t.name].path} "
                                 f"and {path}")
        out[t.name] = t
    return out
