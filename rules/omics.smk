# Transcriptome, proteome and other matrix layers: one job per layer under `omics:` in the config.
from precisionflow.omics.layer import sheet_columns_needed

# Sheet columns a layer names must exist and may reach the script (never identifying ones), and a
# feature map must be a file: checked here, before any job runs.
for _layer in LAYERS:
    _cfg = config["omics"][_layer]
    for _column in sheet_columns_needed(_cfg):
        if _column not in clinical_columns():
            raise WorkflowError(
                f"{config_source()}: key omics/{_layer}: expected a column of the sheet {SHEET_PATH} that is not identifying, found {_column!r}"
            )
    if _cfg["feature_map"] and not Path(_cfg["feature_map"]).is_file():
        raise WorkflowError(
            f"{config_source()}: key omics/{_layer}/feature_map: expected a file, found nothing at {_cfg['feature_map']!r}"
        )


rule omics_layer:
    input:
        matrix=lambda w: config["omics"][w.layer]["path"],
        feature_map=lambda w: config["omics"][w.layer]["feature_map"] or [],
        genes=resource("genes"),
    output:
        h5ad=paths.omics_layer("{layer}"),
        samples=report(
            paths.omics_qc("{layer}", "samples"),
            caption="../report/omics_samples.rst",
            category="3. Normalization",
            subcategory="{layer}",
            labels={"layer": "{layer}", "figure": "per-sample QC"},
        ),
        pca=report(
            paths.omics_qc("{layer}", "pca"),
            caption="../report/omics_pca.rst",
            category="3. Normalization",
            subcategory="{layer}",
            labels={"layer": "{layer}", "figure": "PCA"},
        ),
    log:
        "logs/omics/{layer}.log",
    benchmark:
        "benchmarks/omics/{layer}.tsv"
    conda:
        "../envs/omics.yaml"
    threads: threads_for(input_mb_per_thread=100, max_threads=4)
    resources:
        mem_mb=mem_mb(1500, 10),
        runtime=runtime_min(10, 0.5),
    params:
        settings=lambda w: config["omics"][w.layer],
        public_ids=PUBLIC_ID,
        sheet_columns=lambda w: {
            c: {p: sheet_value(p, c) for p in PATIENTS} for c in sheet_columns_needed(config["omics"][w.layer])
        },
        sheet_path=SHEET_PATH,
        unknown_samples=config["unknown_samples"],
        config_source=config_source(),
    script:
        "../scripts/omics_layer.py"
