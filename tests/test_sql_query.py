"""`emma-fs sql`: read-only queries, rejection of anything else, dialect transpiling, output
formats (library and CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emma_fs import db
from emma_fs.errors import ConfigError, QueryError
from emma_fs.query import run_query, to_duckdb_sql

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    (tmp_path / "emma-fs.toml").write_text("[paths]\n")
    path = tmp_path / "emma.duckdb"
    con = db.connect(path)
    con.execute("CREATE TABLE items AS SELECT range AS id, 'item ' || range AS title, "
                "range * 1.5 AS price FROM range(120)")
    con.close()
    return path


def test_select_returns_arrow(database: Path) -> None:
    t = run_query(database, "WITH x AS (SELECT * FROM items WHERE id < 3) "
                  "SELECT id, title FROM x ORDER BY id")
    assert t.column_names == ["id", "title"]
    assert t.to_pylist()[2] == {"id": 2, "title": "item 2"}
    assert run_query(database, "DESCRIBE items").num_rows == 3
    assert "items" in run_query(database, "SHOW TABLES").column("name").to_pylist()
    assert run_query(database, "SELECT 1 AS a UNION ALL SELECT 2").num_rows == 2


@pytest.mark.parametrize("sql, kind", [
    ("DELETE FROM items", "DELETE"),
    ("CREATE TABLE t2 AS SELECT 1", "CREATE"),
    ("ATTACH 'other.duckdb' AS o", "ATTACH"),
    ("COPY items TO 'out.csv'", "COPY"),
    ("PRAGMA enable_checkpoint_on_shutdown", "PRAGMA"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("INSERT INTO items VALUES (1, 'x', 2)", "INSERT"),
    ("UPDATE items SET price = 0", "UPDATE"),
    ("DROP TABLE items", "DROP"),
    ("SELECT * INTO t3 FROM items", "SELECT ... INTO"),
    ("SET threads = 1", "SET"),
    ("INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
])
def test_rejects_everything_but_queries(database: Path, sql: str, kind: str) -> None:
    with pytest.raises(QueryError, match="only read-only queries are allowed, got " + kind):
        run_query(database, sql)
    assert run_query(database, "SELECT count(*) AS n FROM items").column("n")[0].as_py() == 120


def test_parse_errors_are_one_line() -> None:
    with pytest.raises(QueryError) as info:
        to_duckdb_sql("SELECT FROM WHERE")
    assert "\n" not in str(info.value) and "line 1, col" in str(info.value)
    assert "\x1b" not in str(info.value)
    with pytest.raises(QueryError, match="exactly one query, got 2"):
        to_duckdb_sql("SELECT 1; SELECT 2")
    with pytest.raises(QueryError, match="unknown SQL dialect 'nosuch'"):
        to_duckdb_sql("SELECT 1", "nosuch")


def test_duckdb_errors_and_missing_database(database: Path, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="Table with name nope does not exist"):
        run_query(database, "SELECT * FROM nope")
    with pytest.raises(ConfigError, match="does not exist yet"):
        run_query(tmp_path / "missing.duckdb", "SELECT 1")


@pytest.mark.parametrize("dialect, sql", [
    ("tsql", "SELECT TOP 3 id FROM items ORDER BY id DESC"),
    ("postgres", "SELECT id::text || '-' || title AS s FROM items WHERE id < 3 ORDER BY id "
                 "DESC LIMIT 3"),
    ("spark", "SELECT id, IF(price > 100, 'high', 'low') AS band FROM items "
              "ORDER BY id DESC LIMIT 3"),
])
def test_dialect_transpile_matches_duckdb(database: Path, dialect: str, sql: str) -> None:
    expected = {
        "tsql": [117, 118, 119][::-1],
        "postgres": ["2-item 2", "1-item 1", "0-item 0"],
        "spark": ["high", "high", "high"],
    }[dialect]
    got = run_query(database, sql, dialect).column(-1 if dialect != "tsql" else 0).to_pylist()
    assert got == expected


def cli(*args: str, cwd: Path):  # noqa: ANN201 - click's Result
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, ["--workspace", str(cwd), *args])


def test_cli_json_parquet_csv(database: Path) -> None:
    ws = database.parent
    out = cli("--format", "json", "sql", "SELECT id, price FROM items WHERE id < 2 ORDER BY id",
              cwd=ws)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == [{"id": 0, "price": 0.0}, {"id": 1, "price": 1.5}]
    target = ws / "out" / "r.parquet"
    out = cli("sql", "SELECT * FROM items", "--format", "parquet", "--out", str(target), cwd=ws)
    assert out.exit_code == 0, out.output
    assert pq.read_table(target).num_rows == 120
    out = cli("sql", "SELECT * FROM items", "--format", "parquet", cwd=ws)
    assert out.exit_code == 2 and "--out" in out.output
    out = cli("sql", "SELECT * FROM items ORDER BY id", "-f", "csv", "--limit", "5", cwd=ws)
    assert out.stdout.splitlines()[0] == "id,title,price" and len(out.stdout.splitlines()) == 6
    assert "showing 5 of 120 rows" in out.stderr
    out = cli("sql", "SELECT * FROM items", cwd=ws)  # table display truncates to 50 rows
    assert "item 49" in out.stdout and "item 50" not in out.stdout
    assert "showing 50 of 120 rows" in out.stderr


def test_cli_error_is_one_json_object(database: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "cli.main", "--workspace", str(database.parent),
                          "--format", "json", "sql", "DROP TABLE items"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "query" and "got DROP" in error["message"]
