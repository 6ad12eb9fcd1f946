"""Patient clusters on the joint factors (or on one layer), UMAP, and agreement with the label.

Leiden on scanpy's kNN graph over a grid of resolutions, or k-means (scikit-learn) over a grid of k;
the grid point is chosen by a stated criterion:

* ``stability`` (default): the clustering is repeated on ``subsamples`` random subsets of
  ``subsample_fraction`` of the patients (Leiden: the induced subgraph of the full kNN graph; k-means:
  refitted), and scored by the mean ARI between the subset's clusters and the full clustering restricted
  to the subset; the most stable grid point wins (ties: the smaller resolution / k). Unlike the
  silhouette, which favours the coarsest split (two clusters on the breast cohort's three subtypes), it
  asks whether a partition is reproducible (Ben-Hur et al. 2002; Lange et al. 2004);
* ``silhouette``: the mean silhouette (scikit-learn) of each grid point's clusters.

A grid point with a single cluster scores -1 under either criterion. The UMAP embedding is scanpy's.
Every random step takes the config's seed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from precisionflow.settings import with_defaults

log = logging.getLogger(__name__)

SILHOUETTE_SAMPLE = 3000


@dataclass
class Clusters:
    labels: pd.Series  # patient -> cluster name ("C1", "C2", … by decreasing size)
    method: str
    silhouette: dict[int, float] = field(default_factory=dict)  # k -> mean silhouette (k-means)
    criterion: str = "silhouette"
    scores: dict[str, float] = field(default_factory=dict)  # grid point (k or resolution) -> criterion
    chosen: str = ""


def _names(raw: np.ndarray, index: pd.Index) -> pd.Series:
    """Cluster names C1, C2 … by decreasing size, ties by first patient, so that names do not depend
    on the algorithm's internal numbering."""
    frame = pd.DataFrame({"raw": raw, "position": np.arange(len(raw))})
    summary = frame.groupby("raw").agg(size=("position", "size"), first=("position", "min"))
    summary = summary.sort_values(["size", "first"], ascending=[False, True])
    rename = {raw_id: f"C{i + 1}" for i, raw_id in enumerate(summary.index)}
    return pd.Series([rename[r] for r in raw], index=index, name="cluster")


def kmeans(embedding: pd.DataFrame, k_min: int, k_max: int, seed: int) -> Clusters:
    """k-means for every k in [k_min, k_max] (capped at patients - 1); keep the best mean silhouette."""
    values = embedding.to_numpy()
    n = len(values)
    ks = [k for k in range(k_min, k_max + 1) if k < n]
    if not ks:
        return Clusters(pd.Series(["C1"] * n, index=embedding.index, name="cluster"), "kmeans", {})
    scores: dict[int, float] = {}
    best: tuple[float, int, np.ndarray] | None = None
    for k in ks:
        raw = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(values)
        # the silhouette is quadratic in patients: above SILHOUETTE_SAMPLE, a seeded sample of them
        sample = SILHOUETTE_SAMPLE if n > SILHOUETTE_SAMPLE else None
        score = (
            float(silhouette_score(values, raw, sample_size=sample, random_state=seed)) if len(set(raw)) > 1 else -1.0
        )
        scores[k] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, k, raw)
    assert best is not None
    log.info("k-means: silhouette by k %s, chose k=%d", {k: round(s, 3) for k, s in scores.items()}, best[1])
    return Clusters(_names(best[2], embedding.index), "kmeans", scores)


def neighbors_graph(embedding: pd.DataFrame, n_neighbors: int, seed: int) -> ad.AnnData:
    """An AnnData of the embedding with scanpy's kNN graph (``use_rep="X_joint"``)."""
    import scanpy as sc

    adata = ad.AnnData(obs=pd.DataFrame(index=embedding.index.astype(str)))
    adata.obsm["X_joint"] = embedding.to_numpy()
    sc.pp.neighbors(
        adata, n_neighbors=max(2, min(n_neighbors, len(embedding) - 1)), use_rep="X_joint", random_state=seed
    )
    return adata


def leiden(embedding: pd.DataFrame, resolution: float, n_neighbors: int, seed: int) -> Clusters:
    import scanpy as sc

    adata = neighbors_graph(embedding, n_neighbors, seed)
    sc.tl.leiden(adata, resolution=resolution, random_state=seed, flavor="igraph", n_iterations=-1, directed=False)
    return Clusters(_names(adata.obs["leiden"].astype(str).to_numpy(), embedding.index), "leiden")


def _subsets(n: int, fraction: float, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, 18])
    size = max(2, int(round(fraction * n)))
    return [np.sort(rng.choice(n, size=size, replace=False)) for _ in range(count)]


def _igraph(adata: ad.AnnData):
    """scanpy's kNN connectivities as an undirected weighted igraph (what ``sc.tl.leiden`` builds)."""
    import igraph

    matrix = sparse.triu(adata.obsp["connectivities"], k=1).tocoo()
    edges = list(zip(matrix.row.tolist(), matrix.col.tolist(), strict=True))
    graph = igraph.Graph(n=adata.n_obs, edges=edges, directed=False)
    graph.es["weight"] = matrix.data.tolist()
    return graph


