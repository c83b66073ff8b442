"""Text and review embeddings with the packaged all-MiniLM-L6-v2 on a few dozen listings:
sensible similarities, incremental runs, LanceDB + Parquet in step, clear input errors."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from emma_fs import db, workspace
from emma_fs.embeddings import store
from emma_fs.embeddings.reviews import embed_reviews, mean_pool
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.text import embed_text
from emma_fs.embeddings.text_model import load_text_model
from emma_fs.errors import ConfigError, ModelError, NotFound, TransformError

torch.set_num_threads(1)

PRODUCTS = [
    "Stainless steel chef knife, 8 inch, for kitchen cutting",
    "Plush teddy bear stuffed animal toy for children",
    "Ceramic coffee mug 12 oz dishwasher safe",
    "Cotton bath towel set of 4, soft and absorbent",
    "Wooden cutting board with juice groove",
    "LED desk lamp with adjustable arm and USB port",
    "Glass flower vase, clear, 10 inch tall",
    "Leather wallet for men with RFID blocking",
    "Cast iron skillet pre-seasoned 10 inch pan",
    "Yoga mat non slip 6mm thick exercise mat",
    "Aluminum water bottle 750 ml with screw cap",
    "Wool knit winter hat with pom pom",
    "Plastic storage bins with lids, stackable",
    "Silicone baking mat for cookie sheets",
    "Bamboo toothbrush pack of 10, biodegradable",
    "Rubber garden hose 50 ft heavy duty",
    "Polyester backpack for school with laptop sleeve",
    "Steel claw hammer 16 oz with fiberglass handle",
    "Porcelain dinner plates set of 6, white",
    "Paper notebook, college ruled, 100 sheets",
]
NEAR_DUPLICATES = {  # asin of the copy -> index of the listing it re-lists
    "D00": (0, "8 inch chef's knife made of stainless steel for cutting in the kitchen"),
    "D01": (2, "12 oz ceramic coffee mug, dishwasher-safe"),
    "D02": (8, "Pre-seasoned 10 inch cast-iron skillet pan"),
}


@pytest.fixture(scope="module")
def text_model():
    return load_text_model("", "cpu")


@pytest.fixture()
def ws(tmp_path):
    ws = workspace.init(tmp_path / "ws")
    rows = [(f"A{i:02d}", text) for i, text in enumerate(PRODUCTS)]
    rows += [(asin, text) for asin, (_, text) in NEAR_DUPLICATES.items()]
    rows += [("E00", "   "), ("E01", None)]
    con = db.connect(ws.duckdb_path)
    con.execute("CREATE TABLE listings (asin VARCHAR, listing_text VARCHAR, "
                "image_paths VARCHAR[])")
    con.executemany("INSERT INTO listings VALUES (?, ?, [])", rows)
    con.execute("CREATE TABLE review_texts (asin VARCHAR, review_text VARCHAR)")
    con.executemany("INSERT INTO review_texts VALUES (?, ?)", [
        ("A00", "very sharp knife"), ("A00", "cuts tomatoes well"), ("A01", "my kid loves it"),
        ("A01", ""), ("A02", None), ("A03", "soft towels")])
    con.close()
    return ws


SETTINGS = EmbedSettings(threads=1, num_workers=0, text_batch_size=8)


def _vectors(ws, space):
    asins, vectors, models = store.read_vectors(ws, space)
    return dict(zip(asins.tolist(), vectors, strict=True)), models


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_near_duplicates_are_closer_than_unrelated_listings(ws, text_model):
    result = embed_text(ws, settings=SETTINGS, model=text_model)
    assert result.embedded == len(PRODUCTS) + len(NEAR_DUPLICATES)
    assert result.skipped == 2 and result.skip_reasons == {"empty listing_text": 2}
    vec, models = _vectors(ws, "text")
    assert models == [text_model.name] and text_model.name.startswith("all-MiniLM-L6-v2@")
    assert len(next(iter(vec.values()))) == 384
    for copy, (original, _) in NEAR_DUPLICATES.items():
        dup_sim = _cos(vec[copy], vec[f"A{original:02d}"])
        others = [_cos(vec[copy], vec[f"A{i:02d}"]) for i in range(len(PRODUCTS))
                  if i != original]
        assert dup_sim > 0.75
        assert dup_sim > max(others) + 0.2


def test_incremental_run_embeds_only_changed_rows(ws, text_model):
    embed_text(ws, settings=SETTINGS, model=text_model)
    before, _ = _vectors(ws, "text")
    again = embed_text(ws, settings=SETTINGS, model=text_model)
    assert again.embedded == 0 and again.unchanged == len(before)
    con = db.connect(ws.duckdb_path)
    con.execute("UPDATE listings SET listing_text = 'Red rubber ball for dogs' "
                "WHERE asin = 'A05'")
    con.execute("DELETE FROM listings WHERE asin = 'A06'")
    con.execute("INSERT INTO listings VALUES ('N00', 'Blue denim jeans', [])")
    con.close()
    third = embed_text(ws, settings=SETTINGS, model=text_model)
    assert (third.embedded, third.deleted) == (2, 1)
    after, _ = _vectors(ws, "text")
    assert "A06" not in after and "N00" in after
    assert not np.allclose(after["A05"], before["A05"])
    assert np.array_equal(after["A00"], before["A00"])
    export = pq.read_table(store.export_path(ws, "text"))
    assert sorted(export.column("asin").to_pylist()) == sorted(after)
    assert export.schema.field("event_timestamp").type.tz == "UTC"
    exported = dict(zip(export.column("asin").to_pylist(), export.column("vector").to_pylist(),
                        strict=True))
    assert np.allclose(exported["A05"], after["A05"])


def test_model_change_reembeds_everything(ws, text_model):
    embed_text(ws, settings=SETTINGS, model=text_model)
    renamed = load_text_model("", "cpu")
    renamed.name = "other-model@000000000000"
    renamed._model = text_model.model
    result = embed_text(ws, settings=SETTINGS, model=renamed)
    assert result.embedded == len(PRODUCTS) + len(NEAR_DUPLICATES) and result.unchanged == 0
    assert _vectors(ws, "text")[1] == ["other-model@000000000000"]


def test_reviews_are_mean_pooled_per_listing(ws, text_model):
    result = embed_reviews(ws, settings=SETTINGS, model=text_model)
    assert result.embedded == 3  # A00, A01, A03; empty and null reviews ignored
    vec, _ = _vectors(ws, "review")
    single = text_model.model.encode(["very sharp knife", "cuts tomatoes well"])
    assert np.allclose(vec["A00"], single.mean(axis=0), atol=1e-5)
    assert embed_reviews(ws, settings=SETTINGS, model=text_model).embedded == 0


def test_mean_pool_groups_rows():
    vectors = np.array([[1, 0], [3, 0], [0, 2]], dtype=np.float32)
    pooled = mean_pool(np.array([1, 0, 1]), vectors, 2)
    assert np.allclose(pooled, [[3, 0], [0.5, 1]])


def test_missing_listings_view_is_a_clear_error(tmp_path, text_model):
    ws = workspace.init(tmp_path / "empty")
    with pytest.raises(NotFound, match="listings"):
        embed_text(ws, settings=SETTINGS, model=text_model)


def test_duplicate_asins_are_rejected(ws, text_model):
    con = db.connect(ws.duckdb_path)
    con.execute("INSERT INTO listings VALUES ('A00', 'again', [])")
    con.close()
    with pytest.raises(TransformError, match="duplicate ASINs"):
        embed_text(ws, settings=SETTINGS, model=text_model)


def test_bad_text_model_and_settings(tmp_path):
    with pytest.raises(ModelError, match="sentence-transformers model folder"):
        load_text_model(str(tmp_path), "cpu")
    with pytest.raises(ConfigError, match="device"):
        EmbedSettings.from_section({"device": "tpu"})
    with pytest.raises(ConfigError, match="unknown"):
        EmbedSettings.from_section({"txt_model": "x"})
    with pytest.raises(ConfigError, match="text_batch_size"):
        EmbedSettings.from_section({}, text_batch_size=0)


def test_cli_embed_text_json_and_model_error(ws, text_model, monkeypatch):
    import json

    from typer.testing import CliRunner

    from cli.main import app

    embed_text(ws, settings=SETTINGS, model=text_model)
    monkeypatch.setenv("EMMA_FS_WORKSPACE", str(ws.root))
    runner = CliRunner()
    result = runner.invoke(app, ["--format", "json", "--quiet", "embed", "text",
                                 "--threads", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["embedded"] == 0 and summary["unchanged"] == len(PRODUCTS) + 3
    bad = runner.invoke(app, ["--format", "json", "embed", "image", "--model", "no_such_net"])
    assert isinstance(bad.exception, ModelError) and "no_such_net" in str(bad.exception)
