"""The error hierarchy of emma-fs.

Every error a user can cause (bad config, bad input file, unknown ASIN, invalid query...) is an
:class:`EmmaError` subclass whose message says what failed, where, and how to fix it. The CLI
catches ``EmmaError`` at one place, prints ``Error: <message>`` (or a JSON object in JSON mode)
and exits 1; anything else is a bug and shows a traceback.
"""

from __future__ import annotations


class EmmaError(Exception):
    """Root of all user-facing errors. ``code`` is a stable machine-readable slug."""

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def to_dict(self) -> dict[str, str | None]:
        """The one JSON shape of an error: ``{"error": {"code", "message", "hint"}}``."""
        return {"code": self.code, "message": self.message, "hint": self.hint}


class ConfigError(EmmaError):
    """The workspace or a config file is missing or invalid."""

    code = "config"


class WorkspaceNotFound(ConfigError):
    code = "workspace_not_found"

    def __init__(self, start: str) -> None:
        super().__init__(
            f"no emma-fs.toml found in {start} or any parent directory",
            hint="run `emma-fs init DIR` or pass --workspace DIR",
        )


class InputFileError(EmmaError):
    """A raw input file or folder cannot be used at all (records inside bad files are rejected
    individually into ``ingest_rejects`` instead)."""

    code = "input_file"


class TransformError(EmmaError):
    """A SQL transform failed to parse, plan, run or pass its audits."""

    code = "transform"


class AuditFailed(TransformError):
    code = "audit_failed"


class QueryError(EmmaError):
    """A user query was rejected (not read-only, unparsable) or failed in DuckDB."""

    code = "query"


class NotFound(EmmaError):
    """An ASIN, table, model, property or version that does not exist."""

    code = "not_found"


class ModelError(EmmaError):
    """A model (pretrained weights, checkpoint, config) cannot be loaded or trained."""

    code = "model"


class StoreError(EmmaError):
    """The feature store or the LanceDB online store rejected an operation."""

    code = "store"


class LabelingError(EmmaError):
    """A Smart Labeling operation is invalid (unknown property, bad answers file...)."""

    code = "labeling"
