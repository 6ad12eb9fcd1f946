"""Adapter: features.tsv + survival.tsv -> risk.tsv, contributions.tsv, metrics.json, risk-group KM figure."""

from threadpoolctl import threadpool_limits

from precisionflow.io import read_table, write_text, write_tsv
from precisionflow.outcome import figures, model
from precisionflow.outcome.pipeline import risk_model, rounded
from precisionflow.plots import save_png
from precisionflow.workflow.runner import run_script


def main(smk):
    features = read_table(smk.input.features, sep="\t", dtype={"patient": str}).set_index("patient")
    survival = read_table(smk.input.survival, sep="\t", dtype={"patient": str}).set_index("patient")
    survival["event"] = survival["event"].map({1: True, 0: False})
    with threadpool_limits(smk.threads):
        result = risk_model(features.astype(float), survival, smk.params.settings, n_jobs=smk.threads)
    write_tsv(result.risk.round({"risk": 6}), smk.output.risk)
    write_tsv(result.contributions.round({"contribution": 6}), smk.output.contributions)
    write_text(model.dumps(rounded(result.metrics)), smk.output.metrics)
    groups = result.risk.set_index("patient")["risk_group"].where(result.risk.set_index("patient")["out_of_fold"])
    chosen = result.metrics["risk_model"]
    title = f"out-of-fold risk groups ({chosen}, C = {result.metrics['models'][chosen]['c_index']['mean']:.3f})"
    save_png(figures.km_panels({title: groups}, survival), smk.output.km_risk_groups)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
