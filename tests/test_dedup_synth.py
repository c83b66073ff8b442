"""End to end on the synthetic generator (slow): generate -> ingest -> listings_joined ->
real packaged models -> find_candidates, scored against the hidden truth's duplicate groups."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from emma_fs import db, workspace
from emma_fs.dedup.candidates import find_candidates
from emma_fs.embeddings import store
from emma_fs.embeddings.image import embed_images
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.text import embed_text

torch.set_num_threads(1)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from emma_fs.sources.ingest import ingest
    from emma_fs.sources.synth.generate import generate
    from emma_fs.transforms.engine import Engine

    root = tmp_path_factory.mktemp("synth")
    generate(root / "raw", 120, seed=5, workers=1)
    ws = workspace.init(root / "ws")
    con = db.connect(ws.duckdb_path)
    ingest(con, root / "raw")
    con.close()
    with Engine.for_workspace(ws) as engine:
        engine.run(["listings_joined"])
    settings = EmbedSettings(threads=1, num_workers=0)
    embed_text(ws, settings=settings)
    embed_images(ws, settings=settings)
    find_candidates(ws)
    truth = pq.read_table(root / "raw" / "truth" / "truth.parquet").to_pandas()
    return ws, dict(zip(truth.asin, truth.duplicate_group, strict=True))


def _truth_pairs(group, asins):
    by: dict = {}
    for a in asins:
        by.setdefault(group[a], []).append(a)
    return {tuple(sorted(p)) for g in by.values() for p in itertools.combinations(g, 2)}


def test_planted_duplicates_are_closer_than_other_pairs(run):
    ws, group = run
    for space in ("text", "image"):
        asins, vectors, _ = store.read_vectors(ws, space)
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        sims = unit @ unit.T
        index = {a: i for i, a in enumerate(asins.tolist())}
        dup = [sims[index[a], index[b]] for a, b in _truth_pairs(group, asins.tolist())]
        assert len(dup) >= 5
        rest = sims[np.triu_indices(len(asins), 1)]
        assert np.median(dup) > np.percentile(rest, 90), space


@pytest.mark.xfail(strict=False, reason="pretrained MiniLM / EfficientNet-Lite0 spaces do not "
                   "separate the generator's reworded titles and procedural images well enough")
def test_default_thresholds_reach_recall_and_precision_targets(run):
    ws, group = run
    con = db.connect(ws.duckdb_path, read_only=True)
    found = set(con.execute("SELECT DISTINCT asin_a, asin_b FROM dedup_candidates").fetchall())
    con.close()
    truth = _truth_pairs(group, [a for a in group if a in set(store.read_vectors(ws, "text")[0])])
    hits = len(found & truth)
    assert hits / max(1, len(truth)) >= 0.95
    assert hits / max(1, len(found)) >= 0.90
