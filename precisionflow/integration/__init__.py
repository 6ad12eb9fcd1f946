"""Multi-omics integration: layers aligned by patient, joint factors, clusters, a classifier, fairness.

Modules, in the order the workflow uses them:

- :mod:`~precisionflow.integration.align` — normalized layers (``results/omics/{layer}.h5ad``) and the
  sheet's clinical columns to one MuData (union of patients), per-layer feature selection and scaling.
- :mod:`~precisionflow.integration.factors` — MOFA+ (mofapy2) joint factors, seeded, its output kept in
  the rule's log.
- :mod:`~precisionflow.integration.clustering` — k-means (k by silhouette) or Leiden on the factors,
  UMAP, agreement (ARI / NMI) with the label for the joint factors and for each single layer.
- :mod:`~precisionflow.integration.classifier` — late integration: one model per layer, class
  probabilities pooled over the layers a patient has; repeated stratified cross-validation.
- :mod:`~precisionflow.integration.fairness` — per-group error and selection rates for protected columns.
- :mod:`~precisionflow.integration.figures` — the report's figures.
"""
