"""Image decoding and resizing in a torch DataLoader (worker processes do the PIL work).

Each item is one image file of a listing: ``(tensor [3, H, W], listing index, ok)``. A file
that cannot be decoded yields ``ok = False`` and a zero tensor that the caller drops, so one bad
file never stops a run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


class ImageFiles:
    """Map-style dataset over ``(path, listing index)`` pairs."""

    def __init__(self, paths: Sequence[str], owners: Sequence[int],
                 transform: Callable[[Any], torch.Tensor], size: tuple[int, int, int]) -> None:
        self.paths, self.owners, self.transform, self.size = paths, owners, transform, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, bool]:
        import torch
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(self.paths[i]) as img:
                tensor = self.transform(img.convert("RGB"))
            return tensor, int(self.owners[i]), True
        except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
            return torch.zeros(self.size), int(self.owners[i]), False


def loader(dataset: ImageFiles, *, batch_size: int, num_workers: int,
           pin_memory: bool) -> torch.utils.data.DataLoader:
    """Ordered batches ``(images, owners, ok)``; workers decode in parallel.

    Workers are spawned, not forked: the parent holds LanceDB's async runtime, which is not
    fork-safe (LanceDB warns of possible deadlocks in forked children).
    """
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                      pin_memory=pin_memory, persistent_workers=False,
                      prefetch_factor=4 if num_workers else None,
                      multiprocessing_context="spawn" if num_workers else None)
