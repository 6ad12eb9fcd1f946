"""Adapter: the factor/cluster and classifier metrics -> results/integration/model_metrics.json."""

import json
from pathlib import Path

from precisionflow.integration.pipeline import merge_metrics
from precisionflow.io import write_text
from precisionflow.workflow.runner import run_script


def main(smk):
    parts = [json.loads(Path(path).read_text(encoding="utf-8")) for path in smk.input.parts]
    metrics = {
        "cohort": smk.params.cohort,
        "label": smk.params.label,
        "protected": list(smk.params.protected),
        **merge_metrics(parts),
    }
    write_text(json.dumps(metrics, indent=2) + "\n", smk.output.metrics)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
