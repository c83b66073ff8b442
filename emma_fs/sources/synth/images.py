"""Procedurally drawn listing images (64x64 JPEG) that carry learnable signal.

Shape follows the product's archetype, colour and texture its materials (wood grain, fabric
weave, metallic sheen, see-through glass, circuit pattern), and the five properties add marks
(a blade edge, a see-through body, a wavy outline, a hinge, an LED and a cable). Each product
also has its own visual identity drawn from (seed, object): a colour shade, body proportions,
background tint, the accent band's place and a printed logo/pattern, so two products of one
category look different. The k-th view of a product is fixed by (seed, object, k) and the
listing's jitter. A near-duplicate listing re-uses the canonical listing's photos: the same
render re-encoded with a tiny shift, a brightness change and another JPEG quality.
Files: ``images/<first two chars of id>/<image_id>.jpg``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emma_fs.sources.synth import material_model as mm
from emma_fs.sources.synth.context import ChunkContext
from emma_fs.sources.synth.seed_categories import ARCHETYPES

SIZE = 64
_Y, _X = (np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1) * 2 - 1).astype(np.float32)


def _shape_mask(shape: int, x: np.ndarray, y: np.ndarray, wavy: float) -> np.ndarray:
    r = np.sqrt(x * x + y * y)
    theta = np.arctan2(y, x)
    r = r * (1 + wavy * np.sin(theta * 7))
    if shape == 0:
        return r < 0.6
    if shape == 1:
        return (np.abs(x) < 0.6) & (np.abs(y) < 0.45)
    if shape == 2:
        return (np.abs(x) < 0.3) & (np.abs(y) < 0.75)
    if shape == 3:
        blade = (y > -0.75) & (y < 0.3) & (np.abs(x) < 0.22 * (y + 0.75))
        handle = (y >= 0.3) & (y < 0.8) & (np.abs(x) < 0.14)
        return blade | handle
    if shape == 4:
        return (r > 0.33) & (r < 0.6)
    if shape == 5:
        return (x / 0.75) ** 2 + (y / 0.4) ** 2 * (1 + wavy) < 1
    if shape == 6:
        discs = ((x - 0.45) ** 2 + y * y < 0.07) | ((x + 0.45) ** 2 + y * y < 0.07)
        return discs | ((np.abs(y) < 0.08) & (np.abs(x) < 0.5))
    if shape == 7:
        return (((np.abs(x + 0.3) < 0.12) & (np.abs(y) < 0.7))
                | ((np.abs(y - 0.58) < 0.12) & (x > -0.42) & (x < 0.5)))
    return (np.abs(x) < 0.7) & (np.abs(y) < 0.42)


N_IDENTITY = 16


def identity(seed: int, obj_id: int) -> np.ndarray:
    """A product's visual identity: ``N_IDENTITY`` uniforms fixed by (seed, object)."""
    return np.random.default_rng([seed, 43, obj_id]).random(N_IDENTITY)


