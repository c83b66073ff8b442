"""Every labeling mode driven through the CLI's scripted form on a real workspace."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest
from test_labeling_support import make_workspace
from typer.testing import CliRunner

from cli.main import app
from emma_fs.errors import LabelingError, NotFound


class WS:
    """The workspace plus its hidden truth."""

    def __init__(self, ws, truth):
        self.root, self.duckdb_path, self.exports_dir = ws.root, ws.duckdb_path, ws.exports_dir
        self.truth = truth


@pytest.fixture()
def ws(tmp_path):
    return WS(*make_workspace(tmp_path / "ws", n=600))


def run(ws, *args, ok=True):
    result = CliRunner().invoke(app, ["-w", str(ws.root), "--format", "json", *args])
    if ok:
        assert result.exit_code == 0, (result.stdout, result.exception)
        return json.loads(result.stdout)
    return result


def answer(ws, tmp_path, name, items, extra=()):
    path = tmp_path / name
    path.write_text("".join(f"{it['asin']},{ws.truth[it['asin']]}\n" for it in items)
                    + "".join(f"{e}\n" for e in extra))
    return str(path)


def test_full_labeling_flow(ws, tmp_path):
    feats = run(ws, "label", "features", "sharp", "--add", "knife", "blade", "pillow")
    assert {f["pattern"]: f["hits"] > 0 for f in feats} == {
        "knife": True, "blade": True, "pillow": True}
    removed = run(ws, "label", "features", "sharp", "--remove", "pillow")
    assert [f["pattern"] for f in removed] == ["knife", "blade"]

    # search: matching objects, nothing recorded until answered
    page = run(ws, "label", "search", "sharp", "knife|scissors", "-n", "30")
    assert len(page) == 30 and all(p["probability"] is None for p in page)
    assert all("knife" in p["title"] or "scissors" in p["title"] for p in page)
    stats = run(ws, "label", "search", "sharp", "knife|scissors", "-n", "30", "--answers",
                answer(ws, tmp_path, "a1.csv", page))
    assert stats["answers"] == 30 and stats["positive"] == sum(ws.truth[p["asin"]] for p in page)
    page = run(ws, "label", "search", "sharp", "pillow|towel|mug", "-n", "30")
    run(ws, "label", "search", "sharp", "pillow|towel|mug", "--answers",
        answer(ws, tmp_path, "a2.csv", page))
    # the same word again shows only unanswered objects
    again = run(ws, "label", "search", "sharp", "knife|scissors", "-n", "30")
    assert not {p["asin"] for p in again} & {p["asin"] for p in page}

    # active: closest to 0.5 first, answered across two pages with skip and undo
    page = run(ws, "label", "active", "sharp", "-n", "10")
    dist = [abs(p["probability"] - 0.5) for p in page]
    assert dist == sorted(dist) and len(page) == 10
    lines = answer(ws, tmp_path, "a3.csv", page[:8], extra=[
        f"{page[8]['asin']},skip", "undo", f"{page[8]['asin']},0", "next",
        f"{page[9]['asin']},{ws.truth[page[9]['asin']]}"])
    stats = run(ws, "label", "active", "sharp", "-n", "10", "--answers", lines)
    assert (stats["answers"], stats["skip"], stats["undo"], stats["pages"]) == (11, 1, 1, 2)

    # correct: everything shown lies in the range
    page = run(ws, "label", "correct", "sharp", "--range", "0.5-1.0", "-n", "15")
    assert page and all(0.5 <= p["probability"] <= 1.0 for p in page)
    run(ws, "label", "correct", "sharp", "--range", "0.5-1.0", "-n", "15", "--answers",
        answer(ws, tmp_path, "a4.csv", page))

    # review: a deliberately wrong label is among the first suspects
    con = duckdb.connect(str(ws.duckdb_path))
    labeled = dict(con.execute("SELECT asin, label FROM label_events WHERE label IN ('0','1') "
                               "AND mode = 'search'").fetchall())
    con.close()
    wrong = next(a for a, lab in labeled.items() if lab == "1" and ws.truth[a] == 1)
    (tmp_path / "wrong.csv").write_text(f"{wrong},0\n")
    run(ws, "label", "search", "sharp", "knife", "--answers", str(tmp_path / "wrong.csv"))
    page = run(ws, "label", "review", "sharp", "-n", "10", "--folds", "5")
    assert wrong in [p["asin"] for p in page]
    assert all(p["current_label"] in (0, 1) for p in page)
    stats = run(ws, "label", "review", "sharp", "-n", "10", "--folds", "5", "--answers",
                answer(ws, tmp_path, "a5.csv", page))
    assert stats["answers"] == 10

    status = run(ws, "label", "status", "sharp", "--folds", "5")
    assert status["labels"] >= 80 and status["keyword_features"] == 2
    # ~86 labels of overlapping generated classes: 5-fold CV F1 ranges 73-94 over generator
    # seeds and the model settings tried (C 0.1-0.5, class-balanced or not; this seed: 73-84,
    # 78 with the default), so this is a sanity bound, not a quality target
    assert status["cv_f1"] > 75 and 0.1 < status["predicted_positive_rate"] < 0.6

    applied = run(ws, "label", "apply", "sharp")
    assert applied["objects"] == 600
    con = duckdb.connect(str(ws.duckdb_path))
    n, fps = con.execute("SELECT count(*), count(DISTINCT model_fingerprint) FROM smart_labels "
                         "WHERE property = 'sharp'").fetchone()
    probs = dict(con.execute("SELECT asin, probability FROM smart_labels").fetchall())
    con.close()
    assert (n, fps) == (600, 1)
    accuracy = sum((probs[a] >= 0.5) == bool(y) for a, y in ws.truth.items()) / 600
    assert accuracy > 0.85  # the generated classes overlap: Bayes accuracy is about 0.9
    table = pq.read_table(ws.exports_dir / "smart_labels.parquet")
    assert table.column_names == ["asin", "event_timestamp", "sharp",
                                  "sharp_model_fingerprint"]
    assert table.num_rows == 600
    assert set(table.column("sharp_model_fingerprint").to_pylist()) == {
        applied["model_fingerprint"]}
    exported = dict(zip(table.column("asin").to_pylist(), table.column("sharp").to_pylist(),
                        strict=True))
    assert exported == probs


def test_errors_are_clear(ws, tmp_path):
    result = run(ws, "label", "active", "nothing_yet", ok=False)
    assert isinstance(result.exception, NotFound) and "label search" in str(result.exception)
    result = run(ws, "label", "features", "sharp", "--add", "(unclosed", ok=False)
    assert isinstance(result.exception, LabelingError) and "regular expression" in str(
        result.exception)
    run(ws, "label", "search", "sharp", "knife", "-n", "5")  # registers the property
    result = run(ws, "label", "active", "sharp", ok=False)
    assert "both classes" in str(result.exception)
    result = run(ws, "label", "correct", "sharp", "--range", "0.9-0.1", ok=False)
    assert isinstance(result.exception, LabelingError)
    result = run(ws, "label", "search", "sharp", "knife", "--answers", "/nonexistent", ok=False)
    assert "cannot read answers file" in str(result.exception)
    bad = tmp_path / "bad.csv"
    bad.write_text("B000000001,1\nNOPE,1\n")
    result = run(ws, "label", "search", "sharp", "knife", "--answers", str(bad), ok=False)
    assert "unknown ASIN 'NOPE'" in str(result.exception)
    bad.write_text("B000000002,1\nB000000003,yes\n")
    result = run(ws, "label", "search", "sharp", "knife", "--answers", str(bad), ok=False)
    assert f"{bad}:2" in str(result.exception)
    # answers before the bad line were committed, nothing after
    con = duckdb.connect(str(ws.duckdb_path))
    got = con.execute("SELECT asin FROM label_events ORDER BY event_id").fetchall()
    con.close()
    assert got == [("B000000001",), ("B000000002",)]


def test_error_json_shape_at_cli_boundary(ws):
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-m", "cli.main", "-w", str(ws.root), "--json",
                          "label", "status", "unknown_prop"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert out.returncode == 1
    err = json.loads(out.stdout)["error"]
    assert err["code"] == "not_found" and "unknown_prop" in err["message"]
