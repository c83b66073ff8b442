"""Fill in missing attributes with an Everything model (``emma-fs fill --gen N``).

Writes two external tables (versions recorded in ``_emma_source_versions``):

- ``material_probs(asin, node, probability, provenance)``: a probability for every listing and
  every taxonomy node. Observed labels give 1 for the labelled nodes and their ancestors and 0
  for nodes the label rules out; below a labelled *internal* node (e.g. ``metal``) the model's
  probabilities are expanded into a distribution over its descendants (scaled so its children
  sum to at least 1); unlabelled listings get the calibrated model probabilities.
  ``sql/materials_consistency.sql`` then enforces parent in [max(children), min(1, sum)].
- ``filled_attributes``: one row per listing and generation with price_usd, mass_kg, materials
  (nodes with consistent probability >= 0.5), category_path and rating_dist, each with a
  ``<column>_provenance`` of ``observed`` or ``predicted:<model fingerprint>:gen<N>``.

:func:`filled_targets` reads a generation's fill back as row-aligned targets for generation-2
training.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs import db
from emma_fs.errors import ModelError, NotFound
from emma_fs.progress import Progress
from emma_fs.training import cards, consistency
from emma_fs.training.features import FeatureSpec, Listings, encode, load_listings
from emma_fs.training.hierarchy import PATH_SEP, MaterialTree
from emma_fs.training.predict import Predictions, raw_outputs, to_predictions

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace

def expand_internal_labels(probs: np.ndarray, targets: np.ndarray, mask: np.ndarray,
                           tree: MaterialTree) -> tuple[np.ndarray, np.ndarray]:
    """Material probabilities for every node: observed where the label decides, model
    probabilities expanded below labelled internal nodes, model probabilities for unlabelled
    rows. Returns ``(probabilities [B, N], is_observed [B, N])``."""
    anc = tree.ancestors.astype(np.float64)
    labelled = mask.any(axis=1)
    positive = targets > 0.5
    specific = positive & ~((positive @ anc) > 0)
    child_of = np.zeros_like(anc)
    child_of[np.flatnonzero(tree.parent >= 0), tree.parent[tree.parent >= 0]] = 1.0
    child_sum = probs @ child_of  # [B, N]: sum of each node's children's probabilities
    internal = child_of.sum(axis=0) > 0
    factor = np.where(specific & internal[None, :],
                      1.0 / np.clip(child_sum, 1e-6, 1.0), 0.0)
    below = (specific.astype(np.float64) @ anc.T) > 0  # nodes under a specific label
    scale = factor @ anc.T  # each such node has exactly one specific ancestor
    out = np.where(labelled[:, None], np.where(below, np.minimum(1.0, probs * scale),
                                               positive.astype(np.float64)), probs)
    observed = labelled[:, None] & ~below
    return out, observed


def has_filled(con: duckdb.DuckDBPyConnection, gen: int | None) -> bool:
    """Whether ``filled_attributes`` exists and holds rows (of generation ``gen``)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                         "'filled_attributes'").fetchall()[0][0]
    if not exists:
        return False
    where = "" if gen is None else f"WHERE generation = {int(gen)}"
    return bool(con.execute(f"SELECT count(*) FROM filled_attributes {where}").fetchall()[0][0])


def _write_material_probs(con: duckdb.DuckDBPyConnection, data: Listings, tree: MaterialTree,
                          probs: np.ndarray, observed: np.ndarray, prov: str) -> str:
    import pyarrow as pa

    n, k = probs.shape
    table = pa.table({
        "asin": pa.array(np.repeat(data.asin, k).astype(str)),
        "node": pa.array(np.tile(np.array(tree.nodes), n)),
        "probability": pa.array(probs.ravel()),
        "provenance": pa.array(np.where(observed.ravel(), "observed", prov)),
    })
    db.bootstrap(con)
    con.register("_material_probs_new", table)
    con.execute("DELETE FROM material_probs")
    con.execute("INSERT INTO material_probs BY NAME SELECT * FROM _material_probs_new")
    con.unregister("_material_probs_new")
    version = hashlib.sha256(probs.tobytes() + prov.encode()).hexdigest()[:16]
    db.set_source_version(con, "material_probs", version)
    return version


