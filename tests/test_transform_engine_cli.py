"""`emma-fs transform ...` end to end through the CLI (JSON output parsed). Commands run
in-process through Typer's runner; one real subprocess checks the JSON error shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from emma_fs import db
from emma_fs.errors import NotFound, TransformError

ROOT = Path(__file__).resolve().parents[1]


def cli(ws: Path, *args: str):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(app, ["--workspace", str(ws), "--json", *args])


def subprocess_cli(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "--workspace", str(ws), "--json",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_transform_commands(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "sql").mkdir(parents=True)
    (ws / "emma-fs.toml").write_text('[paths]\nsql = "sql"\n')
    (ws / "sql" / "a.sql").write_text("-- description: doubled\nSELECT x * 2 AS y FROM raw_t\n")
    (ws / "sql" / "b.sql").write_text("-- kind: view\n-- audit: not_null(y)\nSELECT y FROM a\n")
    con = db.connect(ws / "emma.duckdb")
    con.execute("CREATE TABLE raw_t AS SELECT range AS x FROM range(4)")
    con.close()

    plan = json.loads(cli(ws, "transform", "plan").stdout)
    assert [(p["transform"], p["status"], p["action"]) for p in plan] == [
        ("a", "new", "build"), ("b", "new", "build")]
    run = json.loads(cli(ws, "transform", "run").stdout)
    assert [(r["transform"], r["action"], r["rows_out"]) for r in run] == [
        ("a", "built", 4), ("b", "built", 4)]
    assert json.loads(cli(ws, "transform", "run").stdout) == []
    listed = json.loads(cli(ws, "transform", "list").stdout)
    assert [(r["transform"], r["kind"], r["current"]) for r in listed] == [
        ("a", "table", run[0]["fingerprint"]), ("b", "view", run[1]["fingerprint"])]
    lineage = json.loads(cli(ws, "transform", "lineage", "b.y").stdout)
    assert lineage[-1]["column"] == "raw_t.x" and lineage[-1]["kind"] == "external"

    (ws / "sql" / "a.sql").write_text("SELECT x * 3 AS y FROM raw_t\n")
    plan = json.loads(cli(ws, "transform", "plan").stdout)
    assert plan[0]["reasons"] == "sql changed" and plan[0]["downstream"] == "b"
    assert plan[1]["reasons"] == "parent a changed"
    cli(ws, "transform", "run")
    back = json.loads(cli(ws, "transform", "rollback", "a").stdout)
    assert back["to"] == run[0]["fingerprint"]
    out = subprocess_cli(ws, "transform", "rollback", "a", "--to", "zzzz")
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "not_found"
    assert isinstance(cli(ws, "transform", "rollback", "zz").exception, NotFound)
    log = json.loads(cli(ws, "transform", "log", "--limit", "3").stdout)
    assert log[0]["action"] == "rollback" and log[0]["status"] == "success"
    dropped = json.loads(cli(ws, "transform", "gc", "--keep", "0").stdout)
    # only b's first view version goes: a's newer table stays, b's current view reads it
    assert [d["dropped"][:3] for d in dropped] == ["b__"]

    (ws / "sql" / "c.sql").write_text("SELECT * FROM raw_missing\n")
    plan = json.loads(cli(ws, "transform", "plan").stdout)
    assert {p["transform"]: p["status"] for p in plan}["c"] == "blocked"
    out = cli(ws, "transform", "run")
    assert isinstance(out.exception, TransformError)
    assert "reads table raw_missing" in str(out.exception)
    help_out = CliRunner().invoke(app, ["transform", "--help"])
    for command in ("plan", "run", "list", "log", "lineage", "rollback", "gc"):
        assert command in help_out.stdout
