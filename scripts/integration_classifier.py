"""Adapter: aligned.h5mu -> late-integration classifier: predictions, feature importance, explanations,
fairness audit; for the patients of the labels' tumour type (the others: "not applicable")."""

import json

from threadpoolctl import threadpool_limits

from precisionflow.integration import figures
from precisionflow.integration.pipeline import classify, read_h5mu, rounded
from precisionflow.io import write_text, write_tsv
from precisionflow.plots import save_png
from precisionflow.workflow.runner import run_script


def main(smk):
    mdata = read_h5mu(smk.input.mudata)
    with threadpool_limits(smk.threads):
        out = classify(
            mdata,
            smk.params.label,
            smk.params.protected,
            smk.params.settings,
            tumour_types=smk.params.tumor_types,
            main_types=smk.params.main_types,
            cohort_type=smk.params.tumor_type,
        )
    write_tsv(out.predictions, smk.output.predictions)
    write_tsv(out.importance, smk.output.importance)
    write_tsv(out.fairness.round(6), smk.output.fairness)
    write_tsv(out.explanations, smk.output.explanations)
    write_text(json.dumps(rounded(out.metrics), indent=2) + "\n", smk.output.metrics)
    save_png(
        figures.feature_importance(out.importance, smk.params.settings["classifier"]["top_features"]),
        smk.output.importance_figure,
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
