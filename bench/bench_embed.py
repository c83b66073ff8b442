"""Text embedding throughput: our pipeline vs bare ``SentenceTransformer.encode``, side by side.

Both embed the same N generated listing texts (mixed lengths) with the same loaded
all-MiniLM-L6-v2 and batch size. "Ours" is the whole :func:`emma_fs.embeddings.text.embed_text`
run into an empty workspace: DuckDB read and content hashing, incremental plan, length-sorted
encoding, LanceDB upsert, index maintenance and the Parquet export. Rounds alternate who
goes first (bare, ours | ours, bare ...) and the best of each is compared, to damp noise from
other load.

    nice -n 10 .venv/bin/python bench/bench_embed.py --size 2000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from emma_fs import db, workspace
from emma_fs.embeddings.settings import EmbedSettings
from emma_fs.embeddings.text import embed_text
from emma_fs.embeddings.text_model import load_text_model

WORDS = ("stainless steel ceramic cotton wooden glass plastic leather kitchen knife mug towel "
         "board lamp vase wallet skillet mat bottle hat bins toothbrush hose backpack hammer "
         "plates notebook soft durable heavy duty set pack inch ounce for with and the of "
         "dishwasher safe non slip adjustable portable waterproof premium quality gift").split()


def listing_texts(n: int, seed: int = 0) -> list[str]:
    """Titles plus a varying number of feature sentences (5 to ~150 words)."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(3.2, 0.8, n).astype(int), 5, 150)
    return [" ".join(rng.choice(WORDS, size=k)) for k in lengths]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    texts = listing_texts(args.size)
    tm = load_text_model("", "cpu")
    tm.model.encode(texts[:64], batch_size=args.batch_size)  # warm-up
    root = Path(tempfile.mkdtemp(prefix="bench_embed_"))
    ws = workspace.init(root / "ws")
    con = db.connect(ws.duckdb_path)
    con.execute("CREATE TABLE listings (asin VARCHAR, listing_text VARCHAR, "
                "image_paths VARCHAR[])")
    con.executemany("INSERT INTO listings VALUES (?, ?, [])",
                    [(f"B{i:08d}", t) for i, t in enumerate(texts)])
    con.close()
    settings = EmbedSettings(threads=args.threads, text_batch_size=args.batch_size)

    def run_bare() -> None:
        t0 = time.perf_counter()
        tm.model.encode(texts, batch_size=args.batch_size, show_progress_bar=False)
        bare.append(time.perf_counter() - t0)

    def run_ours() -> None:
        shutil.rmtree(ws.lancedb_path, ignore_errors=True)
        t0 = time.perf_counter()
        result = embed_text(ws, settings=settings, model=tm)
        ours.append(time.perf_counter() - t0)
        assert result.embedded == args.size

    bare: list[float] = []
    ours: list[float] = []
    for r in range(args.rounds):  # alternate who goes first, so drifting load hits both
        for step in ((run_bare, run_ours) if r % 2 == 0 else (run_ours, run_bare)):
            step()
        print(f"round {r + 1}: bare {args.size / bare[-1]:.1f} texts/s, "
              f"ours {args.size / ours[-1]:.1f} texts/s (end to end)")
    shutil.rmtree(root, ignore_errors=True)
    ratio = min(bare) / min(ours)
    print(f"RESULT size={args.size} threads={args.threads} batch={args.batch_size}: "
          f"bare {args.size / min(bare):.1f}/s, ours {args.size / min(ours):.1f}/s, "
          f"ratio ours/bare = {ratio:.3f}")


if __name__ == "__main__":
    main()
