"""Adapter: sheet outcome + mutations, copy number, joint factors, clusters, layers -> associations.tsv,
the model's feature table, the survival table and Kaplan-Meier figures."""

import mudata as md
import pandas as pd

from precisionflow.integration.align import read_layer
from precisionflow.io import read_table, write_tsv
from precisionflow.outcome import associations, data, figures
from precisionflow.outcome.pipeline import association_table, feature_blocks
from precisionflow.plots import save_png
from precisionflow.sheet import load_sheet
from precisionflow.workflow.runner import run_script

TOP_PANELS = 6  # Kaplan-Meier panels of the most significant genes / factors


def main(smk):
    settings = smk.params.settings
    sheet = load_sheet(smk.input.sheet)
    data.check_outcome(sheet, smk.input.sheet, settings)
    survival = data.survival_table(sheet, smk.params.public_ids, settings)
    clinical = data.clinical_features(sheet, smk.params.public_ids, settings["covariates"])
    mutations = None
    if smk.input.get("mutations"):
        adata = read_layer(smk.input.mutations)
        mutations = pd.DataFrame(
            adata.X.toarray() if hasattr(adata.X, "toarray") else adata.X,
            index=adata.obs_names,
            columns=adata.var_names,
        )
    copy_number = (
        read_table(smk.input.copy_number, sep="\t", dtype={"patient": str}) if smk.input.get("copy_number") else None
    )
    factors = clusters = None
    if smk.input.get("cohort"):
        mdata = md.read_h5mu(smk.input.cohort)  # patients in file order: the frame below is reindexed by id
        joint = mdata.obsm["X_joint"]
        factors = pd.DataFrame(joint, index=mdata.obs_names, columns=[f"Factor{k + 1}" for k in range(joint.shape[1])])
        clusters = read_table(smk.input.clusters, sep="\t", dtype=str).set_index("patient")["cluster"]
    layers = {
        name: data.layer_features(read_layer(path), name)
        for name, path in zip(smk.params.layers, smk.input.layers, strict=True)
    }
    blocks = feature_blocks(settings, clinical, mutations, copy_number, factors, clusters, layers)

    table = association_table(blocks.tests, survival, settings["min_altered"])
    write_tsv(table.round({"hr": 6, "hr_low": 6, "hr_high": 6, "p": 8, "q": 8}), smk.output.associations)
    write_tsv(data.combine(blocks.model, list(survival.index)).round(6), smk.output.features, index=True)
    write_tsv(
        survival.assign(event=survival["event"].map({True: 1, False: 0}).astype("Int64")),
        smk.output.survival,
        index=True,
    )

    panels = {}
    if blocks.clusters is not None:
        panels["clusters"] = {
            f"clusters (log-rank p = {associations.cluster_logrank(blocks.clusters, survival):.2g})": blocks.clusters
        }
    for kind, name in (("mutation", "genes"), ("factor", "factors")):
        top = table[(table["kind"] == kind) & table["p"].notna()].head(TOP_PANELS)
        frames = {k: f for k, f, _ in blocks.tests if k == kind}
        panel = {}
        for row in top.itertuples():
            values = frames[kind][row.feature]
            groups = (
                values.map({1.0: "mutated", 0.0: "not mutated"})
                if kind == "mutation"
                else (values > values.median())
                .map({True: "above median", False: "at or below median"})
                .where(values.notna())
            )
            panel[f"{row.feature}: HR {row.hr:.2f}, p = {row.p:.2g}, q = {row.q:.2g}"] = groups
        panels[name] = panel
    save_png(figures.km_panels(panels.get("clusters", {}), survival), smk.output.km_clusters)
    save_png(figures.km_panels(panels["genes"], survival), smk.output.km_genes)
    save_png(figures.km_panels(panels["factors"], survival), smk.output.km_factors)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
