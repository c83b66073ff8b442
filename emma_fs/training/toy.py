"""A small synthetic workspace with learnable structure, for tests and ``bench/bench_train.py``.

It writes what the real pipeline provides to the training stage (contracts.md section 4): a
``listings`` table in the workspace DuckDB, embedding exports
``exports/embeddings/{text,image,review}.parquet``, small JPEG images, a toy materials
taxonomy under the workspace sql dir (``seeds/materials_taxonomy.csv``) and a hidden
``truth.parquet`` with every attribute before attributes were hidden. Attributes depend on a
latent category/material/size, so text, image and other attributes all carry signal, with the
listing text the most informative and the image the least.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOY_TAXONOMY: list[tuple[str, str]] = [
    ("metal", ""), ("steel", "metal"), ("stainless_steel", "steel"), ("aluminum", "metal"),
    ("wood", ""), ("cedar", "wood"), ("pine", "wood"),
    ("plastic", ""), ("thermoplastic", "plastic"), ("acrylic", "thermoplastic"),
    ("fabric", ""), ("cotton", "fabric"), ("polyester", "fabric"), ("glass", ""),
]
LEAF_MATERIALS = ["stainless_steel", "aluminum", "cedar", "pine", "acrylic", "cotton",
                  "polyester", "glass"]
CATEGORIES = [
    ["Home & Kitchen", "Cookware", "Pans"], ["Home & Kitchen", "Cookware", "Pots"],
    ["Home & Kitchen", "Bedding", "Pillows"], ["Home & Kitchen", "Bedding", "Sheets"],
    ["Tools", "Hand Tools", "Hammers"], ["Tools", "Hand Tools", "Saws"],
    ["Tools", "Storage", "Boxes"], ["Toys", "Puzzles"], ["Toys", "Blocks"],
]
# per category: typical materials (indices into LEAF_MATERIALS), log10 kg, log10 USD, stars
CATEGORY_PROFILE = [
    ([0, 1], 0.1, 1.5, 4.3), ([0, 1], 0.3, 1.7, 4.1), ([5, 6], -0.3, 1.3, 4.0),
    ([5, 6], -0.1, 1.6, 3.8), ([0, 2], 0.0, 1.2, 4.5), ([0, 3], 0.2, 1.4, 3.6),
    ([3, 4], 0.4, 1.8, 3.9), ([2, 3], -0.5, 1.1, 4.6), ([3, 4, 7], -0.6, 0.9, 4.2),
]
SPLITS = ("train", "validation", "test", "calibration")


@dataclass(frozen=True)
class ToyWorkspace:
    root: Path
    duckdb: Path
    truth: Path
    n: int


def _embed(rng: np.random.Generator, latent: np.ndarray, dim: int, noise: float) -> np.ndarray:
    proj = rng.normal(size=(latent.shape[1], dim)) / np.sqrt(latent.shape[1])
    return (latent @ proj + noise * rng.normal(size=(len(latent), dim))).astype(np.float32)


def write_toy_workspace(root: Path, n: int = 600, seed: int = 0, *, dims: tuple[int, int, int]
                        = (32, 48, 16), images: bool = True) -> ToyWorkspace:
    """Create a workspace at ``root`` with ``n`` toy listings (deterministic for ``seed``)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from emma_fs import workspace

    rng = np.random.default_rng(seed)
    root = Path(root)
    ws = workspace.init(root)
    sql_dir = root / "sql"
    (sql_dir / "seeds").mkdir(parents=True, exist_ok=True)
    (sql_dir / "seeds" / "materials_taxonomy.csv").write_text(
        "node,parent,synonyms,patterns\n" + "".join(f"{c},{p},,\n" for c, p in TOY_TAXONOMY))
    (root / "emma-fs.toml").write_text((root / "emma-fs.toml").read_text()
                                       .replace('sql = ""', 'sql = "sql"'))

    cat = rng.integers(0, len(CATEGORIES), n)
    choice = rng.random(n)
    mat_sets: list[list[str]] = []
    mat_onehot = np.zeros((n, len(LEAF_MATERIALS)))
    for i in range(n):  # toy generator: n is a few thousand at most
        options = CATEGORY_PROFILE[cat[i]][0]
        picked = {options[int(choice[i] * len(options))]}
        if rng.random() < 0.25:
            picked.add(int(rng.integers(0, len(LEAF_MATERIALS))))
        mat_sets.append(sorted(LEAF_MATERIALS[j] for j in picked))
        mat_onehot[i, list(picked)] = 1
    size = rng.normal(0, 0.3, n)
    heavy = mat_onehot[:, [0, 7]].sum(1) * 0.2 - mat_onehot[:, [5, 6]].sum(1) * 0.2
    log_mass = np.array([CATEGORY_PROFILE[c][1] for c in cat]) + size + heavy
    log_price = (np.array([CATEGORY_PROFILE[c][2] for c in cat]) + 0.5 * size
                 + rng.normal(0, 0.12, n))
    log_mass += rng.normal(0, 0.08, n)
    stars = np.array([CATEGORY_PROFILE[c][3] for c in cat]) + rng.normal(0, 0.2, n)
    logits = -0.9 * (np.arange(1, 6)[None, :] - stars[:, None]) ** 2
    rating_dist = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    n_reviews = rng.integers(1, 400, n)
    cat_onehot = np.eye(len(CATEGORIES))[cat]

    latent = np.hstack([cat_onehot * 2, mat_onehot * 1.5, size[:, None] * 3,
                        (stars[:, None] - 4) * 2])
    text_v = _embed(rng, latent, dims[0], 0.3)
    image_v = _embed(rng, latent * np.r_[np.full(len(CATEGORIES), 0.6),
                                         np.ones(len(LEAF_MATERIALS)), 1.0, 0.1], dims[1], 0.8)
    review_v = _embed(rng, np.hstack([latent[:, -1:], cat_onehot]), dims[2], 0.5)
    size_word = np.where(size > 0.2, "large", np.where(size < -0.2, "small", "medium"))
    texts = [f"{size_word[i]} {CATEGORIES[cat[i]][-1].lower()} made of "
             f"{' and '.join(m.replace('_', ' ') for m in mat_sets[i])}" for i in range(n)]
    split = np.array(SPLITS)[np.searchsorted([0.6, 0.7, 0.9], rng.random(n), side="right")]
    asins = [f"B{seed:02d}{i:07d}" for i in range(n)]

    # hide attributes the way real listings miss them; materials sometimes at a coarser level
    hidden = {k: rng.random(n) < p for k, p in
              (("price", 0.3), ("mass", 0.3), ("materials", 0.35), ("category", 0.1),
               ("ratings", 0.2), ("size", 0.3), ("package", 0.4))}
    parent = dict(TOY_TAXONOMY)
    coarse = rng.random(n) < 0.3
    observed_mats = [None if hidden["materials"][i] else
                     sorted({parent[m] or m for m in mat_sets[i]}) if coarse[i] else mat_sets[i]
                     for i in range(n)]
    image_paths: list[list[str]] = [[] for _ in range(n)]
    if images:
        from PIL import Image

        img_dir = root / "raw" / "images"
        img_dir.mkdir(parents=True, exist_ok=True)
        colors = np.clip(128 + 40 * (latent[:, len(CATEGORIES):len(CATEGORIES) + 3] @
                                     rng.normal(size=(3, 3))), 0, 255)
        for i in range(n):
            px = np.clip(colors[i] + rng.normal(0, 20, (24, 24, 3)), 0, 255).astype(np.uint8)
            px[: int(12 + 8 * np.tanh(size[i])), :, 2] = 255 - int(40 * cat[i] % 255)
            path = img_dir / f"{asins[i]}.jpg"
            Image.fromarray(px).save(path, quality=90)
            image_paths[i] = [str(path)]

    def nullable(values: np.ndarray, key: str) -> list:
        return [None if hidden[key][i] else float(values[i]) for i in range(n)]

    mass = 10 ** log_mass
    listings = pa.table({
        "asin": asins, "title": texts, "listing_text": texts, "brand": ["toy"] * n,
        "product_type": [CATEGORIES[c][-1].upper() for c in cat],
        "category_path": [None if hidden["category"][i] else CATEGORIES[cat[i]]
                          for i in range(n)],
        "price_usd": nullable(10 ** log_price, "price"),
        "mass_kg": nullable(mass, "mass"),
        "package_mass_kg": nullable(mass * 1.15, "package"),
        "length_cm": nullable(10 * np.exp(size), "size"),
        "width_cm": nullable(5 * np.exp(size), "size"),
        "height_cm": nullable(3 * np.exp(size), "size"),
        "materials": observed_mats,
        "materials_raw": observed_mats,
        "rating_dist": [None if hidden["ratings"][i] else rating_dist[i].tolist()
                        for i in range(n)],
        "n_reviews": [None if hidden["ratings"][i] else int(n_reviews[i]) for i in range(n)],
        "image_paths": image_paths, "n_images": [len(p) for p in image_paths],
        "split": split.tolist(),
    })
    con = duckdb.connect(str(ws.duckdb_path))
    con.register("toy_listings", listings)
    con.execute("CREATE OR REPLACE TABLE listings AS SELECT * FROM toy_listings")
    con.close()

    emb_dir = ws.exports_dir / "embeddings"
    emb_dir.mkdir(parents=True, exist_ok=True)
    for name, vec in (("text", text_v), ("image", image_v), ("review", review_v)):
        keep = np.ones(n, bool) if name != "review" else ~hidden["ratings"]
        arr = pa.FixedSizeListArray.from_arrays(pa.array(vec[keep].ravel()), vec.shape[1])
        pq.write_table(pa.table({"asin": np.array(asins)[keep], "vector": arr,
                                 "model": [f"toy-{name}"] * int(keep.sum())}),
                       emb_dir / f"{name}.parquet")

    truth = root / "truth.parquet"
    pq.write_table(pa.table({
        "asin": asins, "category_path": [CATEGORIES[c] for c in cat], "materials": mat_sets,
        "mass_kg": mass, "price_usd": 10 ** log_price, "rating_dist": rating_dist.tolist(),
        "n_reviews": n_reviews}), truth)
    return ToyWorkspace(root=root, duckdb=ws.duckdb_path, truth=truth, n=n)
