"""label_events: append-only answers, compensating undo, and durability under SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_labeling_support import make_workspace

from emma_fs import db
from emma_fs.errors import LabelingError
from emma_fs.labeling import events, properties
from emma_fs.labeling.session import parse_answer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def con(tmp_path):
    c = db.connect(tmp_path / "e.duckdb")
    properties.register(c, "sharp")
    yield c
    c.close()


def test_latest_label_wins_and_skip_keeps_label(con):
    ctx = events.EventContext(mode="search", who="ann")
    events.append(con, "sharp", "A1", "1", ctx)
    events.append(con, "sharp", "A2", "1", ctx)
    events.append(con, "sharp", "A2", "0", ctx)
    events.append(con, "sharp", "A1", "skip", ctx)
    events.append(con, "sharp", "A3", "skip", ctx)
    assert events.current_labels(con, "sharp") == {"A1": 1, "A2": 0}
    assert events.answered(con, "sharp") == {"A1", "A2", "A3"}


def test_undo_is_a_compensating_event(con):
    ann = events.EventContext(mode="active", who="ann")
    bob = events.EventContext(mode="active", who="bob")
    events.append(con, "sharp", "A1", "1", ann)
    first = events.append(con, "sharp", "A1", "0", ann)
    events.append(con, "sharp", "B1", "1", bob)
    undo_id, asin = events.undo_last(con, "sharp", ann)
    assert asin == "A1"
    # the earlier label is back, bob's is untouched, nothing was deleted
    assert events.current_labels(con, "sharp") == {"A1": 1, "B1": 1}
    rows = con.execute("SELECT event_id, label, undoes FROM label_events ORDER BY 1").fetchall()
    assert len(rows) == 4 and rows[-1] == (undo_id, "undo", first)
    events.undo_last(con, "sharp", ann)
    assert events.current_labels(con, "sharp") == {"B1": 1}
    assert events.undo_last(con, "sharp", ann) is None


def test_invalid_labels_and_names_are_rejected(con):
    with pytest.raises(LabelingError, match="invalid label"):
        events.append(con, "sharp", "A1", "yes", events.EventContext(mode="search"))
    with pytest.raises(LabelingError, match="invalid property name"):
        properties.check_name("Sharp Things")


@pytest.mark.parametrize("line,match", [
    ("A1", "expected `asin,label`"), ("A1,2", "invalid label"), (",1", "expected"),
    ("A1,1,extra", "expected"), ("A1,maybe", "invalid label")])
def test_malformed_answer_lines(line, match):
    with pytest.raises(LabelingError, match=match) as err:
        parse_answer(line, "answers.csv:7")
    assert "answers.csv:7" in str(err.value)


def test_answer_lines_that_are_not_answers():
    assert parse_answer("  ", "f:1") is None
    assert parse_answer("# comment", "f:1") is None
    assert parse_answer("NEXT", "f:1") == ("next", None)
    assert parse_answer("A1, Skip", "f:1") == ("A1", "skip")


def test_killed_labeling_process_loses_no_acknowledged_answer(tmp_path):
    ws, truth = make_workspace(tmp_path / "ws", n=300)
    env = {**os.environ, "EMMA_FS_WORKSPACE": str(ws.root), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "label", "search", "sharp", "Item",
         "--page-size", "10", "--answers", "-"],
        cwd=REPO, env=env, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL, text=True, bufsize=1)
    acked = []
    try:
        for asin in ["B000000001", "B000000002", "B000000003"]:
            proc.stdin.write(f"{asin},{truth[asin]}\n")
            proc.stdin.flush()
            while True:  # wait for the acknowledgement of this answer
                line = proc.stderr.readline()
                assert line, "labeling process exited early"
                if line.startswith("saved"):
                    acked.append(line.split()[1])
                    break
        proc.send_signal(signal.SIGKILL)  # mid-page: 3 of 10 answered, stdin still open
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    con = duckdb.connect(str(ws.duckdb_path))
    got = events.current_labels(con, "sharp")
    assert acked == ["B000000001", "B000000002", "B000000003"]
    assert got == {a: truth[a] for a in acked}
