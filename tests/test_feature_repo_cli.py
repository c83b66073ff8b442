"""The workspace feature repo: written with relative paths, idempotent, and usable by the stock
`feast` CLI (`feast apply`, `feast materialize-incremental`) and SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from _feature_data import make_workspace

from emma_fs.features.export import export_tables
from emma_fs.features.materialize import materialize
from emma_fs.features.repo import features_dir, open_store, write_repo
from emma_fs.workspace import Workspace

FEAST = str(Path(sys.executable).parent / "feast")


def feast(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FEAST_USAGE": "False"}
    result = subprocess.run([FEAST, *args], cwd=repo, capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_write_repo_uses_relative_paths_and_is_idempotent(tmp_path):
    ws, _ = make_workspace(tmp_path / "ws", n=10)
    changed = write_repo(ws)
    assert {"feature_store.yaml", "definitions.py", "emma_repo.json"} <= set(changed)
    config = yaml.safe_load((ws.feature_repo / "feature_store.yaml").read_text())
    assert config["online_store"]["path"] == "../lancedb/online"
    assert config["offline_store"]["type"] == "duckdb"
    assert config["materialization"]["online_write_batch_size"] > 0  # Feast's chunk trap
    paths = json.loads((ws.feature_repo / "emma_repo.json").read_text())
    assert paths == {"features_dir": "../exports/features"}
    assert write_repo(ws) == []


def test_custom_layout_gets_matching_relative_paths(tmp_path):
    root = tmp_path / "ws2"
    root.mkdir()
    (root / "emma-fs.toml").write_text(
        '[paths]\nfeature_repo = "serving/repo"\nlancedb = "data/lance"\nexports = "out"\n')
    ws = Workspace.load(root)
    write_repo(ws)
    config = yaml.safe_load((ws.feature_repo / "feature_store.yaml").read_text())
    assert config["online_store"]["path"] == "../../data/lance/online"
    paths = json.loads((ws.feature_repo / "emma_repo.json").read_text())
    assert (ws.feature_repo / paths["features_dir"]).resolve() == (root / "out/features")


@pytest.mark.slow  # two `feast` processes: ~10 s idle, minutes on a loaded machine
def test_stock_feast_cli_apply_and_materialize_incremental(tmp_path):
    ws, _ = make_workspace(tmp_path / "ws", n=60)
    export_tables(ws)
    write_repo(ws)
    out = feast(ws.feature_repo, "apply")
    assert "text_embedding" in out.stdout + out.stderr
    end = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    feast(ws.feature_repo, "materialize-incremental", end)
    fs = open_store(ws)
    offline = pq.read_table(features_dir(ws) / "listing_attributes.parquet")
    keys = offline.column("asin").to_pylist()
    got = fs.get_online_features(["listing_attributes:title", "text_embedding:vector"],
                                 [{"asin": a} for a in keys]).to_dict()
    assert got["title"] == offline.column("title").to_pylist()
    assert all(v is not None and len(v) == 16 for v in got["vector"])
    # our materialize continues from the interval the stock CLI recorded
    views = {v["view"]: v for v in materialize(ws, export=False)["views"]}
    assert views["listing_attributes"]["mode"] == "incremental"
    assert views["listing_attributes"]["written"] == 0 and views["listing_attributes"][
        "reconciled"]


def test_stock_sdk_materialize_of_a_many_row_group_export_keeps_every_row(tmp_path):
    import pyarrow as pa

    ws, _ = make_workspace(tmp_path / "ws", n=10)
    write_repo(ws)
    n = 3000
    pq.write_table(pa.table({
        "asin": [f"X{i:05d}" for i in range(n)], "score": [float(i) for i in range(n)],
        "event_timestamp": pa.array([datetime(2026, 1, 1)] * n, pa.timestamp("us"))}),
        features_dir(ws) / "scores.parquet", row_group_size=300)
    fs = open_store(ws)
    from emma_fs.features.repo import repo_objects

    fs.apply(repo_objects(ws))
    fs.materialize(datetime(2025, 1, 1, tzinfo=UTC), datetime.now(UTC), ["scores"])
    store = fs._get_provider().online_store
    assert store.online_count(fs.config, fs.get_feature_view("scores")) == n
