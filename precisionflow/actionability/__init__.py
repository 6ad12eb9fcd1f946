"""Clinical actionability: a patient's alterations matched to a curated knowledge base (MOAlmanac), tiered
by the AMP/ASCO/CAP 2017 guideline (Li et al., J Mol Diagn 2017;19:4-23), tumour-type aware.

* :mod:`~precisionflow.actionability.oncotree` — OncoTree codes and how two tumour types relate;
* :mod:`~precisionflow.actionability.knowledge` — the MOAlmanac knowledge-base JSON, read and checked;
* :mod:`~precisionflow.actionability.alterations` — a patient's alterations from the variant step's tables;
* :mod:`~precisionflow.actionability.matching` — alterations × assertions, match kinds;
* :mod:`~precisionflow.actionability.suggestions` — which rows are suggestions (``suggested``) and why not;
* :mod:`~precisionflow.actionability.tiers` — AMP tiers from evidence level × tumour type, tier III drivers;
* :mod:`~precisionflow.actionability.pipeline` — files in, files out (the workflow's script, the benchmark).
"""
