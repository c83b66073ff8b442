"""End to end on a toy workspace: train Everything, fill with provenance, generation 2, eval,
the CLI, and the clear errors of bad input. Real DuckDB file, Parquet exports, checkpoints."""

import json
import math

import duckdb
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from cli.main import app
from emma_fs import workspace
from emma_fs.errors import ConfigError, InputFileError, NotFound
from emma_fs.training import fill, pipeline
from emma_fs.training.config import load_config
from emma_fs.training.features import FeatureSpec, encode, load_listings
from emma_fs.training.toy import write_toy_workspace
from emma_fs.training.trainer import lr_factor, resolve_device
from emma_fs.training.workspace_data import taxonomy_for

torch.set_num_threads(1)
FAST = {"epochs": 25, "batch_size": 64}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("toyws")
    toy = write_toy_workspace(root, n=360, seed=3, images=False)
    ws = workspace.find(explicit=root)
    card1 = pipeline.train_model(ws, "everything", overrides=FAST)
    filled1 = fill.fill(ws, 1, progress=pipeline.SILENT)
    return toy, ws, card1, filled1


def test_missing_inputs_are_masked_not_zero(toy):
    _, ws, _, _ = toy
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    tree, _ = taxonomy_for(ws)
    data = load_listings(con, tree, ws.exports_dir)
    con.close()
    arrays = encode(data, FeatureSpec.fit(data, tree, data.rows("train")))
    no_review = ~arrays["review_emb_present"]
    assert no_review.any() and arrays["review_emb_present"].any()
    assert np.all(arrays["review_emb"][no_review] == 0)
    no_mass = ~arrays["mass_in_present"]
    assert no_mass.any() and np.all(np.isnan(arrays["mass"][no_mass]))
    assert not arrays["size_present"].all()


def test_everything_gen1_card_and_beats_median_baseline(toy):
    _, ws, card, _ = toy
    folder = ws.models_dir / "everything-gen1"
    assert (folder / "model.pt").exists()
    assert json.loads((folder / "card.json").read_text())["fingerprint"] == card["fingerprint"]
    assert len(card["fingerprint"]) == 12 and card["data_fingerprint"]
    assert card["training"]["samples_per_s"] > 0
    assert 0 <= card["training"]["data_wait_fraction"] < 1
    res = pipeline.evaluate_models(ws)
    rows = {(r["model"], r["generation"]): r for r in res["table1"]}
    model, base = rows[("everything", 1)], rows[("baseline:global_median", 0)]
    assert model["price_mnre"] > base["price_mnre"]
    assert model["mass_mnre"] > base["mass_mnre"]
    assert model["materials_f1"] > base["materials_f1"]
    assert model["category_acc"] > base["category_acc"]
    assert model["ratings_kl"] < base["ratings_kl"]
    assert {c["task"] for c in res["calibration"]} == {"materials", "category"}


def test_fill_writes_provenance_and_consistent_material_probs(toy):
    t, ws, card, summary = toy
    assert summary["consistency_violations"] == 0
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    prov = {r[0] for r in con.execute(
        "SELECT DISTINCT mass_kg_provenance FROM filled_attributes").fetchall()}
    assert prov == {"observed", f"predicted:{card['fingerprint']}:gen1"}
    # observed values are kept exactly; predicted ones fill every gap
    bad = con.execute("""SELECT count(*) FROM filled_attributes f JOIN listings l USING (asin)
        WHERE (l.mass_kg IS NOT NULL AND (f.mass_kg <> l.mass_kg
               OR f.mass_kg_provenance <> 'observed'))
           OR (l.mass_kg IS NULL AND f.mass_kg_provenance = 'observed')
           OR f.mass_kg IS NULL OR f.price_usd IS NULL OR f.category_path IS NULL""").fetchall()
    assert bad[0][0] == 0
    n_nodes = len(taxonomy_for(ws)[0])
    assert con.execute("SELECT count(*) FROM material_probs").fetchall()[0][0] == t.n * n_nodes
    versions = dict(con.execute("SELECT table_name, version FROM _emma_source_versions"
                                ).fetchall())
    assert {"material_probs", "filled_attributes"} <= set(versions)
    con.close()


