"""Amazon-like identifiers, vectorised: ASINs, image ids and reviewer ids.

Ids come from bijective integer mixers (multiply by an odd constant, xor-shift, modulo a power
of two), so they are unique whenever the codes are, look random, and are deterministic.
ASIN: ``B0`` + 8 base-36 characters. Image id: 10 base-62 characters + ``L`` (like
``91uohwV3k3L``). Codes are ``chunk * CODE_STRIDE + row`` so chunks are built independently.
"""

from __future__ import annotations

import numpy as np

CODE_STRIDE = 1 << 17  # rows per chunk must stay below this
_B36 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_B62 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


def _mix(codes: np.ndarray, bits: int) -> np.ndarray:
    """A bijection of [0, 2**bits) (odd multipliers and xor-shifts, wrapping arithmetic)."""
    mask = np.uint64((1 << bits) - 1)
    x = codes.astype(np.uint64) & mask
    with np.errstate(over="ignore"):
        x = (x * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)) & mask
        x ^= x >> np.uint64(bits // 2)
        x = (x * np.uint64(0xBF58476D1CE4E5B9)) & mask
        x ^= x >> np.uint64(bits // 3)
    return x.astype(np.int64)


def _encode(values: np.ndarray, alphabet: np.ndarray, width: int) -> np.ndarray:
    base = len(alphabet)
    if not len(values):
        return np.array([], dtype=f"<U{width}")
    digits = np.empty((len(values), width), dtype=alphabet.dtype)
    v = values.astype(np.int64).copy()
    for i in range(width - 1, -1, -1):
        digits[:, i] = alphabet[v % base]
        v //= base
    return digits.view(f"<U{width}").ravel()


def asins(codes: np.ndarray) -> np.ndarray:
    """Unique ASIN strings for unique non-negative integer codes (< 2**41)."""
    return np.char.add("B0", _encode(_mix(codes, 41), _B36, 8))


def image_ids(codes: np.ndarray) -> np.ndarray:
    """Unique 11-character image ids for unique integer codes (< 2**59)."""
    return np.char.add(_encode(_mix(codes, 59), _B62, 10), "L")


def reviewer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random reviewer ids ``A`` + 13 base-36 characters."""
    hi = rng.integers(0, 36**6, size=n, dtype=np.int64)
    lo = rng.integers(0, 36**7, size=n, dtype=np.int64)
    return np.char.add(np.char.add("A", _encode(hi, _B36, 6)), _encode(lo, _B36, 7))
