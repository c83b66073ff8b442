"""Where and how models run: device resolution, CPU threads and GPU autocast."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from emma_fs.errors import ConfigError


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU fails."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but no CUDA device is visible",
                          hint="use --device cpu or auto")
    return device


def set_threads(threads: int) -> None:
    """Set torch's intra-op CPU threads (0 leaves torch's default)."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


@contextlib.contextmanager
def autocast(device: str, precision: str) -> Iterator[None]:
    """Mixed precision on GPU (fp16 or bf16); a no-op on CPU or with ``fp32``."""
    import torch

    if device != "cuda" or precision == "fp32":
        with torch.inference_mode():
            yield
        return
    dtype = torch.float16 if precision == "fp16" else torch.bfloat16
    with torch.inference_mode(), torch.autocast(device_type="cuda", dtype=dtype):
        yield