def _leiden_raw(graph, resolution: float, seed: int) -> np.ndarray:
    """igraph's Leiden (modularity, until stable), as scanpy's ``flavor="igraph"`` calls it, seeded; called
    directly because the stability criterion runs it on hundreds of subgraphs."""
    import random

    import igraph

    igraph.set_random_number_generator(random.Random(seed))
    try:
        parts = graph.community_leiden(
            objective_function="modularity", weights="weight", resolution=resolution, n_iterations=-1
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(parts.membership).astype(str)


def _score(values: np.ndarray, raw: np.ndarray, criterion: str, seed: int, stability: list[float]) -> float:
    if len(set(raw)) < 2:
        return -1.0
    if criterion == "stability":
        return float(np.mean(stability))
    sample = SILHOUETTE_SAMPLE if len(values) > SILHOUETTE_SAMPLE else None
    return float(silhouette_score(values, raw, sample_size=sample, random_state=seed))


def select(embedding: pd.DataFrame, settings: dict, seed: int) -> Clusters:
    """Clusters at the grid point (Leiden resolutions or k-means k) best by ``settings["criterion"]``
    (see the module docstring)."""
    settings = with_defaults("integration", {"clustering": settings})["clustering"]  # the schema's defaults
    values = embedding.to_numpy()
    n = len(values)
    method, criterion = settings["method"], settings["criterion"]
    subsets = []
    if criterion == "stability":
        subsets = _subsets(n, settings["subsample_fraction"], settings["subsamples"], seed)
    scores: dict[str, float] = {}
    best: tuple[float, str, np.ndarray] | None = None
    if method == "leiden":
        graph = _igraph(neighbors_graph(embedding, settings["n_neighbors"], seed))
        grid = [(f"{r:g}", r) for r in settings["resolutions"]]
    else:
        grid = [(str(k), k) for k in range(settings["k_min"], settings["k_max"] + 1) if k < n]
        if not grid:
            return Clusters(pd.Series(["C1"] * n, index=embedding.index, name="cluster"), method, {}, criterion, {}, "")
    for name, point in grid:
        if method == "leiden":
            raw = _leiden_raw(graph, point, seed)
            stability = []
            for subset in subsets if len(set(raw)) > 1 else []:
                part = graph.induced_subgraph(subset.tolist())
                stability.append(adjusted_rand_score(raw[subset], _leiden_raw(part, point, seed)))
        else:
            model = KMeans(n_clusters=point, n_init=10, random_state=seed)
            raw = model.fit_predict(values)
            stability = [
                adjusted_rand_score(raw[subset], model.fit_predict(values[subset]))
                for subset in (subsets if len(set(raw)) > 1 else [])
            ]
        score = _score(values, raw, criterion, seed, stability)
        scores[name] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, name, raw)
    assert best is not None
    log.info(
        "%s: %s by %s %s, chose %s",
        method,
        "resolution" if method == "leiden" else "k",
        criterion,
        {k: round(v, 3) for k, v in scores.items()},
        best[1],
    )
    silhouettes = {int(k): v for k, v in scores.items()} if method == "kmeans" and criterion == "silhouette" else {}
    return Clusters(_names(best[2], embedding.index), method, silhouettes, criterion, scores, best[1])


def cluster(embedding: pd.DataFrame, settings: dict, seed: int) -> Clusters:
    """Cluster by ``settings["method"]`` (``kmeans`` | ``leiden``) and ``settings["criterion"]``
    (``stability`` | ``silhouette``; without one: k-means by silhouette, Leiden at ``resolution``)."""
    if "criterion" in settings:
        return select(embedding, settings, seed)
    if settings["method"] == "leiden":
        return leiden(embedding, settings["resolution"], settings["n_neighbors"], seed)
    return kmeans(embedding, settings["k_min"], settings["k_max"], seed)


def umap(embedding: pd.DataFrame, n_neighbors: int, seed: int) -> pd.DataFrame:
    """2-D UMAP of the embedding (scanpy), patients × (UMAP1, UMAP2)."""
    import scanpy as sc

    adata = neighbors_graph(embedding, n_neighbors, seed)
    sc.tl.umap(adata, random_state=seed)
    return pd.DataFrame(adata.obsm["X_umap"], index=embedding.index, columns=["UMAP1", "UMAP2"])


def layer_embedding(scaled: np.ndarray, patients: pd.Index, n_components: int, seed: int) -> pd.DataFrame:
    """PCA of one scaled layer (missing values set to the feature mean, 0), to cluster that layer alone."""
    values = np.nan_to_num(scaled, nan=0.0)
    n_components = max(1, min(n_components, values.shape[0] - 1, values.shape[1]))
    scores = PCA(n_components=n_components, random_state=seed, svd_solver="randomized").fit_transform(values)
    return pd.DataFrame(scores, index=patients, columns=[f"PC{i + 1}" for i in range(n_components)])


def agreement(clusters: pd.Series, labels: pd.Series) -> dict[str, float | int]:
    """ARI and NMI of clusters against labels over the patients that have both."""
    labels = labels.dropna()
    common = clusters.index.intersection(labels.index)
    if len(common) < 2:
        return {"ari": float("nan"), "nmi": float("nan"), "n": int(len(common))}
    truth = labels.loc[common].astype(str).to_numpy()
    found = clusters.loc[common].astype(str).to_numpy()
    return {
        "ari": float(adjusted_rand_score(truth, found)),
        "nmi": float(normalized_mutual_info_score(truth, found)),
        "n": int(len(common)),
    }
