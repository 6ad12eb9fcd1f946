"""Variant post-processing: VCF/MAF and copy-number segments to annotated mutations, TMB and gene copy number.

Modules: :mod:`.vcf` (streamed VCF reading, tumour column), :mod:`.annotation` (CSQ/ANN),
:mod:`.genes` (genes by position), :mod:`.maf` (one patient's MAF),
:mod:`.copy_number` (segments to gene calls), :mod:`.gene_calls` (gene-level call tables),
:mod:`.cohort` (patients × genes matrix, oncoplot). Command line:
``python -m precisionflow.variants --help``.
"""
