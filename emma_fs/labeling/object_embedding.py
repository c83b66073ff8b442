"""The object embedding: a bottleneck autoencoder over everything known per object.

Architecture (paper appendix, Figure 7, scaled down for CPU): the standardized input vector
of :mod:`emma_fs.labeling.object_inputs` concatenated with a learned 128-d product-type
embedding and a learned 128-d category embedding goes through ONE hidden bottleneck layer
(``dim`` units, 2048 in the paper, :data:`DEFAULT_DIM` = 512 by default here: at 128 the
bottleneck loses much of the category and materials, see docs/labeling.md); a linear decoder
reconstructs the continuous inputs (L2 loss, as in the paper) and two linear heads classify
product type and category (cross-entropy; an L2 target on learned embeddings would collapse
them to zero).
The object embedding is the bottleneck activation standardized per dimension. Training uses
AdamW, gradient clipping at 32 and a step-wise halving learning-rate schedule
(see :class:`TrainConfig`).

Outputs: LanceDB table ``object_embeddings(asin, vector, model, embedded_at)``, Parquet
export ``exports/embeddings/object.parquet(asin, vector, model, event_timestamp)`` (float32
vectors of length ``dim``), a checkpoint and a JSON report under ``models/object_embedding/``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import ModelError
from emma_fs.labeling.dataset import embedding_path
from emma_fs.labeling.object_inputs import ObjectInputs, load_object_inputs
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    from emma_fs.workspace import Workspace

LANCE_TABLE = "object_embeddings"
CATEGORICAL_DIM = 128
DEFAULT_DIM = 512


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. The learning rate halves about every ``halve_every`` epochs (paper:
    3e-3 to 3e-7, halving about every 4 of 50 epochs, batch 512). Small datasets have few
    steps per epoch: training then runs at least ``min_steps`` optimizer steps, with the same
    number of halvings spread evenly over them."""

    dim: int = DEFAULT_DIM
    epochs: int = 30
    batch_size: int = 512
    lr: float = 3e-3
    halve_every: int = 4
    min_steps: int = 2000
    weight_decay: float = 1e-4
    holdout: float = 0.1
    seed: int = 0
    threads: int | None = None


def build_model(d_in: int, n_types: int, n_categories: int, dim: int):
    """The autoencoder module (torch imported lazily)."""
    import torch
    from torch import nn

    class ObjectAutoencoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.type_emb = nn.Embedding(n_types, CATEGORICAL_DIM)
            self.cat_emb = nn.Embedding(n_categories, CATEGORICAL_DIM)
            self.encoder = nn.Linear(d_in + 2 * CATEGORICAL_DIM, dim)
            self.act = nn.GELU()
            self.decoder = nn.Linear(dim, d_in)
            self.type_head = nn.Linear(dim, n_types)
            self.cat_head = nn.Linear(dim, n_categories)

        def encode(self, x, t, c):  # noqa: ANN001, ANN202 - tensors
            return self.act(self.encoder(torch.cat([x, self.type_emb(t), self.cat_emb(c)], 1)))

        def forward(self, x, t, c):  # noqa: ANN001, ANN202 - tensors
            h = self.encode(x, t, c)
            return h, self.decoder(h), self.type_head(h), self.cat_head(h)

    return ObjectAutoencoder()


def _tensors(inp: ObjectInputs, rows: np.ndarray):
    import torch

    return (torch.from_numpy(inp.x[rows]), torch.from_numpy(inp.product_type[rows]),
            torch.from_numpy(inp.category[rows]))


