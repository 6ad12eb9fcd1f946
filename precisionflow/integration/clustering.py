"""Patient clusters on the joint factors (or on one layer), UMAP, and agreement with the label.

k-means with k chosen by the silhouette (scikit-learn) or Leiden on the kNN graph (scanpy); the UMAP
embedding is scanpy's. Every random step takes the config's seed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anndata as ad
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

log = logging.getLogger(__name__)

SILHOUETTE_SAMPLE = 3000


@dataclass
class Clusters:
    labels: pd.Series  # patient -> cluster name ("C1", "C2", … by decreasing size)
    method: str
    silhouette: dict[int, float] = field(default_factory=dict)  # k -> mean silhouette (k-means)


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
        score = float(silhouette_score(values, raw, sample_size=sample, random_state=seed)) if len(set(raw)) > 1 else -1.0
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
    sc.pp.neighbors(adata, n_neighbors=max(2, min(n_neighbors, len(embedding) - 1)), use_rep="X_joint", random_state=seed)
    return adata


def leiden(embedding: pd.DataFrame, resolution: float, n_neighbors: int, seed: int) -> Clusters:
    import scanpy as sc

    adata = neighbors_graph(embedding, n_neighbors, seed)
    sc.tl.leiden(adata, resolution=resolution, random_state=seed, flavor="igraph", n_iterations=-1, directed=False)
    return Clusters(_names(adata.obs["leiden"].astype(str).to_numpy(), embedding.index), "leiden")


def cluster(embedding: pd.DataFrame, settings: dict, seed: int) -> Clusters:
    """Cluster by ``settings["method"]`` (``kmeans`` | ``leiden``) with the schema's keys."""
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
