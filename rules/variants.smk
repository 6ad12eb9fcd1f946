# Variant post-processing: each patient's VCF (or MAF) to a filtered, annotated MAF; copy-number
# segments to gene-level calls; the cohort's TMB, patients x genes mutation matrix and oncoplot.
# Library: precisionflow/variants/ (rules in its docstrings); settings: config "variants:" (config/README.md).

from dataclasses import astuple

from precisionflow.sheet import check_shared_variant_files, split_paths
from precisionflow.variants.copy_number import tumour_facts

VARIANTS = paths.VARIANTS  # the step's folder; every output's path: precisionflow/workflow/paths.py
stop_on_input_error(check_shared_variant_files, SHEET, SHEET_PATH)
# Patients with variant calls (a `vcf`, else a `maf` in the sheet) and with copy-number segments.
MAF_PATIENTS = sorted(set(patients_with("vcf")) | set(patients_with("maf")))
CNA_PATIENTS = patients_with("cna")
# Each patient's variant files: the `vcf` cell, else the `maf` cell (several files ';'-separated).
VARIANT_SOURCE = {
    p: (
        ("vcf", split_paths(sheet_value(p, "vcf")))
        if sheet_value(p, "vcf")
        else ("maf", split_paths(sheet_value(p, "maf")))
    )
    for p in MAF_PATIENTS
}
# Sample columns the sheet names in each variant file: other columns of a shared multi-sample VCF
# are "unknown samples" (an error unless `unknown_samples: drop`).
SAMPLES_NAMED = {}
for _patient, (_kind, _paths) in VARIANT_SOURCE.items():
    for _path in _paths:
        SAMPLES_NAMED.setdefault(_path, set()).update(
            v for v in (sheet_value(_patient, "tumor_sample"), sheet_value(_patient, "normal_sample")) if v
        )
# Barcodes the sheet's patients claim in each MAF (tumor_sample, else the patient id): other rows of a shared
# cohort MAF are "unknown samples" too.
BARCODES_NAMED = {}
for _patient, (_kind, _paths) in VARIANT_SOURCE.items():
    for _path in _paths if _kind == "maf" else []:
        BARCODES_NAMED.setdefault(_path, set()).add(sheet_value(_patient, "tumor_sample") or RAW_ID[_patient])
# Each patient's sex (the configured column, when it is not identifying), purity and ploidy from the
# sheet, checked while the workflow is parsed (a value that is not M/F, a number ... names its row).
_SEX_COLUMN = config["variants"]["copy_number"]["sex_column"]
TUMOUR_FACTS = stop_on_input_error(
    tumour_facts,
    SHEET,
    SHEET_PATH,
    _SEX_COLUMN if _SEX_COLUMN in clinical_columns() else "(no sex column)",
    [RAW_ID[p] for p in CNA_PATIENTS],
)

# Optional VEP annotation (config variants/vep/enabled): each VCF of a patient is annotated first.
VEP = config["variants"]["vep"]
ASSEMBLY = config["genome_build"]

VARIANT_INPUTS = {
    p: ([paths.vep_vcf(p, n) for n in range(1, len(files) + 1)] if kind == "vcf" and VEP["enabled"] else files)
    for p, (kind, files) in VARIANT_SOURCE.items()
}


localrules:
    variants_cohort,
    variants_input_summary,


