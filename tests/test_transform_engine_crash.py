"""A run killed with SIGKILL in the middle of a build leaves every view pointing at a complete
table, and the next run finishes the job (real subprocess, real DuckDB file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from emma_fs import db
from emma_fs.transforms.engine import Engine

ROOT = Path(__file__).resolve().parents[1]

# `slow` writes rows for as long as the session variable slow_n lets it (unset: 4 rows).
SLOW = """-- audit: not_null(id)
SELECT f.id, r.i
FROM fast AS f
CROSS JOIN (SELECT i FROM range(coalesce(getvariable('slow_n'), 4)) AS t(i)
            WHERE i < 4 OR hash(i) % 1000 = 0) AS r
"""

CHILD = """
import sys
from pathlib import Path
from emma_fs import db
from emma_fs.progress import Progress
from emma_fs.transforms.engine import Engine

class Lines(Progress):
    def info(self, message):
        print(message, flush=True)

con = db.connect(Path(sys.argv[1]))
con.execute("SET threads = 1")
con.execute("SET VARIABLE slow_n = 1000000000000")
Engine(con, Path(sys.argv[2]), Lines()).run()
print("finished", flush=True)
"""


def versions(con) -> dict[str, str]:
    return dict(con.execute("SELECT name, fingerprint FROM _emma_transforms").fetchall())


def test_kill_9_mid_build_then_recover(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "fast.sql").write_text("SELECT id FROM raw_items")
    (sql / "slow.sql").write_text(SLOW)
    path = tmp_path / "emma.duckdb"
    con = db.connect(path)
    con.execute("CREATE TABLE raw_items AS SELECT range AS id FROM range(3)")
    db.set_source_version(con, "raw_items", "v1")
    assert Engine(con, sql).run().built == ["fast", "slow"]
    old = versions(con)
    con.execute("INSERT INTO raw_items VALUES (3), (4)")
    db.set_source_version(con, "raw_items", "v2")
    con.close()

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(sql)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("built fast"), line + child.stderr.read()
        time.sleep(1.5)  # well inside the slow build
        assert child.poll() is None, "the slow build ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    con = db.connect(path)
    try:
        now = versions(con)
        assert now["fast"] != old["fast"] and now["slow"] == old["slow"]
        # every view reads a complete table: slow is still its old 3 x 4 rows
        assert con.execute("SELECT count(*) FROM fast").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM slow").fetchone()[0] == 12
        slow_tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = "
                                  "'emma_versions' AND table_name LIKE 'slow__%'").fetchall()
        assert slow_tables == [(f"slow__{old['slow'][:12]}",)]  # no half-built table survived
        statuses = con.execute("SELECT transform, status FROM _emma_transform_runs "
                               "WHERE status <> 'success'").fetchall()
        assert statuses == [("slow", "running")]

        result = Engine(con, sql).run()
        assert result.interrupted == 1 and result.built == ["slow"]
        assert result.unchanged == ["fast"]
        assert con.execute("SELECT count(*) FROM slow").fetchone()[0] == 20
        assert versions(con)["slow"] != old["slow"]
        assert con.execute("SELECT status FROM _emma_transform_runs WHERE transform = 'slow' "
                           "ORDER BY started_at").fetchall() == [
            ("success",), ("interrupted",), ("success",)]
    finally:
        con.close()
