# Helpers shared by every step: config and sheet validation, patient ids, resources from input size.
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from snakemake.exceptions import NestedCoroutineError, WorkflowError, is_file_not_found_error
from snakemake.utils import validate

# The library is importable at parse time and in every script (the workflow's base folder).
sys.path.insert(0, workflow.basedir)

from precisionflow.workflow import paths
from precisionflow.workflow.configuration import check_unique_keys, schema_error_line
from precisionflow.actionability.oncotree import oncotree_main_types
from precisionflow.dossier.sources import SOURCES, workflow_version
from precisionflow.errors import InputError
from precisionflow.outcome.data import check_outcome
from precisionflow.omics.sample_columns import layer_sample_ids
from precisionflow.privacy import public_ids, read_key
from precisionflow.references import check_driver_cancer_types
from precisionflow.settings import schema_path
from precisionflow.workflow.runstate import clear_stale_locks, forget_owner, record_owner
from precisionflow.sheet import check_columns, check_files, check_matrix_samples, check_msi_status, load_sheet
from precisionflow.steps import Step, classifier_step, input_step, integration_step
from precisionflow.workflow.workdir import check_working_folder


def config_source():
    return ", ".join(str(f) for f in workflow.configfiles) or "the config"


def validate_or_stop(data, schema, source, key_prefix=""):
    """snakemake.utils.validate (defaults filled in), its error cut to one line naming the key or row."""
    try:
        validate(data, schema)
    except WorkflowError as error:
        line = schema_error_line(error, source, key_prefix)
        if line is None:
            raise
        raise WorkflowError(line) from None


def stop_on_input_error(check, *args, **kwargs):
    """Run a library check at parse time; its InputError stops the run before any job."""
    try:
        return check(*args, **kwargs)
    except InputError as error:
        raise WorkflowError(f"precisionflow error: {error}") from None


# The working folder must take the outputs (not read-only, `results` not a file): one line, not
# Snakemake's traceback when it first writes there.
if workflow.is_main_process:
    stop_on_input_error(check_working_folder)


# A run killed outright (SIGKILL, out of memory, a lost node) leaves Snakemake's locks behind: clear
# them when that run is gone, so that the same command resumes it (precisionflow/workflow/runstate.py).
if workflow.is_main_process and (_note := clear_stale_locks()):
    print(f"precisionflow: {_note}", file=sys.stderr)


onstart:
    record_owner()


onsuccess:
    forget_owner()


onerror:
    forget_owner()


def not_a_file(path):
    """Why ``path`` cannot be read as a file (for a config key's message), or None when it can."""
    if Path(path).is_dir():
        return f"a directory at {path!r}"
    return None if Path(path).is_file() else f"nothing at {path!r}"


# A key given twice in a config file (a second `omics:`) would silently replace the first: refused.
for _configfile in workflow.configfiles:
    stop_on_input_error(check_unique_keys, _configfile)
validate_or_stop(config, str(schema_path("config")), config_source())
# Each step's section and each layer against its own schema (defaults filled in per file).
for _layer, _layer_config in config["omics"].items():
    validate_or_stop(_layer_config, str(schema_path("omics")), config_source(), key_prefix=f"omics/{_layer}/")
for _step in ("variants", "integration", "targets", "pgx"):
    validate_or_stop(config[_step], str(schema_path(_step)), config_source(), key_prefix=f"{_step}/")
if config["outcome"]:
    validate_or_stop(config["outcome"], str(schema_path("outcome")), config_source(), key_prefix="outcome/")

SHEET_PATH = config["samples"]
SHEET = stop_on_input_error(load_sheet, SHEET_PATH)
validate_or_stop(SHEET, str(schema_path("samples")), SHEET_PATH)
stop_on_input_error(
    check_columns,
    SHEET,
    SHEET_PATH,
    {
        "label": [config["label"]] if config["label"] else [],
        "protected": config["protected"],
        "identifying": config["identifying"],
    },
)
stop_on_input_error(check_files, SHEET, SHEET_PATH)
stop_on_input_error(check_msi_status, SHEET, SHEET_PATH)
if config["outcome"]:
    stop_on_input_error(check_outcome, SHEET, SHEET_PATH, config["outcome"])
# the label and protected columns reach outputs (predictions, fairness): never identifying ones
for _key, _columns in (("label", [config["label"]] if config["label"] else []), ("protected", config["protected"])):
    for _column in _columns:
        if _column in config["identifying"]:
            raise WorkflowError(
                f"{config_source()}: key {_key}: expected a sheet column that is not identifying, found {_column!r}"
            )

