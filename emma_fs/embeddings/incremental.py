"""Incremental runs: which ASINs need (re-)embedding, which vectors are stale, what happened.

A stored vector is current when its ``content_hash`` equals the input's hash AND its ``model``
equals the model identity of this run (``name@version``). Everything else is pending; stored
ASINs no longer in the input are stale and removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Plan:
    """Rows to embed (a subset of the input rows) and ASINs to delete."""

    pending: pa.Table
    stale: list[str]
    unchanged: int


@dataclass
class EmbedResult:
    """What one embedding run did (rendered by the CLI, asserted by tests)."""

    space: str
    model: str
    inputs: int = 0
    embedded: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    rows_in_table: int = 0
    seconds: float = 0.0
    items_per_second: float = 0.0
    export: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def plan(inputs: pa.Table, stored: pa.Table, model: str) -> Plan:
    """Compare input ``(asin, content_hash, ...)`` with stored ``(asin, content_hash, model)``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    current = stored.filter(pc.equal(stored.column("model"), pa.scalar(model)))
    current = current.select(["asin", "content_hash"]).rename_columns(["asin", "_stored_hash"])
    joined = inputs.join(current, "asin", join_type="left outer")
    fresh = pc.fill_null(pc.equal(joined.column("content_hash"),
                                  joined.column("_stored_hash")), False)
    pending = joined.filter(pc.invert(fresh)).drop_columns(["_stored_hash"])
    pending = pending.sort_by("asin")
    stale_mask = pc.invert(pc.is_in(stored.column("asin"), value_set=inputs.column("asin")))
    stale = stored.column("asin").filter(stale_mask).to_pylist()
    return Plan(pending=pending, stale=stale, unchanged=inputs.num_rows - pending.num_rows)
