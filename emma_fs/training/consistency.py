"""Run ``sql/materials_consistency.sql`` in-process (fill needs its result right away).

The transform engine runs the same file as a versioned transform (``materials_consistency``)
with its audits. Fill and generation-2 training cannot wait for that, so this module executes
the file's query into a temporary table and runs its ``custom(...)`` audits, with the relative
``seeds/materials_taxonomy.csv`` path pointed at the workspace's taxonomy file (short glue; the
SQL itself stays in the ``.sql`` file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.errors import AuditFailed, TransformError
from emma_fs.workspace import SHIPPED_SQL_DIR

if TYPE_CHECKING:
    import duckdb

SQL_FILE = "materials_consistency.sql"
SEED_LITERAL = "'seeds/materials_taxonomy.csv'"
_AUDIT = re.compile(r"^--\s*audit:\s*custom\((?P<name>[^)]*)\)\s*:\s*(?P<sql>.+)$")


@dataclass(frozen=True)
class ConsistencySql:
    query: str
    audits: dict[str, str]  # name -> SQL with @this


def load_sql(sql_dir: Path | None = None, taxonomy_csv: Path | None = None) -> ConsistencySql:
    """The query and custom audits of the consistency transform, seed path made absolute."""
    path = (sql_dir or SHIPPED_SQL_DIR) / SQL_FILE
    if not path.exists():
        path = SHIPPED_SQL_DIR / SQL_FILE
    text = path.read_text()
    if taxonomy_csv is not None:
        literal = "'" + str(Path(taxonomy_csv).resolve()).replace("'", "''") + "'"
        text = text.replace(SEED_LITERAL, literal)
    audits = {m["name"]: m["sql"] for line in text.splitlines()
              if (m := _AUDIT.match(line.strip()))}
    query = "\n".join(line for line in text.splitlines() if not line.startswith("-- "))
    return ConsistencySql(query=query.strip(), audits=audits)


def apply(con: duckdb.DuckDBPyConnection, sql: ConsistencySql,
          target: str = "_materials_consistent") -> dict[str, int]:
    """Materialise the consistent probabilities as TEMP table ``target``; run the audits.

    Returns violations per audit; raises :class:`AuditFailed` if any audit finds rows.
    """
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS {sql.query}")
    except Exception as exc:  # duckdb.Error, imported lazily
        raise TransformError(f"materials consistency query failed: {exc}") from exc
    violations = {}
    for name, audit in sql.audits.items():
        q = audit.replace("@this", target)
        violations[name] = int(con.execute(f"SELECT count(*) FROM ({q})").fetchall()[0][0])
    bad = {k: v for k, v in violations.items() if v}
    if bad:
        raise AuditFailed(f"materials consistency audits failed: {bad}")
    return violations