def _logo(ident: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Where the product's printed logo/pattern covers the body (one of four kinds)."""
    px, py = (ident[8] - 0.5) * 0.5, (ident[9] - 0.5) * 0.5
    size = 0.12 + ident[10] * 0.14
    kind = int(ident[7] * 4)
    if kind == 0:  # a round badge
        return (x - px) ** 2 + (y - py) ** 2 < size * size
    if kind == 1:  # diagonal stripes
        freq, tilt = 5 + ident[14] * 10, ident[15] * 2 - 1
        return np.sin((x + tilt * y) * freq * np.pi) > 0.4
    if kind == 2:  # a rectangular label
        return (np.abs(x - px) < size * 1.6) & (np.abs(y - py) < size * 0.8)
    theta = np.arctan2(y - py, x - px)  # a ring of dots
    r = np.sqrt((x - px) ** 2 + (y - py) ** 2)
    return (np.abs(r - size * 1.5) < 0.06) & (np.sin(theta * (3 + int(ident[14] * 5))) > 0.3)


def draw(shape: int, colour: np.ndarray, colour2: np.ndarray, texture: int,
         props: np.ndarray, params: np.ndarray, noise: np.random.Generator,
         ident: np.ndarray | None = None) -> np.ndarray:
    """One 64x64x3 uint8 image. ``params``: cx, cy, scale, angle, background, brightness;
    ``ident``: the product's identity (:func:`identity`), none for a plain archetype image."""
    cx, cy, scale, angle, bg, bright = (float(p) for p in params)
    ca, sa = np.cos(angle), np.sin(angle)
    x = ((_X - cx) * ca + (_Y - cy) * sa) / scale
    y = (-(_X - cx) * sa + (_Y - cy) * ca) / scale
    img = np.empty((SIZE, SIZE, 3), dtype=np.float32)
    img[:] = bg + 8 * _Y[..., None]
    band_y, band_h = 0.15, 0.09
    if ident is not None:
        colour = np.clip(colour + (ident[:3] - 0.5) * 40, 0, 255)
        x, y = x / (0.85 + ident[3] * 0.3), y / (0.85 + ident[4] * 0.3)
        img += (ident[11:14] - 0.5) * 30  # background tint
        band_y, band_h = -0.4 + ident[5] * 0.8, 0.05 + ident[6] * 0.08
    sharp, transparent, deformable, articulating, electronic = (bool(p) for p in props)
    mask = _shape_mask(shape, x, y, 0.06 if deformable else 0.0)
    body = np.broadcast_to(colour.astype(np.float32), (SIZE, SIZE, 3)).copy()
    if texture == mm.GRAIN:
        body += (np.sin(y * 40 + np.sin(x * 6) * 2) * 18)[..., None]
    elif texture == mm.WEAVE:
        body += (((np.floor(x * 14) + np.floor(y * 14)) % 2) * 22 - 11)[..., None]
    elif texture == mm.SPECKLE:
        body += noise.normal(0, 14, (SIZE, SIZE, 1)).astype(np.float32)
    elif texture == mm.METALLIC:
        body += (x * 45 + 20 * np.exp(-((y + 0.2) ** 2) * 30))[..., None]
    elif texture == mm.SPARKLE:
        body += (noise.random((SIZE, SIZE, 1)) < 0.08) * 90
    elif texture == mm.CIRCUIT:
        body[((np.abs(np.sin(x * 20)) < 0.12) | (np.abs(np.sin(y * 20)) < 0.12))] = (40, 160, 70)
    accent = np.abs(y - band_y) < band_h
    body[accent] = colour2
    if ident is not None:
        logo_colour = (ident[[12, 14, 10]] * 255).astype(np.float32)
        body[_logo(ident, x, y)] = logo_colour
    alpha = 0.35 if (transparent or texture == mm.CLEAR) else 1.0
    m = mask[..., None]
    img = np.where(m, alpha * body + (1 - alpha) * img, img)
    if transparent:  # a visible outline and an object seen through the body
        edge = mask & ~_shape_mask(shape, x * 1.12, y * 1.12, 0.0)
        img[edge] = (90, 110, 130)
        behind = mask & ((x - 0.1) ** 2 + (y + 0.1) ** 2 < 0.03)
        img[behind] = img[behind] * 0.6 + np.array([200, 60, 40]) * 0.4
    if sharp:
        edge = (np.abs(y + x * 0.9 - 0.05) < 0.035) & mask
        img[edge] = (245, 245, 250)
    if articulating:
        img[(np.abs(x) < 0.03) & mask] = (40, 40, 40)
        img[(x * x + y * y) < 0.01] = (70, 70, 70)
    if electronic:
        img[((x - 0.35) ** 2 + (y + 0.3) ** 2) < 0.006] = (40, 255, 60)
        img[(np.abs(_Y - 0.85) < 0.03) & (_X > 0.2)] = (20, 20, 20)
    img = img * bright + noise.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _params(seed: int, obj_id: int, k: int, listing_code: int) -> np.ndarray:
    base = np.random.default_rng([seed, 19, obj_id, k]).random(6)
    jit = np.random.default_rng([seed, 23, listing_code, k]).random(6) - 0.5
    return np.array([
        (base[0] - 0.5) * 0.2 + jit[0] * 0.08,
        (base[1] - 0.5) * 0.2 + jit[1] * 0.08,
        0.8 + base[2] * 0.35 + jit[2] * 0.06,
        (base[3] - 0.5) * 1.2 + jit[3] * 0.15,
        225 + base[4] * 25,
        0.92 + base[5] * 0.12 + jit[5] * 0.08,
    ])


def _reencode(seed: int, listing_code: int, k: int, params: np.ndarray) -> tuple[np.ndarray,
                                                                                 int]:
    """A re-listed photo: the original's params nudged (about a pixel, a few % brightness) and
    another JPEG quality."""
    u = np.random.default_rng([seed, 47, listing_code, k]).random(4)
    nudged = params.copy()
    nudged[0] += (u[0] - 0.5) * 0.06
    nudged[1] += (u[1] - 0.5) * 0.06
    nudged[5] *= 1 + (u[2] - 0.5) * 0.06
    return nudged, 70 + int(u[3] * 26)


def write(ctx: ChunkContext) -> dict[str, int]:
    """Draw and save the images of the chunk's listings below ``ctx.images_limit``."""
    from PIL import Image

    c = ctx.chunk
    mats = ctx.mats
    written = 0
    folder = ctx.out_dir / "images"
    canon = np.searchsorted(c.l_obj, c.l_obj)
    todo = np.flatnonzero((c.l_global < ctx.images_limit) & (c.l_n_images > 0))
    for i in todo:
        i = int(i)
        obj = int(c.l_obj[i])
        # a near-duplicate shows the canonical listing's photos, re-encoded
        photo_code = int(c.l_code[canon[i]])
        dup = photo_code != int(c.l_code[i])
        ident = identity(c.seed, int(c.obj_id[obj]))
        m = [int(x) for x in c.obj_materials[obj] if x >= 0]
        colour = mats.colour[m[0]] if m else np.array([250, 250, 250])
        colour2 = mats.colour[m[1]] if len(m) > 1 else colour * 0.7
        texture = int(mats.texture[m[0]]) if m else mm.FLAT
        shape = ARCHETYPES[int(c.obj_arch[obj])].shape
        noise = np.random.default_rng([c.seed, 29, photo_code])
        for k, image_id in enumerate(c.image_ids(i)):
            params = _params(c.seed, int(c.obj_id[obj]), k, photo_code)
            quality = 85
            if dup:
                params, quality = _reencode(c.seed, int(c.l_code[i]), k, params)
            arr = draw(shape, colour, np.asarray(colour2), texture, c.obj_props[obj], params,
                       noise, ident)
            path = folder / image_id[:2] / f"{image_id}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr).save(path, format="JPEG", quality=quality)
            written += 1
    return {"images": written}


def image_path(root: Path, image_id: str) -> Path:
    """Where the image with ``image_id`` is written under the output folder."""
    return root / "images" / image_id[:2] / f"{image_id}.jpg"
