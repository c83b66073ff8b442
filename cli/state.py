"""Global CLI options (workspace, output format, quiet, debug) shared by every command."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emma_fs.progress import Progress
    from emma_fs.workspace import Workspace


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass
class State:
    workspace_dir: Path | None = None
    format: OutputFormat = OutputFormat.table
    quiet: bool = False
    debug: bool = False

    def workspace(self) -> Workspace:
        from emma_fs import workspace

        return workspace.find(explicit=self.workspace_dir)

    def progress(self) -> Progress:
        from emma_fs.progress import SILENT, for_terminal

        if self.format is not OutputFormat.table:
            return SILENT if self.quiet else for_terminal(quiet=False)
        return for_terminal(quiet=self.quiet)


STATE = State()
