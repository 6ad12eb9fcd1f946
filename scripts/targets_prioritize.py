"""Adapter: variants, normalized layers, integration results, references -> results/targets/*.tsv."""

import pandas as pd
import pyarrow as pa

from precisionflow.targets.inputs import read_groups
from precisionflow.targets.pipeline import StepInputs, run
from precisionflow.targets.settings import with_defaults
from precisionflow.workflow import paths
from precisionflow.workflow.patients import patients_with, read_patients, texts
from precisionflow.workflow.runner import run_script


def optional(files):
    """A named input that may be absent: one path (a string) or an empty list."""
    if isinstance(files, str):
        return files or None
    return files[0] if len(files) else None


def main(smk):
    pa.set_cpu_count(max(1, smk.threads))  # Arrow reads the copy-number table with the rule's threads
    settings = with_defaults(smk.params.settings)
    table = read_patients(smk.input.patients)
    patients = table["patient"].tolist()
    labels = pd.Series(texts(table, "label"), dtype=object) if smk.params.label else None
    groups, separation = read_groups(
        groups=settings["groups"],
        label=smk.params.label,
        sheet_labels=labels,
        predictions=optional(smk.input.predictions),
        clusters=optional(smk.input.clusters),
    )
    layers = dict(zip(sorted(smk.params.layers), smk.input.layers, strict=True))
    step = StepInputs(
        patients=patients,
        mafs={p: paths.patient_maf(p) for p in patients_with(table, "variants")},
        copy_number=optional(smk.input.copy_number),
        cn_patients=patients_with(table, "copy_number"),
        layers={name: (path, smk.params.layers[name]) for name, path in layers.items()},
        gene_weights=optional(smk.input.gene_weights),
        groups=groups,
        separation=separation,
        drivers=optional(smk.input.drivers),
        drug_gene=optional(smk.input.drug_gene),
        drug_categories=optional(smk.input.drug_categories),
        knowledge_base=optional(smk.input.knowledge_base),
        actionable=optional(smk.input.actionable),
    )
    run(step, settings, smk.output.cohort, {p: paths.patient_targets(p) for p in patients})


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
