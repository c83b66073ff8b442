"""Batched text encoding: texts sorted by length, encoded in chunks with progress.

Sorting all pending texts by length once puts texts of similar length in the same batch, so
padding is minimal; chunks of ``16 * batch_size`` texts let the progress bar advance and keep
memory bounded. Vectors come back in the caller's order, float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from emma_fs.embeddings.device import autocast

if TYPE_CHECKING:
    import numpy as np

    from emma_fs.embeddings.text_model import TextModel
    from emma_fs.progress import TaskHandle


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices that sort ``texts`` by length, longest first (stable)."""
    import numpy as np

    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    return np.argsort(-lengths, kind="stable")


def encode_texts(tm: TextModel, texts: Sequence[str], *, batch_size: int, precision: str,
                 handle: TaskHandle | None = None, chunk_batches: int = 16) -> np.ndarray:
    """Encode ``texts`` into a float32 ``[len(texts), tm.dim]`` matrix (input order)."""
    import numpy as np

    out = np.empty((len(texts), tm.dim), dtype=np.float32)
    order = length_order(texts)
    chunk = batch_size * chunk_batches
    with autocast(tm.device, precision):
        for start in range(0, len(order), chunk):
            idx = order[start:start + chunk]
            vectors = tm.model.encode([texts[i] for i in idx], batch_size=batch_size,
                                      convert_to_numpy=True, show_progress_bar=False)
            out[idx] = vectors.astype(np.float32, copy=False)
            if handle is not None:
                handle.advance(len(idx))
    return out
