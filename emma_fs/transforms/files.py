"""File inputs of transform SQL: string literals inside ``read_csv``/``read_parquet``/
``read_json``... (and DuckDB's ``FROM 'file.parquet'``), resolved against the sql dir and
content-hashed so a changed seed file means a new transform version."""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from emma_fs.errors import TransformError

FILE_FUNCTIONS = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto",
    "read_ndjson", "read_ndjson_auto", "read_json_objects", "read_ndjson_objects", "read_text",
    "read_blob", "read_xlsx",
})
FILE_SUFFIXES = (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson", ".gz", ".zst")


@dataclass(frozen=True)
class FileInput:
    """A file (or glob) a transform reads: ``literal`` as written, ``path`` resolved against
    the sql dir, ``files`` the concrete files it matched when the transform was loaded."""

    literal: str
    path: Path
    files: tuple[Path, ...]

    def content_hash(self) -> str:
        """sha256 over the names and bytes of every matched file."""
        h = hashlib.sha256()
        for f in self.files:
            h.update(f.name.encode() + b"\0")
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        return h.hexdigest()


def is_file_table(table: exp.Table) -> bool:
    """DuckDB's ``FROM 'data.parquet'`` form: a quoted identifier that names a file."""
    ident = table.this
    return (isinstance(ident, exp.Identifier) and ident.quoted
            and ident.name.lower().endswith(FILE_SUFFIXES))


def file_literals(tree: exp.Expression) -> list[exp.Expression]:
    """The nodes naming input files: the first argument of file-reading functions (a literal
    or an array of literals; anything else is returned as is, for the caller to reject) and
    quoted-file table identifiers."""
    out: list[exp.Expression] = []
    for func in tree.find_all(exp.Func):
        name = func.name if isinstance(func, exp.Anonymous) else func.sql_name()
        if name.lower() not in FILE_FUNCTIONS:
            continue
        first = func.this if isinstance(func.this, exp.Expression) else (
            func.expressions[0] if func.expressions else None)
        out += first.expressions if isinstance(first, exp.Array) else [first]
    out += [t.this for t in tree.find_all(exp.Table) if is_file_table(t)]
    return out


def resolve_file(literal: str, sql_dir: Path, where: str) -> FileInput:
    """Resolve a file literal against the sql dir and expand globs; missing files are errors."""
    if "://" in literal:
        raise TransformError(f"{where}: remote file input {literal!r} is not supported",
                             hint="copy the file next to the sql dir and use a relative path")
    path = Path(literal).expanduser()
    path = path if path.is_absolute() else (sql_dir / path)
    files = tuple(sorted(Path(p) for p in glob.glob(str(path), recursive=True)
                         if Path(p).is_file()))
    if not files:
        raise TransformError(f"{where}: input file {literal!r} not found (looked for {path})")
    return FileInput(literal, path if glob.has_magic(str(path)) else path.resolve(), files)


def collect_inputs(tree: exp.Expression, sql_dir: Path, where: str) -> dict[str, FileInput]:
    """Every file input of ``tree`` by literal; non-literal file arguments are errors."""
    inputs: dict[str, FileInput] = {}
    for node in file_literals(tree):
        if not (isinstance(node, exp.Literal) and node.is_string) and not isinstance(
                node, exp.Identifier):
            raise TransformError(f"{where}: file inputs must be string literals, got "
                                 f"{node.sql('duckdb') if node is not None else 'nothing'}")
        if node.name not in inputs:
            inputs[node.name] = resolve_file(node.name, sql_dir, where)
    return inputs


def absolutize(tree: exp.Expression, inputs: dict[str, FileInput]) -> exp.Expression:
    """Rewrite file literals in ``tree`` (in place) to their resolved absolute paths."""
    for node in file_literals(tree):
        target = inputs.get(node.name) if node is not None else None
        if target is None:
            continue
        if isinstance(node, exp.Identifier):
            node.replace(exp.to_identifier(str(target.path), quoted=True))
        else:
            node.replace(exp.Literal.string(str(target.path)))
    return tree
