"""Write a demo cohort: ``python -m demo.generator --project`` or ``--out DIR --patients N``."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

import demo.generator as generator_package
from demo.generator.actionability import (
    ACTIONABILITY_STREAM,
    RESISTANCE_CASE,
    plant_resistance_case,
    planted_actionable,
    resistance_patient,
)
from demo.generator.catalogue import (
    COHORT_TARGETS,
    KEY_EFFECTS,
    NOT_DIRECT_TARGETS,
    PLANTED_TARGET,
    SEED,
    SUBTYPES,
    Gene,
)
from demo.generator.cohort import (
    BIASED_COLUMN,
    BIASED_GROUP,
    Patient,
    make_genes,
    make_patients,
    plant_label_bias,
    sheet_text,
)
from demo.generator.config import config_text, project_config
from demo.generator.copy_number import segments_text
from demo.generator.matrices import mirna_matrix, protein_groups, rna_counts, subtype_markers
from demo.generator.outcome import (
    OUTCOME_GENE_HR,
    OUTCOME_MEDIAN_DAYS,
    OUTCOME_SUBTYPE,
    OUTCOME_SUBTYPE_HR,
    make_outcome,
    mutated_genes,
    planted_outcome_gene,
)
from demo.generator.pgx import write_pgx_demo
from demo.generator.references import (
    drivers_table,
    drug_categories_table,
    drug_gene_table,
    genes_bed,
    hotspots_table,
    moalmanac_json,
    oncotree_table,
    write_gzip,
)
from demo.generator.variants import DEFAULT_FILTERS, make_records, vcf_text, write_vcf


@dataclass
class Drawn:
    """What the generator drew and planted, for the truth file."""

    seed: int
    patients: list[Patient]
    markers: dict[str, dict[str, float]]
    case: Patient | None
    amplified: dict[str, dict[str, str]] = field(default_factory=dict)
    mutated: dict[str, set[str]] = field(default_factory=dict)
    germline: dict[str, dict] = field(default_factory=dict)
    outcome_gene: str = ""
    outcome: dict[str, tuple[str, str]] = field(default_factory=dict)
    mislabelled: dict[str, str] = field(default_factory=dict)


def _somatic(out: Path, rng: np.random.Generator, drawn: Drawn, genes: list[Gene]) -> None:
    """The VCF and copy-number segments of every patient with variants."""
    action_rng = np.random.default_rng([drawn.seed, ACTIONABILITY_STREAM])
    lengths = np.array([g.end - g.start for g in genes], dtype=float)
    weights = lengths / lengths.sum()
    for p in drawn.patients:
        if not p.has_variants:
            continue
        records = make_records(rng, p, genes, weights)
        if p is drawn.case:
            records = plant_resistance_case(action_rng, p, records)
        drawn.mutated[p.id] = mutated_genes(records)
        write_vcf(out / "vcf" / f"{p.id}.vcf.gz", vcf_text(p, records, f"{p.id}_T", f"{p.id}_N"))
        text, calls = segments_text(rng, p)
        (out / "cna" / f"{p.id}.cna.tsv").write_text(text)
        if calls:
            drawn.amplified[p.id] = calls


def _matrices_and_references(out: Path, rng: np.random.Generator, drawn: Drawn, genes: list[Gene]) -> None:
    patients, markers = drawn.patients, drawn.markers
    (out / "rna" / "salmon.merged.gene_counts.tsv").write_text(rna_counts(rng, patients, genes, markers))
    (out / "proteomics" / "proteinGroups.txt").write_text(protein_groups(rng, patients, genes, markers))
    (out / "mirna" / "mirna_log_expression.csv").write_text(mirna_matrix(rng, patients))
    write_gzip(out / "resources" / "genes.grch38.bed.gz", genes_bed(genes))
    (out / "resources" / "intogen_drivers.tsv").write_text(drivers_table(rng))
    (out / "resources" / "hotspots.grch38.tsv").write_text(hotspots_table())
    write_gzip(out / "resources" / "dgidb_interactions.tsv.gz", drug_gene_table())
    write_gzip(out / "resources" / "dgidb_categories.tsv.gz", drug_categories_table())
    (out / "resources" / "moalmanac.json").write_text(moalmanac_json())
    (out / "resources" / "oncotree.tsv").write_text(oncotree_table())


def _patient_truth(p: Patient, drawn: Drawn, cohort_tumor_type: str) -> dict:
    calls = drawn.amplified.get(p.id, {})
    return {
        "subtype": p.subtype,
        "label_blank": p.label_blank,
        "layers": p.layers,
        "has_variants": p.has_variants,
        "planted_target": PLANTED_TARGET[p.subtype],
        "hotspots": p.hotspots,
        "kept_variants": p.kept_variants,
        "coding_mutations": p.coding_mutations,
        "copy_number_calls": calls,
        "ploidy_state": p.ploidy_state,
        "tumor_type": RESISTANCE_CASE["tumor_type"] if p is drawn.case else cohort_tumor_type,
        "actionable": planted_actionable(p, calls, p is drawn.case),
    }


def _truth(drawn: Drawn) -> dict:
    cohort_tumor_type = project_config()["tumor_type"]
    gene = drawn.outcome_gene
    filters = DEFAULT_FILTERS
    return {
        "seed": drawn.seed,
        "n_patients": len(drawn.patients),
        "subtypes": list(SUBTYPES),
        "cohort_targets": COHORT_TARGETS,
        "not_direct_targets": NOT_DIRECT_TARGETS,
        "marker_genes": {
            s: sorted(g for g, fc in {**drawn.markers[s], **KEY_EFFECTS[s]}.items() if fc > 0) for s in SUBTYPES
        },
        "patients": {p.id: _patient_truth(p, drawn, cohort_tumor_type) for p in drawn.patients},
        "pgx": drawn.germline,
        "outcome": {
            "time": "os_days",
            "event": "os_event",
            "hazard_ratios": {f"subtype={OUTCOME_SUBTYPE}": OUTCOME_SUBTYPE_HR, gene: OUTCOME_GENE_HR},
            "subtype": OUTCOME_SUBTYPE,
            "gene": gene,
            "gene_mutated_patients": sorted(p for p, g in drawn.mutated.items() if gene in g),
            "reference_median_days": OUTCOME_MEDIAN_DAYS,
            "without_outcome": sorted(p for p, cells in drawn.outcome.items() if cells[0] == ""),
        },
        "default_variant_filters": {
            k: filters[k] for k in ("pass_filters", "min_depth", "min_vaf", "max_population_af")
        },
        # the sheet's subtype for these patients is wrong (``subtype`` above is the biology)
        "planted_fairness_bias": {
            "column": BIASED_COLUMN,
            "group": BIASED_GROUP,
            "recorded_label": drawn.mislabelled,
        },
    }


def generate(out: Path, sheet: Path, prefix: str, n_patients: int = 60, seed: int = SEED) -> dict:
    """Write the cohort's files under ``out`` and its sheet at ``sheet`` (paths in it start with
    ``prefix``); return the truth, also written to ``out/truth.yaml``."""
    rng = np.random.default_rng(seed)
    genes = make_genes(rng)
    patients = make_patients(rng, n_patients)
    filler_symbols = [g.symbol for g in genes if g.symbol.startswith("DMG")]
    markers = subtype_markers(rng, filler_symbols, 40, 20)
    drawn = Drawn(seed, patients, markers, resistance_patient(patients))
    if drawn.case is not None:
        # the colorectal case: the sheet's subtype labels are the cohort's breast (PAM50-style) ones, so it
        # has none (its expression stays the one drawn for its subtype, as truth.yaml says)
        drawn.case.label_blank = True

    for sub in ("vcf", "cna", "rna", "proteomics", "mirna", "resources", "germline"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    _somatic(out, rng, drawn, genes)
    _matrices_and_references(out, rng, drawn, genes)
    drawn.germline = write_pgx_demo(out, [p.id for p in patients], seed)  # its own random stream
    sheet.parent.mkdir(parents=True, exist_ok=True)
    drawn.outcome_gene = planted_outcome_gene(drawn.mutated)
    drawn.mislabelled = plant_label_bias(patients, seed)
    drawn.outcome = make_outcome(seed, patients, drawn.mutated, drawn.outcome_gene, drawn.mislabelled)
    case = drawn.case
    tumor_types = {case.id: RESISTANCE_CASE["tumor_type"]} if case else {}
    sheet.write_text(sheet_text(patients, prefix, drawn.outcome, tumor_types, drawn.germline, drawn.mislabelled))

    truth = _truth(drawn)
    (out / "truth.yaml").write_text(yaml.safe_dump(truth, sort_keys=True, width=200))
    return truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demo.generator", description=generator_package.__doc__.split("\n\n")[0]
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--project", action="store_true", help="rewrite the project's default cohort: demo/ and config/samples.tsv"
    )
    target.add_argument(
        "--out", type=Path, help="write a cohort into this folder, with its own samples.tsv and config.yaml"
    )
    parser.add_argument("--patients", type=int, default=60, help="number of patients (default 60)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="project folder for --project (default: the current one)"
    )
    args = parser.parse_args(argv)
    if args.patients < 20:
        parser.error("--patients must be at least 20 (three subtypes, blank labels and missing layers in each)")
    if args.project:
        generate(args.root / "demo", args.root / "config" / "samples.tsv", "demo/", args.patients, args.seed)
    else:
        generate(args.out, args.out / "samples.tsv", "", args.patients, args.seed)
        (args.out / "config.yaml").write_text(config_text("", "samples.tsv", f"demo{args.patients}"))
