"""Training throughput per model type (samples/s) and the share of time spent waiting for data.

    .venv/bin/python bench/bench_train.py --size 400 [--device cpu|cuda|auto] [--steps 8]

Builds a toy workspace (emma_fs.training.toy) of SIZE listings with images, then for each model
type trains a fixed number of steps with the demo profile and prints samples/s and the
data-wait fraction (time in batch assembly / total). Side-by-side ratios measured in the same
run:

- everything: our batch assembly (numpy fancy indexing over pre-encoded arrays) vs a stock
  per-row ``torch.utils.data.Dataset`` + ``DataLoader`` default collate, in samples/s;
- text / single_image: frozen-encoder training with cached encoder features (ours; 4x the steps,
  the one-off caching pass included) vs recomputing the frozen encoder every step (naive), in
  samples/s; plus the throughput of fine-tuning the top layer (demo profile).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emma_fs import db, workspace  # noqa: E402
from emma_fs.progress import SILENT  # noqa: E402
from emma_fs.training.config import load_config  # noqa: E402
from emma_fs.training.features import FeatureSpec, encode, load_listings  # noqa: E402
from emma_fs.training.models import build_model  # noqa: E402
from emma_fs.training.toy import write_toy_workspace  # noqa: E402
from emma_fs.training.trainer import fit, resolve_device  # noqa: E402
from emma_fs.training.workspace_data import taxonomy_for  # noqa: E402


def load(root: Path):
    ws = workspace.find(explicit=root)
    con = db.connect(ws.duckdb_path)
    tree, _ = taxonomy_for(ws)
    data = load_listings(con, tree, ws.exports_dir)
    con.close()
    rows = data.rows("train")
    spec = FeatureSpec.fit(data, tree, rows)
    return data, spec, encode(data, spec), rows


def run(model_type: str, data, spec, arrays, rows, device, steps: int, cached: bool,
        frozen_only: bool) -> dict:
    cfg = load_config(model_type, "demo", {"batch_size": 32})
    if model_type != "everything":
        cfg["freeze_encoder_epochs"] = cfg["epochs"] if frozen_only else 0
        cfg["cache_frozen_features"] = cached
    torch.manual_seed(0)
    model = build_model(model_type, spec, cfg, arrays, data.texts, data.image_path)
    stats = fit(model, arrays, rows, cfg, device, SILENT, spec.vocab.parent, max_steps=steps)
    return stats.to_dict()


def stock_loader_rate(model, arrays, rows, batch_size: int = 64) -> tuple[float, float]:
    """Samples/s of batch assembly: ours vs a per-row Dataset + default collate."""
    keys = [k for k in arrays if arrays[k].ndim >= 1 and len(arrays[k]) == len(arrays["price"])]

    class PerRow(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(rows)

        def __getitem__(self, i: int) -> dict:
            return {k: torch.as_tensor(np.asarray(arrays[k][rows[i]])) for k in keys}

    t0 = time.perf_counter()
    for _ in torch.utils.data.DataLoader(PerRow(), batch_size=batch_size, num_workers=0):
        pass
    stock = len(rows) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for s in range(0, len(rows), batch_size):
        model.collate(arrays, rows[s:s + batch_size])
    ours = len(rows) / (time.perf_counter() - t0)
    return ours, stock


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=400)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="everything,text,single_image")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_toy_workspace(Path(tmp) / "ws", n=args.size, seed=0, images=True,
                            dims=(384, 1280, 384))
        data, spec, arrays, rows = load(Path(tmp) / "ws")
        print(f"toy workspace: {args.size} listings ({len(rows)} train) in "
              f"{time.perf_counter() - t0:.1f}s; device {device}; {args.threads} threads")
        print(f"{'model':14s} {'mode':28s} {'samples/s':>10s} {'data-wait':>10s}")
        for mt in args.models.split(","):
            if mt == "everything":
                run(mt, data, spec, arrays, rows, device, 2, True, False)  # warm-up: lazy imports
                s = run(mt, data, spec, arrays, rows, device, args.steps * 10, True, False)
                print(f"{mt:14s} {'train (all steps)':28s} {s['samples_per_s']:10.1f} "
                      f"{s['data_wait_fraction']:10.3f}")
                cfg = load_config(mt, "demo")
                model = build_model(mt, spec, cfg, arrays, [], [])
                ours, stock = stock_loader_rate(model, arrays, rows)
                print(f"{mt:14s} {'batch assembly: ours':28s} {ours:10.0f}")
                print(f"{mt:14s} {'batch assembly: stock loader':28s} {stock:10.0f}")
                print(f"  ratio ours/stock batch assembly: {ours / stock:.1f}x")
                continue
            fine = run(mt, data, spec, arrays, rows, device, args.steps, True, False)
            cached = run(mt, data, spec, arrays, rows, device, args.steps * 4, True, True)
            naive = run(mt, data, spec, arrays, rows, device, args.steps, False, True)
            for label, s in (("fine-tune top layer", fine),
                             ("frozen epochs, cached (ours)", cached),
                             ("frozen epochs, recompute", naive)):
                print(f"{mt:14s} {label:28s} {s['samples_per_s']:10.1f} "
                      f"{s['data_wait_fraction']:10.3f}")
            print(f"  ratio cached/recompute frozen epochs: "
                  f"{cached['samples_per_s'] / naive['samples_per_s']:.1f}x")


if __name__ == "__main__":
    main()
