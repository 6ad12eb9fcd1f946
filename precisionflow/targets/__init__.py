"""Target prioritization: ranked, explained, druggable targets for the cohort and for each patient.

* :mod:`~precisionflow.targets.score` — the Open Targets harmonic-sum score and the scaling rules;
* :mod:`~precisionflow.targets.evidence` — each evidence type's rule, scaled to [0, 1];
* :mod:`~precisionflow.targets.drugs` — druggability and drug lists from DGIdb;
* :mod:`~precisionflow.targets.prioritize` — the cohort table (per group) and the patient tables;
* :mod:`~precisionflow.targets.inputs` — readers of the earlier steps' results and reference tables;
* :mod:`~precisionflow.targets.pipeline` — files in, files out (the workflow script and the benchmark);
* :mod:`~precisionflow.targets.report` — the report's HTML pages and figure.
"""
