"""The interactive labeling page: a rich table of candidates and single-key answers.

This is the one labeling front-end that talks to a terminal; the CLI hands it a rich
``Console`` (stderr) and a ``getchar`` function (``click.getchar``). Keys: ``y``/``1``
positive, ``n``/``0`` negative, ``s`` skip, ``u`` undo (steps back), ``p`` next page,
``o`` open the current object's image in the system viewer, ``q`` quit. Every answer is
committed before the next key is read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from emma_fs.labeling.session import LabelSession, Page

KEYS = {"y": "1", "1": "1", "n": "0", "0": "0", "s": "skip"}
HELP = "[y]es  [n]o  [s]kip  [u]ndo  [o]pen image  [p] next page  [q]uit"


def open_image(path: str | None) -> str:
    """Open ``path`` in the system image viewer without waiting; returns what happened (a
    machine without a viewer, e.g. over SSH, gets the path to open elsewhere)."""
    if not path:
        return "this object has no image"
    if not os.path.exists(path):
        return f"image not found: {path}"
    if sys.platform == "darwin":
        opener = shutil.which("open")
    elif os.name == "nt":
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606 - Windows only
        return f"opened {path}"
    else:
        opener = shutil.which("xdg-open") if os.environ.get("DISPLAY") or os.environ.get(
            "WAYLAND_DISPLAY") else None
    if opener is None:
        return f"no image viewer here; the image is {path}"
    subprocess.Popen([opener, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return f"opened {path}"


def _fmt(value: Any, spec: str = "") -> str:
    if value is None:
        return ""
    return format(value, spec) if spec else str(value)


def render_page(console, page: Page) -> None:  # noqa: ANN001 - rich Console
    """Print one page as a table (title, key attributes, category, image, probability)."""
    from rich.table import Table

    table = Table(title=f"{page.mode} page {page.number}  {page.note}", header_style="bold")
    for col in ("#", "asin", "p", "label", "title", "category", "price $", "mass kg",
                "materials", "image"):
        table.add_column(col, overflow="fold")
    for i, it in enumerate(page.items, 1):
        table.add_row(str(i), it.asin, _fmt(it.probability, ".2f"), _fmt(it.current_label),
                      _fmt(it.title)[:80], _fmt(it.category)[:60], _fmt(it.price_usd, ".2f"),
                      _fmt(it.mass_kg, ".3g"), ", ".join(it.materials[:4]), _fmt(it.image_path))
    console.print(table)


def run_interactive(session: LabelSession, console, getchar: Callable[[], str]  # noqa: ANN001
                    ) -> dict[str, Any]:
    """Label page after page until the user quits or candidates run out."""
    stats = {"property": session.prop, "mode": session.mode, "answers": 0, "undo": 0,
             "pages": 0}
    while True:
        page = session.next_page()
        stats["pages"] += 1
        if not page.items:
            console.print("No more candidates.")
            return stats
        render_page(console, page)
        i = 0
        while i < len(page.items):
            it = page.items[i]
            console.print(f"[bold]{i + 1}/{len(page.items)}[/bold] {it.asin} "
                          f"p={_fmt(it.probability, '.2f')} {_fmt(it.title)[:70]}   {HELP}")
            key = getchar().lower()
            if key in KEYS:
                session.answer(it.asin, KEYS[key])
                stats["answers"] += 1
                i += 1
            elif key == "u":
                done = session.undo()
                if done:
                    stats["undo"] += 1
                    console.print(f"undid the answer for {done[1]}")
                    i = max(0, i - 1)
            elif key == "o":
                console.print(open_image(it.image_path))
            elif key == "p":
                break
            elif key == "q":
                return stats
