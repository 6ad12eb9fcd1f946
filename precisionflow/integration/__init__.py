"""Multi-omics integration: layers aligned by patient, joint factors, clusters, a classifier, fairness.

Modules, in the order the workflow uses them:

- :mod:`~precisionflow.integration.align` — normalized layers (``results/omics/{layer}.h5ad``) and the
  sheet's clinical columns to one MuData (union of patients), per-layer feature selection and scaling.
- :mod:`~precisionflow.integration.factors` — MOFA+ (mofapy2) joint factors, seeded, its output kept in
  the rule's log.
- :mod:`~precisionflow.integration.clustering` — Leiden (resolution) or k-means (k) on the factors, the
  grid point chosen by subsample stability or silhouette, UMAP, agreement (ARI / NMI) with the label
  for the joint factors and for each single layer.
- :mod:`~precisionflow.integration.classifier` — late integration: one model per layer, class
  probabilities pooled over the layers a patient has; nested repeated stratified cross-validation;
  exact per-patient explanations.
- :mod:`~precisionflow.integration.scope` — the labels' tumour type: the classifier trains on and predicts
  for its patients only; the others are "not applicable".
- :mod:`~precisionflow.integration.fairness` — equalized odds per protected column and class, permutation
  within true classes, Holm-corrected.
- :mod:`~precisionflow.integration.figures` — the report's figures.
"""