for _name, _path in config["resources"].items():
    if _found := not_a_file(_path):
        raise WorkflowError(f"{config_source()}: key resources/{_name}: expected a file, found {_found}")

# driver_cancer_types must be CANCER_TYPE codes of the drivers file (IntOGen calls melanoma CM, not SKCM).
if config["variants"]["driver_cancer_types"] and config["resources"].get("drivers"):
    stop_on_input_error(
        check_driver_cancer_types,
        config["resources"]["drivers"],
        config["variants"]["driver_cancer_types"],
        config_source(),
    )

LAYERS = sorted(config["omics"])
LAYER_PATIENTS = {}  # layer -> the sheet's patient ids (raw) among its samples
if config["outcome"]:
    for _block in config["outcome"]["features"]:
        if _block not in ("clinical", "mutations", "copy_number", "factors", *LAYERS):
            raise WorkflowError(
                f"{config_source()}: key outcome/features: expected clinical, mutations, copy_number, factors or a layer "
                f"({', '.join(LAYERS) or 'none configured'}), found {_block!r}"
            )
for _layer in LAYERS:
    _cfg = config["omics"][_layer]
    if _found := not_a_file(_cfg["path"]):
        raise WorkflowError(f"{config_source()}: key omics/{_layer}/path: expected a file, found {_found}")
    _samples = stop_on_input_error(layer_sample_ids, _cfg["path"], _cfg["type"], _cfg["format"], _cfg["orientation"])
    LAYER_PATIENTS[_layer] = stop_on_input_error(
        check_matrix_samples, _samples, SHEET.index, _cfg["path"], config["unknown_samples"] == "drop"
    )

# Public ids: what results/ and the report show for each patient.
PSEUDONYM_KEY = None
if config["pseudonymize"]:
    if not config["pseudonym_key"]:
        raise WorkflowError(
            f"{config_source()}: key pseudonym_key: expected a key file when pseudonymize is true, found none"
        )
    # the key must not sit among the outputs (results/ is shared, logs/ and benchmarks/ travel with it)
    if any(
        Path(config["pseudonym_key"]).resolve().is_relative_to(Path(out).resolve())
        for out in (paths.RESULTS, "logs", "benchmarks")
    ):
        raise WorkflowError(
            f"{config_source()}: key pseudonym_key: expected a key file outside results/, logs/ and benchmarks/, found {config['pseudonym_key']!r}"
        )
    PSEUDONYM_KEY = stop_on_input_error(read_key, config["pseudonym_key"])
PUBLIC_ID = public_ids(SHEET.index, PSEUDONYM_KEY)
RAW_ID = {public: raw for raw, public in PUBLIC_ID.items()}
PATIENTS = sorted(PUBLIC_ID.values())


def alternatives(words):
    """A regex matching exactly one of the words, as a trie: Python's re tries the branches of a flat
    `a|b|c...` one by one, so matching a path against 10,000 patient ids cost 10,000 tries (the dry run
    grew with the square of the cohort); the trie's cost grows with an id's length."""
    trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def pattern(node):
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "|".join(branches)
        if "" in node:
            return f"(?:{body})?"
        return body if len(branches) == 1 else f"(?:{body})"

    return pattern(trie) or "^$"


wildcard_constraints:
    patient=alternatives(PATIENTS),
    layer=alternatives(LAYERS),


# Sheet cells by column, then by raw id (filled on first use): a dict lookup per cell, where pandas'
# `.at` cost ~10 µs, called a few times per patient and step.
_SHEET_CELLS = {}


def sheet_value(patient, column):
    """A sheet cell for a patient given by public id, or None when blank or absent."""
    if column not in SHEET.columns:
        return None
    if column not in _SHEET_CELLS:
        _SHEET_CELLS[column] = {
            raw: None if pd.isna(value) else value for raw, value in zip(SHEET.index, SHEET[column].to_numpy())
        }
    return _SHEET_CELLS[column][RAW_ID[patient]]


def patients_with(*columns):
    """Public ids of the patients whose sheet row fills every given column."""
    return [p for p in PATIENTS if all(sheet_value(p, c) is not None for c in columns)]


def clinical_columns():
    """Sheet columns that may reach outputs: not the identifying ones, nor paths and VCF sample names
    (they often carry the raw patient id)."""
    hidden = set(config["identifying"]) | {"patient", "vcf", "maf", "cna", "tumor_sample", "normal_sample"}
    hidden |= {"germline_vcf", "germline_sample", "pgx_outside_calls"}
    hidden |= {"fusions", "germline_maf"}
    return [c for c in SHEET.columns if c not in hidden]


