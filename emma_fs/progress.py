"""Progress reporting: the core never prints, it reports through :class:`Progress`.

Library code calls ``progress.task(description, total)`` and advances the returned handle, and
``progress.info(message)`` for one-line status. The CLI chooses the renderer: a rich progress
bar on a terminal's stderr, nothing when stderr is not a terminal or with ``--quiet``. Tests use
:data:`SILENT`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class TaskHandle(Protocol):
    def advance(self, n: int = 1) -> None: ...


class _NullHandle:
    def advance(self, n: int = 1) -> None:
        return None


class Progress:
    """Silent base reporter; subclasses render."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[TaskHandle]:
        yield _NullHandle()

    def info(self, message: str) -> None:
        return None


SILENT = Progress()


class RichProgress(Progress):
    """Renders tasks as rich progress bars (with items/s) and info lines on stderr."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[TaskHandle]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichBar

        with RichBar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _SpeedColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        ) as bar:
            tid = bar.add_task(description, total=total)

            class _Handle:
                def advance(self, n: int = 1) -> None:
                    bar.advance(tid, n)

            yield _Handle()
        self.console.print(f"[green]✓[/green] {description}")

    def info(self, message: str) -> None:
        self.console.print(message)


def _speed_column_class():  # built lazily: rich is only imported when bars are shown
    from rich.progress import ProgressColumn
    from rich.text import Text

    class SpeedColumn(ProgressColumn):
        def render(self, task):  # type: ignore[no-untyped-def]
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f}/s", style="cyan")

    return SpeedColumn


def _SpeedColumn():  # noqa: N802 - reads like the rich column classes it sits between
    return _speed_column_class()()


class LineProgress(Progress):
    """Plain info lines on stderr without bars (non-terminal, e.g. CI logs)."""

    def info(self, message: str) -> None:
        from rich.markup import render

        print(render(message).plain, file=sys.stderr)


class Quiet(Progress):
    """Keeps another reporter's bars but drops its info lines (for nested stages)."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner

    def task(self, description: str, total: int | None = None):  # type: ignore[override]
        return self.inner.task(description, total)


def for_terminal(quiet: bool = False) -> Progress:
    """The reporter the CLI should use: bars on a terminal, silent otherwise or when quiet."""
    if quiet:
        return SILENT
    if sys.stderr.isatty():
        return RichProgress()
    return LineProgress()
