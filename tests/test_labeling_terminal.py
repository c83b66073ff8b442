"""The interactive page: single keys drive a real session (keys fed by a fake getchar)."""

from __future__ import annotations

import io

from rich.console import Console
from test_labeling_support import make_workspace

from emma_fs import db
from emma_fs.labeling import events
from emma_fs.labeling.session import LabelSession
from emma_fs.labeling.terminal import run_interactive


def test_keys_answer_skip_undo_and_page(tmp_path):
    ws, _ = make_workspace(tmp_path / "ws", n=200)
    con = db.connect(ws.duckdb_path)
    session = LabelSession(ws, con, "sharp", "search", word="Item", page_size=4, who="ann")
    keys = iter("ynsu0x1" "yp" "nq")  # x is ignored
    out = io.StringIO()
    stats = run_interactive(session, Console(file=out, width=200), lambda: next(keys))
    rows = con.execute("SELECT asin, label, page FROM label_events ORDER BY event_id").fetchall()
    first_page = [r[0] for r in rows[:3]]
    # page 1: y n s, u undoes the skip of the 3rd object (and steps back), 0 answers it again,
    # 1 the 4th -> page 2 follows by itself: y, then p leaves it early -> page 3: n, q quits
    assert [r[1] for r in rows] == ["1", "0", "skip", "undo", "0", "1", "1", "0"]
    assert rows[3][0] == rows[2][0] == rows[4][0] == first_page[2]
    assert [r[2] for r in rows] == [1, 1, 1, 1, 1, 1, 2, 3]
    assert stats["answers"] == 7 and stats["undo"] == 1 and stats["pages"] == 3
    assert events.current_labels(con, "sharp")[first_page[2]] == 0
    assert "search page 1" in out.getvalue() and first_page[0] in out.getvalue()
    con.close()


def test_open_image_key_reports_the_image_and_records_nothing(tmp_path, monkeypatch):
    from emma_fs.labeling import terminal

    ws, _ = make_workspace(tmp_path / "ws", n=200)
    con = db.connect(ws.duckdb_path)
    session = LabelSession(ws, con, "sharp", "search", word="Item", page_size=4, who="ann")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(terminal.sys, "platform", "linux")
    keys = iter("oyq")
    out = io.StringIO()
    stats = run_interactive(session, Console(file=out, width=200), lambda: next(keys))
    assert stats["answers"] == 1  # `o` answers nothing; `y` then answers the same object
    assert [r[0] for r in con.execute("SELECT label FROM label_events").fetchall()] == ["1"]
    text = out.getvalue()
    assert "no image viewer here" in text or "has no image" in text or "not found" in text
    con.close()


def test_open_image_without_a_viewer_names_the_file(tmp_path, monkeypatch):
    from emma_fs.labeling.terminal import open_image

    img = tmp_path / "a.jpg"
    img.write_bytes(b"\xff\xd8\xff")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("emma_fs.labeling.terminal.sys.platform", "linux")
    assert open_image(str(img)) == f"no image viewer here; the image is {img}"
    assert open_image(None) == "this object has no image"
    assert open_image(str(tmp_path / "missing.jpg")).startswith("image not found")