def resource(name):
    path = config["resources"].get(name)
    if path is None:
        raise WorkflowError(f"{config_source()}: key resources/{name}: expected a file for this step, found no entry")
    return path


# Resources sized from the input, growing with each retry (`attempt` is 1, then 2, ... under --retries).
# Snakemake calls these per job. While planning, an input an upstream job has still to make is missing:
# mem_mb/runtime then show as <TBD> in a dry run and are computed again when the job is ready to run.
def mem_mb(base=1000, per_input_mb=4):
    def size(wildcards, input, attempt):
        return int((base + per_input_mb * input.size_mb) * attempt)

    return size


def runtime_min(base=10, per_input_mb=0.1):
    def size(wildcards, input, attempt):
        return int((base + per_input_mb * input.size_mb) * attempt)

    return size


def threads_for(input_mb_per_thread=200, max_threads=8):
    """More threads for bigger inputs; Snakemake caps them at --cores (per job on a cluster)."""

    def count(wildcards, input):
        # threads cannot be <TBD>: plan with max_threads until the inputs exist, then size them
        try:
            size = input.size_mb
        except NestedCoroutineError:  # sizes cannot be read inside snakemake's own loop (--report)
            return max_threads
        except Exception as error:
            if not is_file_not_found_error(error, input):
                raise
            return max_threads
        return max(1, min(max_threads, int(size // input_mb_per_thread) + 1))

    return count


# What `rule all` asks of each step (functions live here, as the linter wants). They are called
# after every rule file is included, so they may use the steps' globals (MAF_PATIENTS, ...).
def cohort_outputs():
    return [paths.COHORT_OVERVIEW, paths.COHORT_STEPS, paths.COHORT_PATIENTS]


def variant_outputs():
    if not (MAF_PATIENTS or CNA_PATIENTS):
        return []
    return paths.variant_outputs()


def omics_outputs():
    return paths.omics_outputs(LAYERS)


def integration_outputs():
    # Nothing when the cohort's shape skips the step; the classifier's outputs only when it runs.
    if not INTEGRATION_STEP.ran:
        return []
    return paths.integration_outputs(config["label"] if CLASSIFIER_STEP.ran else None)


def outcome_outputs():
    return paths.outcome_outputs(config["outcome"])


# --- the variant shards' inputs and params (rules/variants.smk) ---
def shard_inputs(shard):
    """Input function: the shard's variant files (a function: sheet paths often carry raw patient ids)."""

    def files(wildcards):
        return [path for p in VARIANT_SHARDS[shard] for path in VARIANT_INPUTS[p]]

    return files


def shard_patients(shard):
    """Params function: what the script needs of each patient of the shard, in the order of its outputs."""

    def patients(wildcards):
        return [
            {
                "patient": p,
                "kind": VARIANT_SOURCE[p][0],
                "inputs": VARIANT_INPUTS[p],
                "sheet_id": RAW_ID[p],
                "tumor_sample": sheet_value(p, "tumor_sample"),
                "normal_sample": sheet_value(p, "normal_sample"),
                "samples_named": sorted(set().union(*(SAMPLES_NAMED[f] for f in VARIANT_SOURCE[p][1]))),
                "barcodes_named": sorted(set().union(*(BARCODES_NAMED.get(f, set()) for f in VARIANT_SOURCE[p][1]))),
            }
            for p in VARIANT_SHARDS[shard]
        ]

    return patients


# --- the outcome step's inputs (rules/outcome.smk) ---
OUTCOME_BLOCKS = ("clinical", "mutations", "copy_number", "factors")


def outcome_layers():
    return [name for name in config["outcome"]["features"] if name not in OUTCOME_BLOCKS]


def outcome_inputs(wildcards):
    """What the configured feature blocks need (a block whose input the cohort lacks is skipped)."""
    features = config["outcome"]["features"]
    inputs = {"sheet": SHEET_PATH, "layers": [paths.omics_layer(layer) for layer in outcome_layers()]}
    if "mutations" in features and MAF_PATIENTS:
        inputs["mutations"] = paths.MUTATIONS
    if "copy_number" in features and CNA_PATIENTS:
        inputs["copy_number"] = paths.COPY_NUMBER
    if "factors" in features and INTEGRATION_STEP.ran:  # no factors when the cohort skips integration
        inputs["cohort"] = paths.COHORT_H5MU
        inputs["clusters"] = paths.CLUSTERS
    return inputs


# The default target asks a cohort-level job for one of its outputs, not for each patient's file (the
# job is planned all the same, and rerun when any of its outputs is missing). Asking for each of N
# patients' files made Snakemake scan the job's N outputs and N inputs per file (a dry run in N squared).
def targets_outputs():
    actionable = paths.actionability_outputs([]) if ACTIONABILITY else []
    return paths.targets_outputs([]) + actionable


# Steps the cohort's shape lets run (precisionflow/steps.py: minimum patients per method), decided here
# at parse time; a skipped step is never planned, and results/cohort/steps.tsv gives the reason.
INTEGRATION_STEP = integration_step(LAYER_PATIENTS)
# The classifier's scope (precisionflow/integration/scope.py): each patient's OncoTree code (the sheet's
# tumor_type, else the config's), by public id, and the main types of those codes (resources: oncotree).
CLASSIFIER_TUMOUR_TYPES = {p: sheet_value(p, "tumor_type") or config["tumor_type"] for p in PATIENTS}
CLASSIFIER_MAIN_TYPES = (
    stop_on_input_error(oncotree_main_types, resource("oncotree"), CLASSIFIER_TUMOUR_TYPES.values())
    if config["label"] and "oncotree" in config["resources"]
    else {}
)
CLASSIFIER_STEP = stop_on_input_error(
    classifier_step,
    config["label"],
    INTEGRATION_STEP,
    SHEET[config["label"]].to_dict() if config["label"] in SHEET.columns else {},
    set().union(*LAYER_PATIENTS.values()) if LAYER_PATIENTS else set(),
    {raw: CLASSIFIER_TUMOUR_TYPES[public] for raw, public in PUBLIC_ID.items()},
    CLASSIFIER_MAIN_TYPES,
    config["tumor_type"],
)

if workflow.is_main_process:
    for _step in (INTEGRATION_STEP, CLASSIFIER_STEP):
        if not _step.ran and (_step.step == "integration" or config["label"]):
            print(f"precisionflow: {_step.step} skipped: {_step.reason}", file=sys.stderr)


def cohort_steps():
    """Rows of results/cohort/steps.tsv (called when the job runs: MAF_PATIENTS ... are defined by then)."""
    steps = [
        input_step("variants", len(MAF_PATIENTS), "a VCF or MAF"),
        input_step("copy_number", len(CNA_PATIENTS), "copy-number segments"),
        Step("omics", bool(LAYERS), f"{len(LAYERS)} layer(s)" if LAYERS else "no omics layer in the config"),
        INTEGRATION_STEP,
        CLASSIFIER_STEP,
        Step("targets", True, "always: evidence types without input contribute nothing"),
        Step(
            "actionability",
            ACTIONABILITY,
            "MOAlmanac knowledge base (resources: actionability)" if ACTIONABILITY else "no resources: actionability",
        ),
        input_step("pgx", len(PGX_PATIENTS), "a germline VCF"),
        Step(
            "outcome",
            bool(config["outcome"]),
            "outcome columns in the config" if config["outcome"] else "no outcome in the config",
        ),
        Step("dossiers", True, "always: one page and one FHIR bundle per patient"),
    ]
    return [s.row() for s in steps]


def pgx_sheet_rows():
    """Each pgx patient's row number in the sheet (0-based): the script reads the VCF path, sample and
    outside calls there, so that no raw id (sample names, paths often carry it) reaches the report's job
    details, which list a rule's params."""
    return [SHEET.index.get_loc(RAW_ID[p]) for p in PGX_PATIENTS]


def sheet_files(column):
    """Input function: a sheet column's file for each patient that has one, in the order of
    ``patients_with(column)`` (a function, so the report's rule listing shows its name, not paths that may
    carry raw ids)."""

    def files(wildcards):
        return [sheet_value(p, column) for p in patients_with(column)]

    return files


def pgx_germline_files(column):
    """Input function: the files of a sheet column for the pgx patients (a function, so the report's rule
    listing shows its name, not paths that may carry raw ids)."""

    def files(wildcards):
        return sorted({v for p in PGX_PATIENTS if (v := sheet_value(p, column))})

    return files


def pgx_table_files(wildcards):
    files = []
    for key in ("definitions", "phenotypes"):
        folder = config["pgx"][key]
        if folder and Path(folder).is_dir():
            files += sorted(str(f) for f in Path(folder).glob("*.json"))
    return files


def pgx_outputs():
    return paths.pgx_outputs(PGX_PATIENTS)


def dossier_outputs():
    """The index: every patient's page and bundle come from the same job (see targets_outputs)."""
    return [paths.DOSSIER_INDEX]


# --- the patient dossiers (rules/report.smk) ---
def dossier_sources():
    """Each optional source of the dossiers -> its path (a ``{patient}`` pattern for per-patient ones) when its step
    is part of this workflow, else None (the dossier then prints the source's reason, precisionflow/dossier/sources.py).
    Wiring a step's output into the dossiers is one line here."""
    integration = integration_outputs()
    made = lambda name: SOURCES[name].path if SOURCES[name].path in integration else None  # noqa: E731
    return {
        "mafs": SOURCES["mafs"].path if MAF_PATIENTS else None,
        "copy_number": SOURCES["copy_number"].path if CNA_PATIENTS else None,
        "tmb": SOURCES["tmb"].path if MAF_PATIENTS else None,
        "cohort_h5mu": made("cohort_h5mu") if LAYERS else None,
        "clusters": made("clusters") if LAYERS else None,
        "predictions": made("predictions") if LAYERS else None,
        "model_metrics": made("model_metrics") if LAYERS else None,
        "fairness": made("fairness") if LAYERS else None,
        "targets": SOURCES["targets"].path,
        "actionable": SOURCES["actionable"].path if ACTIONABILITY else None,
        "pgx": SOURCES["pgx"].path if PGX_PATIENTS else None,
        "pgx_recommendations": SOURCES["pgx_recommendations"].path if PGX_PATIENTS else None,
        "risk": SOURCES["risk"].path if config["outcome"] else None,
        "contributions": SOURCES["contributions"].path if config["outcome"] else None,
        "outcome_features": SOURCES["outcome_features"].path if config["outcome"] else None,
        "outcome_metrics": SOURCES["outcome_metrics"].path if config["outcome"] else None,
        "explanations": made("explanations") if LAYERS else None,
        "steps": SOURCES["steps"].path,
        "input_summary": SOURCES["input_summary"].path if MAF_PATIENTS or CNA_PATIENTS else None,
    }


def cohort_patient_rows():
    """The rows of paths.COHORT_PATIENTS (rule cohort_patients), in PATIENTS order."""
    fusions, germline = set(patients_with("fusions")), set(patients_with("germline_maf"))
    variants, copy_number, germline_vcf = set(MAF_PATIENTS), set(CNA_PATIENTS), set(PGX_PATIENTS)
    return [
        {
            "patient": p,
            "variants": p in variants,
            "copy_number": p in copy_number,
            "fusions": p in fusions,
            "germline_maf": p in germline,
            "germline_vcf": p in germline_vcf,
            "msi_status": sheet_value(p, "msi_status"),
            # the dossier's: the sheet's tumor_type column, else the config's; actionability's: the checked OncoTree code
            "tumor_type": sheet_value(p, "tumor_type") or config.get("tumor_type") or "",
            "oncotree_code": TUMOUR_TYPES.get(p),
            "label": sheet_value(p, config["label"]) if config["label"] else None,
        }
        for p in PATIENTS
    ]


# Per-patient sources: the dossiers ask for a cohort table that stands for them (``<name>_job``: its job
# writes or reads every patient's file) and take each patient's path from precisionflow/workflow/paths.py, the
# patients from paths.COHORT_PATIENTS (the flag column saying who has the file; None: every patient). N inputs
# made the DAG scan N outputs per file (planning in N squared) and Snakemake record them in each of the N
# outputs' metadata (N squared again; precisionflow/workflow/patients.py).
# name -> (the cohort table standing for its files, the patients table's flag column of its patients; None: all)
DOSSIER_PER_PATIENT = {"targets": (paths.COHORT_TARGETS, None), "mafs": (paths.TMB, "variants")}


def dossier_per_patient():
    """Each available per-patient source -> the patients table's flag column of its patients (None: all)."""
    sources = dossier_sources()
    return {name: flag for name, (_, flag) in DOSSIER_PER_PATIENT.items() if sources.get(name)}


def dossier_inputs(wildcards):
    """The available sources as named inputs (cohort tables for per-patient ones), the patients table and the
    reference tables."""
    inputs = {name: path for name, path in dossier_sources().items() if path and name not in DOSSIER_PER_PATIENT}
    inputs |= {f"{name}_job": DOSSIER_PER_PATIENT[name][0] for name in dossier_per_patient()}
    inputs["patients"] = paths.COHORT_PATIENTS
    inputs["references"] = [config["resources"][name] for name in sorted(config["resources"])]
    return inputs


def report_date():
    """The dossiers' date: the config's, else the sample sheet's modification day (the same on reruns)."""
    if config["report_date"]:
        return str(config["report_date"])
    return datetime.fromtimestamp(Path(SHEET_PATH).stat().st_mtime, tz=timezone.utc).date().isoformat()
