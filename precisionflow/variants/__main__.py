"""Command line of the variant step, for use outside Snakemake (and by ``bench/variants.py``).

``python -m precisionflow.variants maf VCF_OR_MAF OUT --genes genes.bed.gz [--drivers ...] [--hotspots ...]``
writes one patient's filtered, annotated MAF, exactly as the workflow's ``variants_maf`` rule does.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import logging
import sys
from collections.abc import Iterator

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

    from precisionflow.io import split_paths

    paths = split_paths(args.input)
    kinds = {
        "maf" if p.lower().removesuffix(".gz").endswith((".maf", ".maf.tsv", ".maf.txt")) else "vcf" for p in paths
    }
    try:
        if len(kinds) > 1:
            raise InputError(args.input, "input", "files of one kind (VCFs or MAFs)", "both")
        kind = kinds.pop()
        with pandas_hidden() if kind == "vcf" else contextlib.nullcontext():
            results = convert(args, filters, kind, paths)
        if args.counts:
            from precisionflow.io import write_tsv
            from precisionflow.variants.cohort import counts_table

            write_tsv(counts_table(args.patient, results), args.counts)
    except InputError as error:
        print(f"precisionflow error: {error}", file=sys.stderr)
        return 1
    return 0


def convert(args: argparse.Namespace, filters: dict, kind: str, paths: list[str]) -> list:
    """The library call of the workflow's ``variants_maf`` rule, for one patient."""
    from precisionflow.variants.filters import FilterSettings
    from precisionflow.variants.lookup import References
    from precisionflow.variants.maf import variants_to_maf

    settings = FilterSettings.from_config(
        filters
        | {
            "pass_filters": [f for f in args.pass_filters.split(",") if f],
            "min_depth": args.min_depth,
            "min_vaf": args.min_vaf,
            "max_population_af": args.max_population_af,
        }
    )
    options = dict(
        patient=args.patient,
        references=References.load(args.genes, args.drivers, args.hotspots),
        filters=settings,
        tumor_sample=args.tumor_sample,
        genome_build=args.genome_build,
    )
    if kind == "vcf":
        options |= dict(normal_sample=args.normal_sample, annotation=args.annotation)
    return variants_to_maf([(kind, p) for p in paths], args.out, **options)


class _RefusePandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden while a VCF is converted)", name=name)


@contextlib.contextmanager
def pandas_hidden() -> Iterator[None]:
    """pandas made unimportable for the block (unless already imported).

    pyarrow imports pandas, when it can, at its first conversion of Python objects (its pandas shim): a fifth of
    this command's run on a million-record VCF (0.23 s), for nothing, since the VCF path uses pyarrow and numpy only.
    Arrow's own tools keep pyarrow from pandas the same way (ARROW-13425). A pandas import inside the block fails
    loudly; after it pandas imports again (pyarrow's shim retries the import when a pandas conversion needs it).
    """
    if "pandas" in sys.modules:
        yield
        return
    finder = _RefusePandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


if __name__ == "__main__":
    sys.exit(main())
