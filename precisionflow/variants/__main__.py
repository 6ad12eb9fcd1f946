"""Command line of the variant step, for use outside Snakemake (and by ``bench/variants.py``).

``python -m precisionflow.variants maf VCF_OR_MAF OUT --genes genes.bed.gz [--drivers ...] [--hotspots ...]``
writes one patient's filtered, annotated MAF, exactly as the workflow's ``variants_maf`` rule does.
"""

from __future__ import annotations

import argparse
import logging
import sys

from precisionflow.errors import InputError


def main(argv: list[str] | None = None) -> int:
    from precisionflow.settings import defaults

    settings = defaults("variants")
    config = defaults("config")
    filters = settings["filters"]
    parser = argparse.ArgumentParser(prog="python -m precisionflow.variants", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    maf = commands.add_parser("maf", help="a patient's VCF (or MAF) to a filtered, annotated MAF")
    maf.add_argument("input", help="VCF (plain or bgzipped) or MAF (.maf, .maf.gz, .maf.tsv); several ';'-separated")
    maf.add_argument("out", help="output MAF (tab-separated)")
    maf.add_argument("--genes", required=True, help="genes BED: chrom start end symbol ensembl_id strand biotype")
    maf.add_argument("--drivers", help="IntOGen driver table")
    maf.add_argument("--hotspots", help="hotspot table (no header)")
    maf.add_argument("--patient", default="sample", help="id written as Tumor_Sample_Barcode")
    maf.add_argument("--tumor-sample", help="VCF column (or MAF barcode) of the tumour")
    maf.add_argument("--normal-sample", help="VCF column of the normal")
    pass_filters = ",".join(filters["pass_filters"])
    maf.add_argument(
        "--pass-filters", default=pass_filters, help=f"comma-separated FILTER values kept (default {pass_filters})"
    )
    maf.add_argument("--min-depth", type=float, default=filters["min_depth"])
    maf.add_argument("--min-vaf", type=float, default=filters["min_vaf"])
    maf.add_argument("--max-population-af", type=float, default=filters["max_population_af"])
    maf.add_argument("--annotation", default=settings["annotation"], choices=["auto", "CSQ", "ANN", "none"])
    maf.add_argument("--genome-build", default=config["genome_build"])
    maf.add_argument("--counts", help="also write the accounting of every record read (TSV) here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from precisionflow.io import write_tsv
    from precisionflow.sheet import split_paths
    from precisionflow.variants.cohort import counts_table
    from precisionflow.variants.filters import FilterSettings
    from precisionflow.variants.lookup import References
    from precisionflow.variants.maf import variants_to_maf

    filters = FilterSettings.from_config(
        filters
        | {
            "pass_filters": [f for f in args.pass_filters.split(",") if f],
            "min_depth": args.min_depth,
            "min_vaf": args.min_vaf,
            "max_population_af": args.max_population_af,
        }
    )
    try:
        references = References.load(args.genes, args.drivers, args.hotspots)
        paths = split_paths(args.input)
        kinds = [
            "maf" if p.lower().removesuffix(".gz").endswith((".maf", ".maf.tsv", ".maf.txt")) else "vcf" for p in paths
        ]
        options = dict(
            patient=args.patient,
            references=references,
            filters=filters,
            tumor_sample=args.tumor_sample,
            genome_build=args.genome_build,
        )
        if set(kinds) == {"maf"}:
            kind = "maf"
        elif set(kinds) == {"vcf"}:
            kind = "vcf"
            options |= dict(normal_sample=args.normal_sample, annotation=args.annotation)
        else:
            raise InputError(args.input, "input", "files of one kind (VCFs or MAFs)", "both")
        results = variants_to_maf([(kind, p) for p in paths], args.out, **options)
        if args.counts:
            write_tsv(counts_table(args.patient, results), args.counts)
    except InputError as error:
        print(f"precisionflow error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
