"""Feast definitions of the EMMa feature repo: entity `product` (join key `asin`) and one feature
view per Parquet export in the folder named by emma_repo.json (`features_dir`, relative to this
folder). See emma_fs.features.definitions for the rules; no code change is needed to add a view.
"""

import json
from pathlib import Path

from emma_fs.features.definitions import load_definitions

_HERE = Path(__file__).resolve().parent
_FEATURES_DIR = _HERE / json.loads((_HERE / "emma_repo.json").read_text())["features_dir"]

for _obj in load_definitions(_FEATURES_DIR):
    globals()[f"emma_{_obj.name}"] = _obj
del _obj
