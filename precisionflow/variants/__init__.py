"""Variant post-processing: VCF/MAF and copy-number segments to annotated mutations, TMB and gene copy number.

Modules, by job:

* one patient's MAF: :mod:`.maf` (several inputs merged), :mod:`.vcf_input` (a VCF), :mod:`.maf_input`
  (an input MAF), :mod:`.filters` (FILTER, depth/VAF and population-frequency filters, shared by both
  inputs), :mod:`.alleles` (minimal VCF and MAF alleles), :mod:`.lookup` (genes, drivers, hotspots),
  :mod:`.maf_rows` (output columns, assembly, writing), :mod:`.summary` (accounting of every record);
* reading VCFs: :mod:`.vcf_header` (header, build, tumour/normal columns), :mod:`.vcf_stream` (blocks
  parsed in a reader thread), :mod:`.vcf` (alleles of a block, filtered), :mod:`.vcf_evidence` (depth,
  read counts, allele fraction), :mod:`.arrow_fields` (vectorised field helpers);
* reading MAFs: :mod:`.maf_reading` (dialects, checks, depth and VAF);
* annotation: :mod:`.annotation` (CSQ/ANN), :mod:`.consequences` (term severity and MAF classes),
  :mod:`.genes` (genes by position);
* copy number: :mod:`.copy_number` (segments to gene calls), :mod:`.segments`, :mod:`.gene_calls`;
* the cohort: :mod:`.cohort` (patients × genes matrix, TMB, oncoplot).

Command line: ``python -m precisionflow.variants --help``.
"""