def consistent_matrix(con: duckdb.DuckDBPyConnection, data: Listings, tree: MaterialTree,
                      sql: consistency.ConsistencySql) -> tuple[np.ndarray, dict[str, int]]:
    """Run the consistency SQL over ``material_probs``; return the ``[B, N]`` result and the
    audit violation counts (all zero, else :class:`AuditFailed` is raised)."""
    audits = consistency.apply(con, sql)
    got = con.execute("SELECT asin, node, probability FROM _materials_consistent").fetchnumpy()
    rows = np.searchsorted(data.asin.astype(str), got["asin"].astype(str))
    index = tree.index
    cols = np.array([index[x] for x in got["node"]])
    out = np.zeros((len(data), len(tree)))
    out[rows, cols] = got["probability"]
    return out, audits


def fill(ws: Workspace, gen: int, progress: Progress, *, device: str = "auto"
         ) -> dict[str, Any]:
    """Predict every missing attribute with ``everything-gen<gen>`` and write the tables."""
    from emma_fs.training.models import build_model
    from emma_fs.training.trainer import resolve_device
    from emma_fs.training.workspace_data import taxonomy_for

    folder = cards.model_dir(ws.models_dir, "everything", gen)
    card, ckpt = cards.load_card(folder), cards.load_checkpoint(folder)
    con = db.connect(ws.duckdb_path)
    try:
        tree, tax_path = taxonomy_for(ws)
        spec = FeatureSpec(**ckpt["spec"])
        if list(spec.materials) != list(tree.nodes):
            raise ModelError("the materials taxonomy changed since everything-gen"
                           f"{gen} was trained", hint="retrain with `emma-fs train everything`")
        data = load_listings(con, tree, ws.exports_dir)
        arrays = encode(data, spec)
        dev = resolve_device(device)
        model = build_model("everything", spec, ckpt["config"], arrays, [], [])
        model.load_state_dict(ckpt["state_dict"])
        model.to(dev)
        rows = np.arange(len(data))
        with progress.task(f"fill gen {gen}", total=1) as bar:
            pred = to_predictions(raw_outputs(model, arrays, rows, dev), spec.vocab,
                                  ckpt.get("temperatures"))
            bar.advance(1)
        prov = f"predicted:{card['fingerprint']}:gen{gen}"
        probs, observed = expand_internal_labels(pred.mat_probs, arrays["mat_targets"],
                                                 arrays["mat_mask"], tree)
        _write_material_probs(con, data, tree, probs, observed, prov)
        sql = consistency.load_sql(ws.sql_dir, tax_path)
        final, audits = consistent_matrix(con, data, tree, sql)
        summary = _write_filled(con, data, arrays, pred, final, tree, gen, card["fingerprint"],
                                prov)
        summary["consistency_violations"] = sum(audits.values())
        summary["adjusted_probabilities"] = int(con.execute(
            "SELECT count(*) FROM _materials_consistent WHERE adjusted").fetchall()[0][0])
        return summary
    finally:
        con.close()


