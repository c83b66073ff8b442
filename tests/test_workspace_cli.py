"""Workspace config resolution and the CLI's global behaviour (help, errors, JSON error shape)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emma_fs import workspace as ws_mod
from emma_fs.errors import ConfigError, WorkspaceNotFound

CLI = [sys.executable, "-m", "cli.main"]
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None):
    import os

    full_env = {**os.environ, **(env or {})}
    full_env.pop("EMMA_FS_WORKSPACE", None) if env is None else None
    return subprocess.run([*CLI, *args], cwd=cwd or ROOT, capture_output=True, text=True,
                          env=full_env, timeout=120)


def test_init_writes_config_and_folders(tmp_path: Path) -> None:
    ws = ws_mod.init(tmp_path / "w")
    assert (tmp_path / "w" / "emma-fs.toml").is_file()
    assert ws.duckdb_path == (tmp_path / "w" / "emma.duckdb").resolve()
    assert ws.lancedb_path.is_dir() and ws.exports_dir.is_dir()
    assert ws.sql_dir == ws_mod.SHIPPED_SQL_DIR


def test_find_from_subdirectory_and_env_override(tmp_path: Path, monkeypatch) -> None:
    ws_mod.init(tmp_path / "w")
    sub = tmp_path / "w" / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.delenv("EMMA_FS_WORKSPACE", raising=False)
    assert ws_mod.find(start=sub).root == (tmp_path / "w").resolve()
    monkeypatch.setenv("EMMA_FS_DUCKDB", str(tmp_path / "elsewhere.duckdb"))
    assert ws_mod.find(start=sub).duckdb_path == tmp_path / "elsewhere.duckdb"


def test_missing_workspace_and_bad_config_are_clear_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EMMA_FS_WORKSPACE", raising=False)
    with pytest.raises(WorkspaceNotFound, match="emma-fs init"):
        ws_mod.find(start=tmp_path)
    (tmp_path / "emma-fs.toml").write_text("[paths\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        ws_mod.find(start=tmp_path)
    (tmp_path / "emma-fs.toml").write_text('[paths]\nduckdbb = "x"\n')
    with pytest.raises(ConfigError, match="unknown"):
        ws_mod.find(start=tmp_path)


def test_help_is_fast_and_lists_commands() -> None:
    start = time.perf_counter()
    out = run_cli("--help")
    elapsed = time.perf_counter() - start
    assert out.returncode == 0
    assert "init" in out.stdout
    assert elapsed < 10  # no torch/feast/lancedb import on the start-up path
    heavy = subprocess.run(
        [sys.executable, "-c",
         "import sys, cli.main; print(sorted(m for m in ('torch','lancedb','feast','duckdb',"
         "'pandas','sentence_transformers') if m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert heavy.stdout.strip() == "[]", heavy.stdout + heavy.stderr


def test_every_command_has_help() -> None:
    from typer.main import get_command

    from cli.main import app

    root = get_command(app)
    missing = []

    def walk(cmd, path):
        for name, sub in getattr(cmd, "commands", {}).items():
            if not (sub.help or "").strip():
                missing.append(" ".join([*path, name]))
            walk(sub, [*path, name])

    walk(root, [])
    assert missing == []


def test_error_is_one_line_and_json_shape(tmp_path: Path) -> None:
    out = run_cli("--workspace", str(tmp_path / "nope"), "info")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("Error: no emma-fs.toml")
    assert "Traceback" not in out.stderr
    out = run_cli("--workspace", str(tmp_path / "nope"), "--json", "info")
    assert out.returncode == 1
    payload = json.loads(out.stdout)
    assert payload["error"]["code"] == "workspace_not_found"
    assert set(payload["error"]) == {"code", "message", "hint"}


def test_init_then_info_json(tmp_path: Path) -> None:
    out = run_cli("init", str(tmp_path / "w2"))
    assert out.returncode == 0, out.stderr
    out = run_cli("--workspace", str(tmp_path / "w2"), "--json", "info")
    info = json.loads(out.stdout)
    assert info["duckdb"].endswith("emma.duckdb")
