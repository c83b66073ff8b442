"""Image embeddings with the packaged EfficientNet-Lite0: jittered copies are closest, a
listing's vector is the sum of its images' features, listings without usable images get no
vector (recorded with a reason), incremental runs, clear model errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageEnhance

from emma_fs import db, workspace
from emma_fs.embeddings import store
from emma_fs.embeddings.image import embed_images
from emma_fs.embeddings.image_model import load_image_model
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.errors import ModelError

torch.set_num_threads(1)
SETTINGS = EmbedSettings(threads=1, num_workers=0, image_batch_size=4)


def _draw(kind: int, seed: int) -> Image.Image:
    """Distinct simple scenes: shapes, stripes, checkers, gradients in various colours."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (160, 160), tuple(int(c) for c in rng.integers(150, 255, 3)))
    d = ImageDraw.Draw(img)
    colour = tuple(int(c) for c in rng.integers(0, 150, 3))
    if kind == 0:
        d.ellipse((30, 30, 130, 130), fill=colour)
    elif kind == 1:
        for x in range(0, 160, 16):
            d.rectangle((x, 0, x + 7, 160), fill=colour)
    elif kind == 2:
        for x in range(0, 160, 20):
            for y in range(0, 160, 20):
                if (x + y) // 20 % 2:
                    d.rectangle((x, y, x + 19, y + 19), fill=colour)
    elif kind == 3:
        d.polygon([(80, 10), (150, 150), (10, 150)], fill=colour)
    elif kind == 4:
        for r in range(70, 0, -10):
            d.ellipse((80 - r, 80 - r, 80 + r, 80 + r), outline=colour, width=4)
    else:
        for y in range(160):
            d.line((0, y, 160, y), fill=tuple(int(c * y / 160) for c in colour))
        d.rectangle((50, 50, 110, 110), fill=(250, 250, 250))
    return img


def _jitter(img: Image.Image) -> Image.Image:
    shifted = img.crop((6, 4, 156, 154)).resize((160, 160))
    return ImageEnhance.Brightness(shifted).enhance(1.12)


@pytest.fixture(scope="module")
def image_model():
    return load_image_model("tf_efficientnet_lite0", "", "cpu")


@pytest.fixture()
def ws(tmp_path):
    ws = workspace.init(tmp_path / "ws")
    folder = tmp_path / "images"
    folder.mkdir()
    rows = []
    for k in range(6):
        base = _draw(k, seed=k)
        base.save(folder / f"b{k}.jpg", quality=92)
        _jitter(base).save(folder / f"j{k}.jpg", quality=80)
        rows.append((f"B{k}", [str(folder / f"b{k}.jpg")]))
        rows.append((f"J{k}", [str(folder / f"j{k}.jpg")]))
    rows.append(("S01", [str(folder / "b0.jpg"), str(folder / "b1.jpg")]))
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    rows.append(("X00", [str(folder / "broken.jpg")]))
    rows.append(("X01", [str(folder / "nowhere.jpg")]))
    rows.append(("X02", []))
    rows.append(("X03", [str(folder / "b2.jpg"), str(folder / "broken.jpg")]))
    con = db.connect(ws.duckdb_path)
    con.execute("CREATE TABLE listings (asin VARCHAR, listing_text VARCHAR, "
                "image_paths VARCHAR[])")
    con.executemany("INSERT INTO listings VALUES (?, 'x', ?)", rows)
    con.close()
    ws_folder = folder
    return ws, ws_folder


def _vectors(ws):
    asins, vectors, models = store.read_vectors(ws, "image")
    return dict(zip(asins.tolist(), vectors, strict=True)), models


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_jittered_copy_is_closest_and_vectors_sum_images(ws, image_model):
    ws, _ = ws
    result = embed_images(ws, settings=SETTINGS, model=image_model)
    assert result.embedded == 14  # 12 singles, S01, X03 (its good image)
    assert result.model.startswith("tf_efficientnet_lite0@")
    vec, _ = _vectors(ws)
    assert len(vec["B0"]) == 1280
    for k in range(6):
        own = _cos(vec[f"J{k}"], vec[f"B{k}"])
        others = [_cos(vec[f"J{k}"], vec[f"B{m}"]) for m in range(6) if m != k]
        assert own > max(others), (k, own, max(others))
    assert np.allclose(vec["S01"], vec["B0"] + vec["B1"], rtol=1e-4, atol=1e-4)
    assert np.allclose(vec["X03"], vec["B2"], rtol=1e-4, atol=1e-4)


def test_listings_without_usable_images_are_recorded_not_zero(ws, image_model):
    ws, _ = ws
    result = embed_images(ws, settings=SETTINGS, model=image_model)
    vec, _ = _vectors(ws)
    assert not {"X00", "X01", "X02"} & set(vec)
    assert all(np.linalg.norm(v) > 0 for v in vec.values())
    assert result.skip_reasons == {"no image paths": 1, "image files missing": 1,
                                   "undecodable images": 1}
    con = db.connect(ws.duckdb_path)
    reasons = dict(con.execute(
        "SELECT asin, reason FROM embedding_skips WHERE space = 'image'").fetchall())
    assert reasons == {"X00": "undecodable images: 1", "X01": "image files missing: 1",
                       "X02": "no image paths"}


def test_incremental_reembeds_only_changed_images(ws, image_model):
    ws, folder = ws
    embed_images(ws, settings=SETTINGS, model=image_model)
    before, _ = _vectors(ws)
    assert embed_images(ws, settings=SETTINGS, model=image_model).embedded == 0
    _draw(3, seed=99).save(folder / "b1.jpg")  # B1 and S01 both use b1.jpg
    result = embed_images(ws, settings=SETTINGS, model=image_model)
    assert result.embedded == 2 and result.unchanged == 12
    after, _ = _vectors(ws)
    assert not np.allclose(after["B1"], before["B1"])
    assert np.array_equal(after["B0"], before["B0"])


def test_unknown_model_and_missing_checkpoint_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="unknown image model"):
        load_image_model("convnext_gigantic_9000", "", "cpu")
    with pytest.raises(ModelError, match="needs a checkpoint"):
        load_image_model("convnext_base", "", "cpu")
    with pytest.raises(ModelError, match="does not exist"):
        load_image_model("convnext_base", str(tmp_path / "none.pth"), "cpu")


def test_user_checkpoint_must_fit_the_architecture(tmp_path):
    import timm

    good = tmp_path / "tiny.pth"
    torch.save({"state_dict": timm.create_model("convnext_atto").state_dict()}, good)
    model = load_image_model("convnext_atto", str(good), "cpu")
    assert model.dim == 320 and model.name.startswith("convnext_atto@")
    bad = tmp_path / "bad.pth"
    torch.save({"stem.0.weight": torch.zeros(1)}, bad)
    with pytest.raises(ModelError, match="does not fit|lacks"):
        load_image_model("convnext_atto", str(bad), "cpu").model  # noqa: B018
