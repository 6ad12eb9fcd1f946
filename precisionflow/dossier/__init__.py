"""Patient dossiers: one self-contained HTML page and one HL7 FHIR R4 bundle per patient, and a cohort index.

* :mod:`~precisionflow.dossier.sources` — which step output feeds which section (SPEC paths), and why a
  section is empty when its step did not run.
* :mod:`~precisionflow.dossier.gather` — small typed readers turning step outputs into per-patient frames.
* :mod:`~precisionflow.dossier.figures` — the static figures (matplotlib, inlined as PNG data URIs).
* :mod:`~precisionflow.dossier.render` — Jinja2 templates (package data) with DataTables inlined (itables).
* :mod:`~precisionflow.dossier.build` — reads the cohort's sources once; draws the index page's figures.
* :mod:`~precisionflow.dossier.sections` — one patient's sections, in the page's order.
* :mod:`~precisionflow.dossier.fhir` — the Genomics Reporting bundle, validated with ``fhir.resources``.
* :mod:`~precisionflow.dossier.fhir_observations` — the bundle's resources, one builder per finding.
"""