def _fit(inp: ObjectInputs, train: np.ndarray, cfg: TrainConfig, progress: Progress):
    import torch
    import torch.nn.functional as F  # noqa: N812

    torch.manual_seed(cfg.seed)
    net = build_model(inp.x.shape[1], len(inp.type_vocab), len(inp.category_vocab), cfg.dim)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    x, t, c = _tensors(inp, train)
    gen = torch.Generator().manual_seed(cfg.seed)
    steps = (len(train) + cfg.batch_size - 1) // cfg.batch_size
    epochs = max(cfg.epochs, -(-cfg.min_steps // steps))
    halvings = max(1, cfg.epochs // cfg.halve_every)
    period = max(1, epochs * steps // (halvings + 1))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=period, gamma=0.5)  # per step
    last = float("nan")
    with progress.task("training object embedding", total=epochs * steps) as bar:
        for _ in range(epochs):
            net.train()
            perm = torch.randperm(len(train), generator=gen)
            total = 0.0
            for i in range(0, len(train), cfg.batch_size):
                b = perm[i:i + cfg.batch_size]
                _, rec, tl, cl = net(x[b], t[b], c[b])
                l2 = F.mse_loss(rec, x[b])
                loss = l2 + 0.1 * (F.cross_entropy(tl, t[b]) + F.cross_entropy(cl, c[b]))
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 32.0)
                opt.step()
                sched.step()
                total += float(l2.detach()) * len(b)
                bar.advance(1)
            last = total / len(train)
    return net, last, epochs


def _pearson_r2(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return None
    return round(float(np.corrcoef(a, b)[0, 1] ** 2), 4)


def reconstruction_report(net, inp: ObjectInputs, rows: np.ndarray) -> dict[str, Any]:  # noqa: ANN001
    """Paper-style reconstruction quality on ``rows``: mean standardized L2, category
    accuracy, materials F1 (per object, averaged), mass and price Pearson R^2 (log scale)."""
    import torch

    net.eval()
    x, t, c = _tensors(inp, rows)
    with torch.no_grad():
        _, rec, _, cl = net(x, t, c)
    rec = rec.numpy()
    out: dict[str, Any] = {"rows": int(len(rows)),
                           "mean_standardized_l2": round(float(((rec - inp.x[rows]) ** 2).mean()),
                                                         5)}
    out["mean_relative_error"] = round(float(np.sqrt(out["mean_standardized_l2"])), 4)
    known_cat = inp.category[rows] > 0
    out["category_accuracy"] = (round(float((cl.numpy().argmax(1) == inp.category[rows])
                                            [known_cat].mean()), 4) if known_cat.any() else None)
    for name in ("mass", "price"):
        known = inp.observed[name][rows]
        a, b = inp.spans[name]
        truth = inp.raw(name)[rows][known, 0]
        pred = (rec[:, a:b] * inp.std[a:b] + inp.mean[a:b])[known, 0]
        out[f"{name}_r2"] = _pearson_r2(truth, pred)
    known = inp.observed["materials"][rows]
    a, b = inp.spans["materials"]
    truth = inp.raw("materials")[rows][known, :-1] >= 0.5
    pred = (rec[:, a:b] * inp.std[a:b] + inp.mean[a:b])[known, :-1] >= 0.5
    tp = (truth & pred).sum(1)
    denom = truth.sum(1) + pred.sum(1)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 1.0)
    out["materials_f1"] = round(float(f1.mean()), 4) if len(f1) else None
    return out


def _embed_all(net, inp: ObjectInputs, batch: int = 8192) -> np.ndarray:  # noqa: ANN001
    import torch

    net.eval()
    parts = []
    with torch.no_grad():
        for i in range(0, len(inp.asins), batch):
            rows = np.arange(i, min(i + batch, len(inp.asins)))
            parts.append(net.encode(*_tensors(inp, rows)).numpy())
    h = np.concatenate(parts).astype(np.float32)
    std = h.std(0)
    std[std < 1e-6] = 1.0
    return ((h - h.mean(0)) / std).astype(np.float32)


def _fingerprint(inp: ObjectInputs, cfg: TrainConfig) -> str:
    h = hashlib.sha256(repr((cfg, inp.spans, len(inp.asins))).encode())
    h.update(inp.x[:: max(1, len(inp.x) // 256)].tobytes())
    return h.hexdigest()[:12]


def write_outputs(ws: Workspace, asins: np.ndarray, vectors: np.ndarray, model_name: str
                  ) -> dict[str, str]:
    """Overwrite the LanceDB table and the Parquet export with the new embedding."""
    import lancedb
    import pyarrow as pa
    import pyarrow.parquet as pq

    now = datetime.now(UTC)
    dim = vectors.shape[1]
    vec = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), pa.float32()), dim)
    asin_arr = pa.array(asins.tolist(), pa.string())
    n = len(asins)
    ts = pa.array([now] * n, pa.timestamp("us", tz="UTC"))
    lance = pa.table({"asin": asin_arr, "vector": vec,
                      "model": pa.array([model_name] * n, pa.string()), "embedded_at": ts})
    ws.lancedb_path.mkdir(parents=True, exist_ok=True)
    ldb = lancedb.connect(str(ws.lancedb_path))
    ldb.create_table(LANCE_TABLE, data=lance, mode="overwrite")
    path = embedding_path(ws, "object")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(lance.rename_columns(["asin", "vector", "model", "event_timestamp"]), tmp)
    tmp.replace(path)
    return {"lancedb_table": f"{ws.lancedb_path}/{LANCE_TABLE}", "parquet": str(path)}


def train_object_embedding(ws: Workspace, progress: Progress = SILENT, *,
                           dim: int = DEFAULT_DIM, epochs: int = 30, batch_size: int = 512,
                           lr: float = 3e-3, seed: int = 0, max_rows: int | None = None,
                           threads: int | None = None,
                           min_steps: int = TrainConfig.min_steps) -> dict[str, Any]:
    """Train the object embedding on every object of ``listings`` and write its outputs.

    Returns a report: model name, dimensions, final training L2, held-out reconstruction
    quality (see :func:`reconstruction_report`) and the output locations."""
    import torch

    from emma_fs import db

    if dim < 2 or epochs < 1 or batch_size < 1 or lr <= 0 or min_steps < 0:
        raise ModelError(f"invalid object-embedding settings dim={dim} epochs={epochs} "
                         f"batch_size={batch_size} lr={lr} min_steps={min_steps}")
    cfg = TrainConfig(dim=dim, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                      threads=threads, min_steps=min_steps)
    if threads:
        torch.set_num_threads(threads)
    con = db.connect(ws.duckdb_path)
    try:
        with progress.task("assembling object inputs"):
            inp = load_object_inputs(ws, con, max_rows=max_rows)
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(inp.asins))
        n_hold = int(len(perm) * cfg.holdout) if len(perm) >= 50 else 0
        hold, train = perm[:n_hold], perm[n_hold:]
        net, train_l2, epochs_run = _fit(inp, train, cfg, progress)
        report = reconstruction_report(net, inp, hold if n_hold else train)
        report["evaluated_on"] = "holdout" if n_hold else "train"
        with progress.task(f"embedding {len(inp.asins):,} objects"):
            vectors = _embed_all(net, inp)
        fp = _fingerprint(inp, cfg)
        name = f"object-ae-{dim}-{fp}"
        outputs = write_outputs(ws, inp.asins, vectors, name)
        db.set_source_version(con, LANCE_TABLE, fp)
    finally:
        con.close()
    model_dir = Path(ws.models_dir) / "object_embedding"
    model_dir.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": net.state_dict(), "config": cfg.__dict__, "spans": inp.spans,
                "mean": inp.mean, "std": inp.std, "type_vocab": inp.type_vocab,
                "category_vocab": inp.category_vocab, "material_vocab": inp.material_vocab},
               model_dir / f"{name}.pt")
    result = {"model": name, "objects": int(len(inp.asins)), "input_dim": int(inp.x.shape[1]),
              "dim": dim, "epochs": epochs_run, "train_l2": round(train_l2, 5),
              "blocks": {k: b - a for k, (a, b) in inp.spans.items()}, **report, **outputs}
    (model_dir / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    return result
