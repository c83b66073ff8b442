"""Snapshot DuckDB views and embedding files into the Parquet exports Feast reads offline.

Each export ``<exports>/features/<view>.parquet`` holds one row per ``asin``, a ``_row_hash``
of its content and an ``event_timestamp`` (UTC, naive). A row keeps the timestamp of the
previous snapshot when its content is unchanged and gets this run's timestamp (always later
than any earlier one) when it is new or changed, so Feast's ``materialize-incremental`` picks
up exactly the changed rows. Files are written to a temporary name and renamed into place.

Sources: the ``listings`` view -> ``listing_attributes``; ``<exports>/embeddings/<space>.parquet``
(asin, vector, model, event_timestamp) -> ``<space>_embedding`` joined with listing columns;
DuckDB tables ``filled_attributes`` and ``smart_labels`` (when they hold rows) -> same-named
views, shaped by :mod:`emma_fs.features.table_exports`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.errors import ConfigError, StoreError
from emma_fs.features.definitions import VECTOR_DIM_KEY
from emma_fs.features.repo import features_dir
from emma_fs.features.sqltext import columns_of, parquet_scan, quote_ident, quote_literal
from emma_fs.features.table_exports import table_export_query
from emma_fs.progress import SILENT, Progress
from emma_fs.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

SQL_DIR = Path(__file__).parent / "sql"
EMBEDDINGS_SUBDIR = "embeddings"
EXTRA_TABLES = ("filled_attributes", "smart_labels")


@dataclass(frozen=True)
class ExportResult:
    """One written export: rows in it, rows stamped new/changed this run, rows gone since the
    previous snapshot."""

    view: str
    path: Path
    rows: int
    changed: int
    removed: int
    event_timestamp: datetime

    def to_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path)}


def _previous(path: Path, con: duckdb.DuckDBPyConnection) -> datetime | None:
    if not path.exists():
        return None
    return con.execute(f"SELECT max(event_timestamp) FROM {parquet_scan(path)}").fetchone()[0]


def snapshot(con: duckdb.DuckDBPyConnection, view: str, query: str, out: Path, now: datetime,
             metadata: dict[bytes, str] | None = None) -> ExportResult:
    """Write ``query`` (one row per asin) to ``out`` with content-hash-stamped timestamps."""
    out.parent.mkdir(parents=True, exist_ok=True)
    dupes = con.execute(f"SELECT asin, count(*) FROM ({query}) GROUP BY asin HAVING count(*) > 1 "
                        "LIMIT 3").fetchall()
    if dupes:
        raise StoreError(f"export {view!r}: several rows for ASIN {dupes[0][0]} "
                         f"({dupes[0][1]} rows)", hint="a feature export needs one row per asin")
    previous = out if out.exists() else None
    prev_sql = (f"SELECT asin, _row_hash, event_timestamp FROM {parquet_scan(previous)}" if previous
                else "SELECT NULL::VARCHAR AS asin, NULL::UBIGINT AS _row_hash, "
                     "NULL::TIMESTAMP AS event_timestamp WHERE FALSE")
    stamp = now.astimezone(UTC).replace(tzinfo=None)
    kv = ""
    if metadata:
        kv = ", KV_METADATA {" + ", ".join(f"{k.decode()}: {quote_literal(v)}"
                                           for k, v in metadata.items()) + "}"
    tmp = out.with_name(out.name + ".tmp")
    con.execute(f"""
        COPY (
            WITH cur AS (SELECT q.*, hash(q) AS _row_hash FROM ({query}) AS q),
                 prev AS ({prev_sql})
            SELECT cur.*,
                   CASE WHEN prev._row_hash = cur._row_hash THEN prev.event_timestamp
                        ELSE TIMESTAMP {quote_literal(stamp.isoformat())} END AS event_timestamp
            FROM cur LEFT JOIN prev ON prev.asin = cur.asin
            ORDER BY cur.asin
        ) TO {quote_literal(str(tmp))} (FORMAT parquet{kv})""")
    rows, changed = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE event_timestamp = ?) FROM {parquet_scan(tmp)}",
        [stamp]).fetchone()
    removed = 0
    if previous:
        removed = con.execute(
            f"SELECT count(*) FROM {parquet_scan(previous)} p ANTI JOIN {parquet_scan(tmp)} c "
            "ON p.asin = c.asin").fetchone()[0]
    os.replace(tmp, out)
    return ExportResult(view, out, rows, changed, removed, now)


def _has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view ``name`` exists (any schema on the search path)."""
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone()[0] > 0