# Per-patient variant work in shards: the sorted patients cut into ceil(patients / shard_size) shards of
# near-equal size, one rule per shard (its outputs are its patients' files, at the per-patient paths), so
# one interpreter converts a shard's patients one after the other instead of one job per patient.
_SHARD_COUNT = -(-len(MAF_PATIENTS) // config["variants"]["shard_size"])
VARIANT_SHARDS = {
    f"{_index + 1:0{len(str(_SHARD_COUNT))}d}": MAF_PATIENTS[
        _index * len(MAF_PATIENTS) // _SHARD_COUNT : (_index + 1) * len(MAF_PATIENTS) // _SHARD_COUNT
    ]
    for _index in range(_SHARD_COUNT)
}


for _shard, _patients in VARIANT_SHARDS.items():

    rule:
        name:
            f"variants_maf_{_shard}"
        input:
            variants=shard_inputs(_shard),
            genes=resource("genes"),
            drivers=config["resources"].get("drivers", []),
            hotspots=config["resources"].get("hotspots", []),
        output:
            maf=[f"{VARIANTS}/{p}.maf.tsv" for p in _patients],
            counts=[f"{VARIANTS}/{p}.counts.tsv" for p in _patients],
        log:
            f"logs/variants/maf/shard_{_shard}.log",
        benchmark:
            f"benchmarks/variants/maf/shard_{_shard}.tsv"
        conda:
            "../envs/variants.yaml"
        threads: threads_for(input_mb_per_thread=50, max_threads=2)
        resources:
            # from the shard's whole input: runtime adds up (patients run one after the other), memory is a bound
            mem_mb=mem_mb(1000, 1),
            runtime=runtime_min(5, 0.05),
        params:
            patients=shard_patients(_shard),
            unknown_samples=config["unknown_samples"],
            settings=config["variants"],
            genome_build=config["genome_build"],
        script:
            "../scripts/variants_maf.py"


rule variants_vep_cache:
    output:
        directory(VEP["cache_dir"]),
    log:
        "logs/variants/vep_cache.log",
    conda:
        "../envs/vep.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        species=VEP["species"],
        release=VEP["release"],
        assembly=ASSEMBLY,
        url="https://ftp.ensembl.org/pub",
    # The snakemake-wrappers pattern (bio/vep/cache): the tarball fetched with curl (which honours proxies),
    # then unpacked and indexed (--CONVERT) by vep_install.
    shell:
        "tarball={params.species}_vep_{params.release}_{params.assembly}.tar.gz; workdir=$(mktemp -d); "
        "trap 'rm -rf $workdir' EXIT; "
        "curl -fsSL {params.url}/release-{params.release}/variation/vep/$tarball -o $workdir/$tarball > {log} 2>&1 && "
        "vep_install --AUTO c --SPECIES {params.species} --ASSEMBLY {params.assembly} --CACHE_VERSION {params.release} "
        "--CACHEURL $workdir --CACHEDIR {output} --CONVERT --NO_UPDATE >> {log} 2>&1"


rule variants_vep:
    input:
        # a function: sheet paths often carry raw patient ids
        vcf=lambda w: VARIANT_SOURCE[w.patient][1][int(w.part) - 1],
        cache=VEP["cache_dir"],
        fasta=VEP["fasta"] or [],
    output:
        temp(paths.vep_vcf("{patient}", "{part}")),
    log:
        f"logs/variants/vep/{{patient}}.{{part}}.log",
    benchmark:
        f"benchmarks/variants/vep/{{patient}}.{{part}}.tsv"
    wildcard_constraints:
        part=r"\d+",
    conda:
        "../envs/vep.yaml"
    threads: threads_for(input_mb_per_thread=20, max_threads=4)
    resources:
        mem_mb=mem_mb(4000, 20),
        runtime=runtime_min(30, 2),
    params:
        species=VEP["species"],
        release=VEP["release"],
        assembly=ASSEMBLY,
        hgvs=lambda w, input: f"--hgvs --fasta {input.fasta}" if input.fasta else "",
        extra=VEP["extra"],
    # CSQ with the fields precisionflow/variants/annotation.py reads (symbol, canonical, biotype, PICK flag).
    shell:
        "vep --input_file {input.vcf} --output_file STDOUT --format vcf --vcf --offline --cache --dir_cache {input.cache} "
        "--species {params.species} --assembly {params.assembly} --cache_version {params.release} --fork {threads} "
        "--symbol --canonical --biotype --flag_pick --no_stats {params.hgvs} {params.extra} 2> {log} | bgzip -c > {output}"


rule variants_input_summary:
    input:
        counts=expand(paths.patient_counts("{patient}"), patient=MAF_PATIENTS),
        copy_number_inputs=[paths.COPY_NUMBER_INPUTS] if CNA_PATIENTS else [],
    output:
        report(
            paths.INPUT_SUMMARY,
            caption="../report/variants_input_summary.rst",
            category="1. Cohort",
            labels={"table": "input records: kept, dropped, filters not applied"},
        ),
    log:
        "logs/variants/input_summary.log",
    conda:
        "../envs/variants.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(500, 2),
        runtime=runtime_min(5, 0.05),
    script:
        "../scripts/variants_input_summary.py"


rule variants_copy_number:
    input:
        # a function: the report lists a rule's plain inputs, and these paths often carry raw patient ids
        segments=lambda w: [sheet_value(p, "cna") for p in CNA_PATIENTS],
        genes=resource("genes"),
    output:
        calls=paths.COPY_NUMBER,
        inputs=paths.COPY_NUMBER_INPUTS,
    log:
        "logs/variants/copy_number.log",
    benchmark:
        "benchmarks/variants/copy_number.tsv"
    conda:
        "../envs/variants.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=runtime_min(5, 0.1),
    params:
        patients=CNA_PATIENTS,
        sheet_ids=[RAW_ID[p] for p in CNA_PATIENTS],
        tumor_samples=[sheet_value(p, "tumor_sample") for p in CNA_PATIENTS],
        # (sex, purity, ploidy) per patient: sheet columns sex (config sex_column), purity, ploidy
        facts=[astuple(TUMOUR_FACTS[RAW_ID[p]]) for p in CNA_PATIENTS],
        settings=config["variants"]["copy_number"],
    script:
        "../scripts/variants_copy_number.py"


rule variants_cohort:
    input:
        mafs=expand(paths.patient_maf("{patient}"), patient=MAF_PATIENTS),
    output:
        tmb=report(
            paths.TMB,
            caption="../report/variants_tmb.rst",
            category="2. Variants",
            labels={"table": "tumour mutational burden"},
        ),
        matrix=paths.MUTATIONS,
    log:
        "logs/variants/cohort.log",
    conda:
        "../envs/variants.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 2),
        runtime=runtime_min(5, 0.05),
    params:
        patients=MAF_PATIENTS,
        settings=config["variants"],
        genome_build=config["genome_build"],
    script:
        "../scripts/variants_cohort.py"


rule variants_oncoplot:
    input:
        mafs=expand(paths.patient_maf("{patient}"), patient=MAF_PATIENTS),
        tmb=paths.TMB,
    output:
        report(
            paths.ONCOPLOT,
            caption="../report/variants_oncoplot.rst",
            category="2. Variants",
            labels={"figure": "oncoplot"},
        ),
    log:
        "logs/variants/oncoplot.log",
    conda:
        "../envs/variants.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 2),
        runtime=runtime_min(5, 0.05),
    params:
        patients=MAF_PATIENTS,
        top_n=config["variants"]["oncoplot_genes"],
    script:
        "../scripts/variants_oncoplot.py"
