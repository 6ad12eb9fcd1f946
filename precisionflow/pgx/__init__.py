"""Pharmacogenomics: germline genotypes at PharmCAT's allele-defining positions -> star-allele diplotypes
-> CPIC phenotypes and activity scores -> dosing recommendations.

No maintained Python library calls PharmCAT's named alleles from unphased VCF genotypes (PharmCAT itself
is Java; pypgx phases with Beagle first), so the matcher in :mod:`precisionflow.pgx.matcher` follows
PharmCAT's documented Named Allele Matcher by hand. The allele and phenotype tables are PharmCAT's own
files (``*_translation.json``, ``phenotypes/*.json``); their version is written into every output.
GRCh37 germline VCFs are read at the positions pypgx's variant table gives (:mod:`precisionflow.pgx.builds`);
the pypgx version is written into every output too (``positions_source``). Recommendations are CPIC's text
from pypgx's CPIC tables (:mod:`precisionflow.pgx.recommendations`, ``table_version``), and outside calls of
genes PharmCAT has no phenotype file for (CYP2D6) get pypgx's phenotype (:mod:`precisionflow.pgx.pypgx_phenotypes`).
"""