def test_generation_2_and_eval_with_truth(toy):
    t, ws, _, _ = toy
    card2 = pipeline.train_model(ws, "everything", gen=2, overrides=FAST)
    assert card2["generation"] == 2
    fill.fill(ws, 2, progress=pipeline.SILENT)
    res = pipeline.evaluate_models(ws, truth=t.truth)
    gens = {r["generation"] for r in res["table1"] if r["model"] == "everything"}
    assert gens == {1, 2}
    by_gen = {r["generation"]: r for r in res["filled_vs_truth"]}
    assert set(by_gen) == {1, 2}
    g1 = by_gen[1]
    assert g1["mass_kg_filled"] > 0 and g1["mass_kg_mnre"] > 0.5
    assert g1["materials_filled"] > 0 and g1["materials_f1"] > 30
    assert not math.isnan(g1["category_acc"])


def test_errors_are_clear(toy, tmp_path):
    t, ws, _, _ = toy
    with pytest.raises(NotFound, match="no trained model"):
        fill.fill(ws, 7, progress=pipeline.SILENT)
    with pytest.raises(NotFound, match="generation 4"):
        pipeline.train_model(ws, "everything", gen=5, overrides={"epochs": 1})
    with pytest.raises(InputFileError, match="truth file"):
        pipeline.evaluate_models(ws, truth=tmp_path / "nope.parquet")
    with pytest.raises(ConfigError, match="unknown model type"):
        load_config("bogus")
    with pytest.raises(ConfigError, match="not found"):
        load_config("text", profile="nonexistent")
    bad = tmp_path / "bad.toml"
    bad.write_text("[common]\nbatch_size = 0\n[text]\nlr = 1\nweight_decay = 0\nepochs = 1\n")
    with pytest.raises(ConfigError, match="batch_size"):
        load_config("text", profile=bad)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA"):
            resolve_device("cuda")


def test_listings_view_missing_is_a_clear_error(tmp_path):
    ws = workspace.init(tmp_path / "empty")
    with pytest.raises(ConfigError, match="listings"):
        pipeline.train_model(ws, "everything", overrides={"epochs": 1})


def test_lr_schedule_decays_100x():
    for schedule in ("cosine", "exponential"):
        assert lr_factor(0, 50, 100.0, schedule) == pytest.approx(1.0)
        assert lr_factor(49, 50, 100.0, schedule) == pytest.approx(0.01)
        assert lr_factor(10, 50, 100.0, schedule) > lr_factor(30, 50, 100.0, schedule)


def test_paper_profile_has_table5_values():
    cfg = load_config("everything", "paper")
    assert cfg["task_weights"]["materials"] == 140.0
    assert cfg["materials"]["lr"] == 0.02 and cfg["ratings"]["lr"] == 0.0002
    assert load_config("text", "paper")["weight_decay"] == 0.01
    assert load_config("single_image", "paper")["lr"] == 0.002
    assert cfg["batch_size"] == 512 and cfg["grad_clip"] == 32.0


def test_cli_eval_and_fill_json(toy):
    t, ws, _, _ = toy
    runner = CliRunner()
    out = runner.invoke(app, ["-w", str(ws.root), "--format", "json", "eval", "--truth",
                              str(t.truth)])
    assert out.exit_code == 0, out.output
    res = json.loads(out.stdout)
    assert any(r["model"] == "baseline:knn_text" for r in res["table1"])
    out = runner.invoke(app, ["-w", str(ws.root), "--format", "json", "fill", "--gen", "9"])
    assert out.exit_code == 1
    for cmd in ("train", "eval", "fill"):
        assert runner.invoke(app, [cmd, "--help"]).exit_code == 0


@pytest.mark.slow
@pytest.mark.parametrize("model_type", ["text", "single_image"])
def test_encoder_models_train_a_few_steps(tmp_path, model_type):
    write_toy_workspace(tmp_path / "ws", n=80, seed=1, images=True)
    ws = workspace.find(explicit=tmp_path / "ws")
    card = pipeline.train_model(ws, model_type, overrides={"epochs": 2, "batch_size": 16,
                                                           "freeze_encoder_epochs": 1},
                                max_steps=6)
    assert card["training"]["steps"] == 6
    assert all(math.isfinite(x) for x in card["training"]["loss_history"])
    assert (ws.models_dir / f"{model_type}-gen1" / "model.pt").exists()
    assert set(card["metrics"]["test"]) == {"price_mnre", "mass_mnre", "materials_f1",
                                            "category_acc", "ratings_kl"}


def test_best_epoch_selection_per_decoder(toy):
    _, ws, _, _ = toy
    card = pipeline.train_model(ws, "everything", gen=1, overrides={
        **FAST, "epochs": 6, "select_best_epoch": True, "holdout_fraction": 0.2})
    best = card["training"]["best_epochs"]
    assert set(best) == {"price", "mass", "materials", "category", "ratings"}
    assert all(0 <= e < 6 for e in best.values())
    assert card["training"]["validation_seconds"] > 0