def embedding_query(con: duckdb.DuckDBPyConnection, source: Path, attributes: Path) -> tuple[
        str, int]:
    """The SQL of one embedding view and its vector dimension (checked on every row)."""
    rel = parquet_scan(source)
    cols = columns_of(con, rel)
    for required in ("asin", "vector", "event_timestamp"):
        if required not in cols:
            raise StoreError(f"embedding export {source} has no {required!r} column",
                             hint="expected columns: asin, vector, model, event_timestamp")
    bad = con.execute(f"SELECT asin FROM {rel} WHERE vector IS NULL LIMIT 1").fetchone()
    if bad:
        raise StoreError(f"{source.name}: NULL vector for ASIN {bad[0]}")
    lo, hi, n = con.execute(f"SELECT min(len(vector)), max(len(vector)), count(*) FROM {rel}"
                            ).fetchone()
    if n == 0:
        raise StoreError(f"embedding export {source} is empty")
    if lo != hi:
        odd = con.execute(f"SELECT asin, len(vector) FROM {rel} WHERE len(vector) <> ? LIMIT 1",
                          [hi]).fetchone()
        raise StoreError(f"{source.name}: vectors of different lengths ({lo}..{hi}); ASIN "
                         f"{odd[0]} has {odd[1]}")
    template = (SQL_DIR / "embedding_view.sql").read_text()
    sql = template.format(embeddings=rel, attributes=parquet_scan(attributes), dim=hi,
                          model="e.model" if "model" in cols else "NULL")
    return sql, int(hi)


def _run_time(previous: list[datetime | None]) -> datetime:
    """Now, but strictly after every earlier snapshot (clock skew must not hide changes)."""
    now = datetime.now(UTC)
    latest = max((p for p in previous if p is not None), default=None)
    if latest is not None:
        latest = latest.replace(tzinfo=UTC) if latest.tzinfo is None else latest
        now = max(now, latest + timedelta(milliseconds=1))
    return now


def export_tables(ws: Workspace, con: duckdb.DuckDBPyConnection | None = None, *,
                  progress: Progress = SILENT) -> list[ExportResult]:
    """Export every available feature source of the workspace (see the module docstring).

    Raises ConfigError when the ``listings`` view does not exist yet."""
    from emma_fs import db

    own = con is None
    if con is None:
        import duckdb

        try:
            con = db.connect(ws.duckdb_path, read_only=ws.duckdb_path.exists())
        except duckdb.IOException as exc:
            raise ConfigError(f"cannot open {ws.duckdb_path}: {exc}",
                              hint="another emma-fs process may be writing it; retry") from exc
    try:
        if not _has_relation(con, "listings"):
            raise ConfigError("the DuckDB database has no `listings` view yet",
                              hint="run the SQL transforms (`emma-fs transform run`) first")
        out_dir = features_dir(ws)
        emb_dir = ws.exports_dir / EMBEDDINGS_SUBDIR
        embeddings = sorted(emb_dir.glob("*.parquet")) if emb_dir.exists() else []
        extras = [t for t in EXTRA_TABLES if _has_relation(con, t)
                  and con.execute(f"SELECT count(*) FROM {quote_ident(t)}").fetchone()[0]]
        names = ["listing_attributes", *(f"{p.stem}_embedding" for p in embeddings), *extras]
        now = _run_time([_previous(out_dir / f"{n}.parquet", con) for n in names])
        results = []
        with progress.task("export features", total=len(names)) as bar:
            attrs = out_dir / "listing_attributes.parquet"
            query = (SQL_DIR / "listing_attributes.sql").read_text()
            results.append(snapshot(con, "listing_attributes", query, attrs, now))
            bar.advance()
            for source in embeddings:
                view = f"{source.stem}_embedding"
                query, dim = embedding_query(con, source, attrs)
                results.append(snapshot(con, view, query, out_dir / f"{view}.parquet", now,
                                        {VECTOR_DIM_KEY: str(dim)}))
                bar.advance()
            for table in extras:
                results.append(snapshot(con, table, table_export_query(con, table),
                                        out_dir / f"{table}.parquet", now))
                bar.advance()
        return results
    finally:
        if own:
            con.close()