def _write_filled(con: duckdb.DuckDBPyConnection, data: Listings, arrays: dict[str, np.ndarray],
                  pred: Predictions, final: np.ndarray, tree: MaterialTree, gen: int, fp: str,
                  prov: str) -> dict[str, Any]:
    import pyarrow as pa

    def choose(observed_ok: np.ndarray, observed: Any, predicted: Any) -> tuple[list, list]:
        values = [o if ok else p for ok, o, p in zip(observed_ok, observed, predicted,
                                                        strict=True)]
        return values, np.where(observed_ok, "observed", prov).tolist()

    nodes = np.array(tree.nodes, dtype=object)
    positive = final >= 0.5
    pred_materials = [nodes[r].tolist() for r in positive]
    obs_materials = [nodes[r > 0.5].tolist() for r in arrays["mat_targets"]]
    cols: dict[str, Any] = {"asin": data.asin.astype(str).tolist()}
    price, mass = data.numeric["price_usd"], data.numeric["mass_kg"]  # float64, as observed
    price_ok, mass_ok = np.isfinite(price) & (price > 0), np.isfinite(mass) & (mass > 0)
    cols["price_usd"], cols["price_usd_provenance"] = choose(price_ok, price.tolist(),
                                                             pred.price.tolist())
    cols["mass_kg"], cols["mass_kg_provenance"] = choose(mass_ok, mass.tolist(),
                                                         pred.mass.tolist())
    mat_ok = arrays["mat_mask"].any(axis=1)
    cols["materials"], cols["materials_provenance"] = choose(mat_ok, obs_materials,
                                                             pred_materials)
    cat_ok = np.array([bool(p) for p in data.category_paths])
    cols["category_path"], cols["category_path_provenance"] = choose(
        cat_ok, data.category_paths, pred.cat_paths)
    r_ok = arrays["ratings_present"]
    cols["rating_dist"], cols["rating_dist_provenance"] = choose(
        r_ok, np.nan_to_num(data.rating_dist).tolist(), pred.ratings.tolist())
    table = pa.table(cols)
    db.bootstrap(con)  # creates filled_attributes / material_probs if missing
    con.register("_filled_new", table)
    con.execute("DELETE FROM filled_attributes WHERE generation = ?", [gen])
    con.execute(f"""INSERT INTO filled_attributes BY NAME
                    SELECT *, {gen} AS generation, '{fp}' AS model_fingerprint
                    FROM _filled_new""")
    con.unregister("_filled_new")
    version = hashlib.sha256(f"{fp}:{gen}:{len(table)}".encode()
                             + final.tobytes()).hexdigest()[:16]
    db.set_source_version(con, "filled_attributes", version)
    return {"generation": gen, "model_fingerprint": fp, "listings": len(table),
            "price_filled": int((~price_ok).sum()), "mass_filled": int((~mass_ok).sum()),
            "materials_filled": int((~mat_ok).sum()),
            "category_filled": int((~cat_ok).sum()), "ratings_filled": int((~r_ok).sum())}


def filled_targets(ws: Workspace, con: duckdb.DuckDBPyConnection, data: Listings,
                   spec: FeatureSpec, gen: int) -> dict[str, np.ndarray]:
    """Generation ``gen``'s filled values as row-aligned arrays for :func:`with_filled`."""
    from emma_fs.training.workspace_data import taxonomy_for

    if not has_filled(con, gen):
        raise NotFound(f"no filled attributes of generation {gen}",
                       hint=f"run `emma-fs fill --gen {gen}` first")
    got = con.execute("""SELECT asin, price_usd, mass_kg, category_path, rating_dist
                         FROM filled_attributes WHERE generation = ? ORDER BY asin""",
                      [gen]).fetchnumpy()
    if len(got["asin"]) != len(data) or not np.array_equal(got["asin"].astype(str),
                                                            data.asin.astype(str)):
        raise NotFound(f"filled_attributes of generation {gen} do not cover the current "
                       "listings", hint=f"rerun `emma-fs fill --gen {gen}`")
    stamp = con.execute("SELECT any_value(provenance) FROM material_probs WHERE provenance "
                        "LIKE 'predicted:%'").fetchall()[0][0]
    if stamp and not str(stamp).endswith(f":gen{gen}"):
        raise NotFound(f"material_probs holds {stamp}, not generation {gen}",
                       hint=f"rerun `emma-fs fill --gen {gen}`")
    tree, tax_path = taxonomy_for(ws)
    final, _ = consistent_matrix(con, data, tree, consistency.load_sql(ws.sql_dir, tax_path))
    paths = [list(p) if p is not None else None for p in got["category_path"]]
    ratings = np.array([list(r) if r is not None else [0.2] * 5 for r in got["rating_dist"]],
                       dtype=np.float64)
    return {"price": got["price_usd"].astype(np.float64),
            "mass": got["mass_kg"].astype(np.float64), "mat_probs": final,
            "category": spec.vocab.encode(paths), "ratings": ratings,
            "category_keys": np.array([PATH_SEP.join(p or []) for p in paths], dtype=object)}
