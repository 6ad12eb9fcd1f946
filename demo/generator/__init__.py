"""The demo cohort: a seeded generator of every input the workflow reads, with planted truth.

``python -m demo.generator --project`` rewrites the project's default cohort (``demo/`` and
``config/samples.tsv``); ``python -m demo.generator --out DIR --patients N`` writes a cohort of
any size into ``DIR`` with its own ``samples.tsv`` and ``config.yaml`` (run it with
``snakemake --directory DIR --configfile DIR/config.yaml``).

What is planted (and listed in ``truth.yaml``):

* three subtypes (Basal, HER2, Luminal) with marker genes in RNA, protein and miRNA;
* HER2: a focal amplification of ERBB2 (and its neighbour GRB7) and their over-expression;
* Luminal: a PIK3CA hotspot (H1047R or E545K) in every patient, ESR1 over-expression;
* Basal: EGFR over-expression in RNA and protein, truncating TP53 mutations (a loss-of-function
  tumour suppressor: a driver, but not a direct target), some TP53 R175H hotspots;
* per patient: the target a correct analysis must rank in the patient's top 3;
* per VCF: which records a correct default filter keeps, after splitting multi-allelic records and
  normalising indels;
* about 20 % of labels left blank, to be predicted; some patients without a layer;
* six patients with a germline sample (one multi-sample VCF, ``germline/``) carrying planted pharmacogene
  diplotypes: a DPYD poor metabolizer, a UGT1A1 *28/*28, a SLCO1B1 tie, one position not called, and a CYP2D6
  outside call (``demo/generator/pgx.py``; its allele tables are a named subset of PharmCAT's data).
* overall survival (sheet columns ``os_days``, ``os_event``): exponential times whose hazard is
  raised by the Basal subtype and by mutation of one gene (hazard ratios in ``truth.yaml``), with
  administrative censoring; a few patients without follow-up, whose risk is predicted.

The reference tables (genes, drivers, hotspots, drug-gene interactions) are small and hand-written
here from public knowledge (gene coordinates on GRCh38, approximate; well-known drugs); the
thousand-odd filler genes are synthetic (``DMG0001`` …, Ensembl-like ids ``ENSG9…``). Nothing is
copied from other data sets.
"""
