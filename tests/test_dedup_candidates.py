"""find_candidates / report / mismatch on vectors written straight into a workspace's LanceDB
(planted near-duplicates), plus the `emma-fs dedup` CLI in JSON mode."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from emma_fs import db, workspace
from emma_fs.dedup.candidates import find_candidates
from emma_fs.dedup.mismatch import compute_mismatch, mismatch_scores
from emma_fs.dedup.planted import planted_vectors
from emma_fs.dedup.report import dedup_report
from emma_fs.dedup.settings import DedupSettings
from emma_fs.embeddings import store
from emma_fs.errors import ConfigError, NotFound

torch.set_num_threads(1)
N = 400


def _write(ws, space, asins, vectors, model):
    table = store.ensure_table(store.connect(ws), space, vectors.shape[1])
    store.upsert(table, store.to_batch(asins, vectors, model, ["h"] * len(asins)))


@pytest.fixture()
def ws(tmp_path):
    ws = workspace.init(tmp_path / "ws")
    text, group = planted_vectors(N, 48, n_topics=8, seed=1, dup_noise=(0.05, 0.4))
    rng = np.random.default_rng(2)
    image = np.maximum(text @ rng.standard_normal((48, 96)).astype(np.float32), 0) + 0.05
    asins = np.array([f"Z{i:04d}" for i in range(N)][::-1])  # reversed: i < j but asin_a > b
    _write(ws, "text", asins, text, "t@1")
    _write(ws, "image", asins[:300], image[:300], "i@1")
    con = db.connect(ws.duckdb_path)
    con.execute("CREATE TABLE listings (asin VARCHAR, title VARCHAR)")
    con.executemany("INSERT INTO listings VALUES (?, ?)",
                    [(a, f"title of {a}") for a in asins.tolist()])
    con.close()
    return ws, asins, group


def _pairs(ws, modality):
    con = db.connect(ws.duckdb_path, read_only=True)
    try:
        return con.execute("SELECT asin_a, asin_b, similarity, embedding_version "
                           "FROM dedup_candidates WHERE modality = ?", [modality]).fetchall()
    finally:
        con.close()


def test_candidates_find_planted_pairs_and_record_versions(ws):
    ws, asins, group = ws
    settings = DedupSettings(text_threshold=0.9, image_threshold=0.95)
    summaries = find_candidates(ws, settings=settings)
    assert [s["modality"] for s in summaries] == ["text", "image", "text+image"]
    # the planted duplicates here have no image vectors: no pair is close in both spaces
    assert _pairs(ws, "text+image") == [] and summaries[2]["threshold"] == 0.86
    rows = _pairs(ws, "text")
    assert rows and all(a < b for a, b, _, _ in rows)
    assert all(s >= 0.9 and v == "t@1" for _, _, s, v in rows)
    index = {a: i for i, a in enumerate(asins.tolist())}
    planted = {tuple(sorted((asins[i], asins[group[i]]))) for i in range(N) if group[i] != i}
    found = {(a, b) for a, b, _, _ in rows}
    assert len(found & planted) / len(planted) >= 0.95
    assert sum(group[index[a]] == group[index[b]] for a, b in found) / len(found) >= 0.9
    con = db.connect(ws.duckdb_path)
    version = db.source_versions(con)["dedup_candidates"]
    runs = con.execute("SELECT modality, threshold FROM dedup_runs ORDER BY modality").fetchall()
    con.close()
    assert runs == [("image", 0.95), ("text", 0.9), ("text+image", 0.86)]
    # a stricter text threshold replaces only the text rows and changes the version
    find_candidates(ws, modalities=("text",), settings=DedupSettings(text_threshold=0.97))
    assert len(_pairs(ws, "text")) < len(rows)
    assert len(_pairs(ws, "image")) == summaries[1]["pairs"]
    con = db.connect(ws.duckdb_path)
    assert db.source_versions(con)["dedup_candidates"] != version
    con.close()


def test_combined_rule_keeps_pairs_close_in_both_spaces():
    import pyarrow as pa

    from emma_fs.dedup.candidates import combined_table

    def rows(pairs, version):
        return pa.table({"asin_a": [a for a, _, _ in pairs], "asin_b": [b for _, b, _ in pairs],
                         "modality": ["x"] * len(pairs),
                         "similarity": [s for _, _, s in pairs],
                         "embedding_version": [version] * len(pairs)})

    text = rows([("A", "B", 0.90), ("A", "C", 0.97), ("B", "C", 0.80), ("C", "D", 0.86)], "t")
    image = rows([("A", "B", 0.88), ("A", "C", 0.84), ("B", "C", 0.99), ("C", "E", 0.99)], "i")
    out = combined_table(text, image, 0.85).to_pylist()
    assert out == [{"asin_a": "A", "asin_b": "B", "modality": "text+image",
                    "similarity": 0.88, "embedding_version": "t+i"}]


def test_report_shows_pairs_on_both_sides_of_the_threshold(ws):
    ws, _, _ = ws
    report = dedup_report(ws, "text", settings=DedupSettings(text_threshold=0.95,
                                                             report_margin=0.1),
                          bins=5, sample=6)
    assert len(report["histogram"]) == 5
    assert sum(h["pairs"] for h in report["histogram"]) == (
        report["pairs_at_threshold"] + report["pairs_within_margin_below"])
    flags = {p["duplicate"] for p in report["pairs"]}
    assert flags == {True, False}
    assert all(p["title_a"].startswith("title of") for p in report["pairs"])


def test_mismatch_flags_listings_whose_images_belong_elsewhere():
    rng = np.random.default_rng(0)
    text = rng.standard_normal((300, 16))
    image = text @ rng.standard_normal((16, 24)) + 0.05 * rng.standard_normal((300, 24))
    image[:5] = image[100:105]  # five listings show another product's images
    scores = mismatch_scores(image, text)
    assert abs(scores.mean()) < 1e-9 and abs(scores.std() - 1) < 1e-9
    assert set(np.argsort(-scores)[:5]) == set(range(5))


def test_compute_mismatch_writes_the_table(ws):
    ws, _, _ = ws
    summary = compute_mismatch(ws)
    assert summary["listings"] == 300
    con = db.connect(ws.duckdb_path)
    n, version = con.execute("SELECT count(*), any_value(version) FROM text_image_mismatch"
                             ).fetchone()
    assert n == 300 and "t@1" in version and "i@1" in version
    assert db.source_versions(con)["text_image_mismatch"] == summary["table_version"]
    con.close()


def test_missing_embeddings_and_bad_settings_are_clear_errors(tmp_path):
    ws = workspace.init(tmp_path / "none")
    with pytest.raises(NotFound, match="emma-fs embed"):
        find_candidates(ws)
    with pytest.raises(ConfigError, match="text_threshold"):
        DedupSettings.from_section({"text_threshold": 0})
    with pytest.raises(ConfigError, match="unknown"):
        DedupSettings.from_section({"treshold": 0.9})
    with pytest.raises(ConfigError, match="modality"):
        DedupSettings().threshold("audio")


def test_cli_dedup_json(ws, monkeypatch):
    from cli.main import app

    ws, _, _ = ws
    monkeypatch.setenv("EMMA_FS_WORKSPACE", str(ws.root))
    runner = CliRunner()
    result = runner.invoke(app, ["--format", "json", "--quiet", "dedup",
                                 "--text-threshold", "0.92", "--modality", "text"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["modality"] == "text" and rows[0]["threshold"] == 0.92
    report = runner.invoke(app, ["--format", "json", "dedup", "report", "--sample", "2"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["modality"] == "text"
