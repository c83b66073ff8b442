"""The main job end to end on a small generated dataset: every stage through the Project
facade, counts that reconcile, a metrics table and a neighbours result (marked slow; CI runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emma_fs.demo import run_demo
from emma_fs.project import Project
from emma_fs.workspace import Workspace


@pytest.mark.slow
def test_demo_pipeline_end_to_end(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", objects=400, seed=3)
    sections = result.sections

    # Every raw line is either ingested or rejected, per raw table.
    for row in sections["sources"]:
        assert row["lines_read"] == row["ingested"] + row["rejected"]

    # Every listing the sources carried is either in `listings` or has a decision.
    project = Project(Workspace.load(result.workspace))
    joined = project.query("SELECT count(*) AS n FROM listings_joined")[0]["n"]
    kept = project.query("SELECT count(*) AS n FROM listings")[0]["n"]
    dropped = project.query("SELECT count(DISTINCT asin) AS n FROM decisions")[0]["n"]
    assert kept > 0 and kept + dropped == joined
    assert sections["dataset"]["listings"] == kept

    # The metrics table has the Everything model and the baselines, with sane values.
    table1 = sections[next(k for k in sections if k.startswith("Table 1"))]
    models = {r["model"] for r in table1}
    assert {"everything", "text", "single image", "global median (baseline)"} <= models
    everything = next(r for r in table1 if r["model"] == "everything")
    assert 0 < everything["mass MnRE"] <= 1 and 0 < everything["price MnRE"] <= 1

    # Materialized views reconcile with their offline rows, and neighbours exclude the query.
    views = sections["feature views"]
    assert views and all(v["reconciled"] for v in views)
    assert {"object_embedding", "smart_labels"} <= {v["view"] for v in views}
    for space in ("text", "object"):
        key = next(k for k in sections if k.startswith("neighbours of ") and space in k)
        query_asin = key.split()[2]
        hits = sections[key]
        assert 0 < len(hits) <= 5
        assert query_asin not in {h["asin"] for h in hits}
        distances = [h["distance"] for h in hits]
        assert distances == sorted(distances)

    # The stand-in labelling session wrote events, and apply labeled every object.
    labeling = sections[next(k for k in sections if k.startswith("smart labeling"))]
    assert labeling["labels (search + active pages)"] > 0
    assert labeling["objects labeled by apply"] == kept
    events = project.query("SELECT count(*) AS n FROM label_events WHERE who = 'stand-in'")
    assert events[0]["n"] >= labeling["labels (search + active pages)"]
    assert 0 <= labeling["F1 of applied labels vs hidden truth"] <= 100

    # A second run is a no-op for the SQL stage (the engine rebuilds nothing).
    again = project.transform()
    assert again.built == []
