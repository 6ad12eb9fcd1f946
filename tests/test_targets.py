"""Target prioritization: the score, each evidence rule, the tables' contract, bad input, real references."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.targets import command, simulate
from precisionflow import dgidb, references
from precisionflow.errors import InputError
from precisionflow.targets import drugs as dr
from precisionflow.targets import evidence as ev
from precisionflow.targets import inputs
from precisionflow.targets.curated import CuratedEvidence, annotate_drugs
from precisionflow.targets.pipeline import StepInputs, load, run
from precisionflow.targets.prioritize import (
    EVIDENCE_COLUMNS,
    cohort_table,
    patient_tables,
    prepare,
    weight_vector,
)
from precisionflow.targets.score import contributions, harmonic_score, median, ramp, robust_scale
from precisionflow.targets.settings import with_defaults
from precisionflow.targets.tables import write_split, write_table

SETTINGS = with_defaults({})


# --- the score -----------------------------------------------------------------------------------


def test_harmonic_sum_is_the_open_targets_association_score() -> None:
    assert harmonic_score(np.array([1.0, 0.9, 0.8])) == pytest.approx(0.79875, abs=5e-6)
    # the order of the evidence does not matter; weights scale each type before sorting
    assert harmonic_score(np.array([0.8, 1.0, 0.9])) == pytest.approx(0.79875, abs=5e-6)
    assert harmonic_score(np.array([1.0, 1.0]), np.array([0.5, 1.0])) == pytest.approx((1 + 0.5 / 4) / (np.pi**2 / 6))
    # more evidence never lowers the score; the score stays below 1
    rng = np.random.default_rng(0)
    e = rng.random((200, 6))
    more = np.minimum(1, e + rng.random((200, 6)) * (rng.random((200, 6)) < 0.3))
    assert (harmonic_score(more) >= harmonic_score(e) - 1e-12).all()
    assert harmonic_score(np.ones((1, 50))).max() < 1
    # the shares drawn in the report add up to the score
    w = weight_vector(SETTINGS)
    assert np.allclose(contributions(e, w).sum(axis=1), harmonic_score(e, w))


def test_ramp_and_robust_statistics() -> None:
    assert ramp(np.array([0.0, 2.0, 3.0, 4.0, 9.0, np.nan]), 2, 4).tolist() == [0, 0, 0.5, 1, 1, 0]
    rng = np.random.default_rng(1)
    m = rng.normal(size=(31, 40))
    m[rng.random(m.shape) < 0.2] = np.nan
    m[:, 0] = np.nan  # a column without values
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmedian(m, axis=0)
    assert np.allclose(median(m, axis=0), expected, equal_nan=True)
    center, spread = robust_scale(np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [100.0, 5.0]]))
    assert center.tolist() == [2.5, 5.0] and spread[0] == pytest.approx(1.4826) and spread[1] == 0


# --- evidence rules --------------------------------------------------------------------------------


def small_inputs(**changes) -> ev.EvidenceInputs:
    """Ten patients in two groups: Luminal-like ones carry a PIK3CA hotspot (Act), Basal-like ones a TP53
    hotspot and a truncation (LoF); both genes have the same drugs; EGFR has drugs but no tumour evidence."""
    patients = [f"P{i}" for i in range(10)]
    rows = []
    for i, p in enumerate(patients):
        if i < 5:
            rows.append((p, "PIK3CA", "Missense_Mutation", True, "p.H1047R"))
        else:
            rows.append((p, "TP53", "Missense_Mutation", True, "p.R175H"))
            rows.append((p, "TP53", "Nonsense_Mutation", False, "p.R213*"))
        rows.append((p, "KIT", "Silent", False, "p.L5="))
    mutations = pd.DataFrame(rows, columns=["patient", "gene", "classification", "is_hotspot", "protein_change"])
    druggability = pd.Series({"PIK3CA": 1.0, "TP53": 1.0, "EGFR": 1.0})
    base = dict(
        patients=patients,
        mutations=mutations,
        mutated_patients=patients,
        copy_number=pd.DataFrame(
            {"patient": ["P7"], "gene": ["TP53"], "call": ["amp"], "total_cn": [12.0], "ploidy": [2.0]}
        ),
        cn_patients=patients,
        layers=[],
        gene_weights=None,
        roles=pd.Series({"PIK3CA": "Act", "TP53": "LoF", "EGFR": "Act"}),
        druggability=druggability,
        groups=pd.Series(["Lum"] * 5 + ["Bas"] * 5, index=patients),
        extra_genes=("EGFR",),
    )
    base.update(changes)
    return ev.EvidenceInputs(**base)


def test_activating_hotspot_is_a_target_and_a_lof_tumour_suppressor_is_not() -> None:
    data = small_inputs()
    prepared = prepare(data, SETTINGS)
    drugs = pd.Series({"PIK3CA": "ALPELISIB", "TP53": "X"})
    cohort = cohort_table(data, prepared, drugs, SETTINGS).set_index("gene")
    assert cohort.at["PIK3CA", "rank"] == 1 and cohort.at["PIK3CA", "group"] == "Lum"
    assert cohort.at["PIK3CA", "evidence_mutation"] == 1.0 and cohort.at["PIK3CA", "mutated_fraction"] == 1.0
    # TP53: as recurrent (every Basal patient, hotspots included), yet LoF: 0.1 of the mutation evidence
    assert cohort.at["TP53", "mutated_fraction"] == 1.0
    assert cohort.at["TP53", "evidence_mutation"] == pytest.approx(0.1)
    assert cohort.at["TP53", "evidence_copy_number"] == 0  # an amplified tumour suppressor is no evidence
    assert cohort.at["TP53", "score"] < cohort.at["PIK3CA", "score"] / 5
    # a drug alone makes no target: EGFR (drugs, no tumour evidence) is not listed; silent mutations are no evidence
    assert "EGFR" not in cohort.index and "KIT" not in cohort.index
    tables = patient_tables(prepared, drugs, SETTINGS)
    p0, p7 = tables.of("P0").set_index("gene"), tables.of("P7").set_index("gene")
    assert list(p0.index) == ["PIK3CA"] and p0.at["PIK3CA", "mutations"] == "p.H1047R (hotspot)"
    assert p7.at["TP53", "evidence_mutation"] == pytest.approx(0.1)  # the best of its two mutations, times LoF
    assert p7.at["TP53", "copy_number_call"] == "amp" and p7.at["TP53", "evidence_copy_number"] == 0
    # a tumour suppressor's drugs are no therapy: no druggability evidence, no drugs listed
    assert p7.at["TP53", "evidence_druggability"] == 0 and p7.at["TP53", "drugs"] == ""
    assert p0.at["PIK3CA", "evidence_druggability"] == 1.0 and p0.at["PIK3CA", "drugs"] == "ALPELISIB"
    assert p0.at["PIK3CA", "drug_evidence"].startswith("inferential")
    assert cohort.at["TP53", "evidence_druggability"] == 0 and cohort.at["TP53", "drugs"] == ""
    for i in range(10):  # every patient's own rows (rows are re-ordered by patient and score: no mix-up)
        table = tables.of(f"P{i}").set_index("gene")
        assert table.at["PIK3CA" if i < 5 else "TP53", "drugs"] == ("ALPELISIB" if i < 5 else ""), i


def test_an_amplified_passenger_gets_no_drugs_an_amplified_oncogene_does() -> None:
    """An amplicon carries passengers (A04W: PSMD3 beside ERBB2, with bortezomib in DGIdb): an amplification
    names a gene's drugs only for an oncogene (IntOGen Act), never for a gene of unknown role."""
    amps = pd.DataFrame(
        {"patient": ["P0", "P0"], "gene": ["EGFR", "PSMD3"], "call": ["amp", "amp"], "total_cn": [12.0, 12.0]}
    ).assign(ploidy=2.0)
    data = small_inputs(copy_number=amps, druggability=pd.Series({"PIK3CA": 1.0, "EGFR": 1.0, "PSMD3": 1.0}))
    prepared = prepare(data, SETTINGS)
    drugs = pd.Series({"PIK3CA": "ALPELISIB", "EGFR": "ERLOTINIB", "PSMD3": "BORTEZOMIB"})
    p0 = patient_tables(prepared, drugs, SETTINGS).of("P0").set_index("gene")
    assert p0.at["EGFR", "drugs"] == "ERLOTINIB"
    assert p0.at["PSMD3", "drugs"] == ""
    cohort = cohort_table(data, prepared, drugs, SETTINGS).set_index("gene")
    assert "PSMD3" not in cohort.index or cohort.at["PSMD3", "drugs"] == ""


def test_resisted_agents_are_withdrawn_from_a_patients_drugs() -> None:
    data = small_inputs()
    prepared = prepare(data, SETTINGS)
    tables = patient_tables(prepared, pd.Series({"PIK3CA": "ALPELISIB;TASELISIB", "TP53": "X"}), SETTINGS)
    withdrawn = {
        "P1": {"TASELISIB": "PIK3CA p.H1047R predicts resistance (MOAlmanac:1)"},
        "P2": {"ALPELISIB": "r", "TASELISIB": "r"},
    }
    annotate_drugs(tables, CuratedEvidence({}, withdrawn, {}), SETTINGS["druggability"]["max_drugs"])
    p0, p1, p2 = (tables.of(p).set_index("gene") for p in ("P0", "P1", "P2"))
    assert p0.at["PIK3CA", "drugs"] == "ALPELISIB;TASELISIB"
    assert (
        p1.at["PIK3CA", "drugs"] == "ALPELISIB"
        and "withdrawn TASELISIB: PIK3CA p.H1047R" in p1.at["PIK3CA", "drug_evidence"]
    )
    assert p2.at["PIK3CA", "drugs"] == "" and p2.at["PIK3CA", "drug_evidence"].startswith("withdrawn")


def test_expression_alone_gives_no_drug_and_no_druggability() -> None:
    """An over-expressed oncogene without a genomic alteration stays ranked as supporting evidence, with
    no drug; an over-expressed tumour suppressor gets no evidence at all; a weak mutation gates the
    druggability at its own (weighted) evidence, not at the strongest expression evidence."""
    patients = [f"P{i}" for i in range(12)]
    rng = np.random.default_rng(7)
    values = rng.normal(0, 0.2, size=(12, 3))
    values[0] += 5.0  # P0 over-expresses all three genes (z far above z_high)
    rna = ev.Layer("rna", "rna", values, patients, ["EGFR", "TP53", "KRAS"], ["EGFR", "TP53", "KRAS"])
    mutations = pd.DataFrame(
        [("P0", "KRAS", "Nonsense_Mutation", False, "p.Q61*")],
        columns=["patient", "gene", "classification", "is_hotspot", "protein_change"],
    )
    data = small_inputs(
        mutations=mutations,
        layers=[rna],
        roles=pd.Series({"EGFR": "Act", "TP53": "LoF", "KRAS": "Act"}),
        druggability=pd.Series({"EGFR": 1.0, "TP53": 1.0, "KRAS": 1.0}),
        copy_number=pd.DataFrame(columns=["patient", "gene", "call", "total_cn", "ploidy"]),
    )
    prepared = prepare(data, SETTINGS)
    drugs = pd.Series({"EGFR": "CETUXIMAB", "TP53": "X", "KRAS": "SOTORASIB"})
    p0 = patient_tables(prepared, drugs, SETTINGS).of("P0").set_index("gene")
    assert (
        p0.at["EGFR", "evidence_rna"] == 1.0
        and p0.at["EGFR", "drugs"] == ""
        and p0.at["EGFR", "evidence_druggability"] == 0
    )
    assert "TP53" not in p0.index  # LoF: over-expression is no evidence
    # a truncating mutation does not activate KRAS: no druggability, no drug, despite the RNA outlier
    assert (
        p0.at["KRAS", "evidence_mutation"] == 0.25
        and p0.at["KRAS", "evidence_druggability"] == 0
        and p0.at["KRAS", "drugs"] == ""
    )


def test_mutation_classes_and_roles_scale_the_evidence() -> None:
    rows = [
        ("P0", "A", "Missense_Mutation", False, ""),
        ("P0", "B", "Frame_Shift_Del", False, ""),
        ("P0", "C", "In_Frame_Ins", False, ""),
        ("P0", "D", "Missense_Mutation", False, ""),
    ]
    data = small_inputs(
        patients=["P0"],
        mutated_patients=["P0"],
        cn_patients=[],
        groups=None,
        extra_genes=(),
        mutations=pd.DataFrame(rows, columns=["patient", "gene", "classification", "is_hotspot", "protein_change"]),
        copy_number=pd.DataFrame(columns=["patient", "gene", "call", "total_cn", "ploidy"]),
        roles=pd.Series({"A": "Act", "B": "Act", "C": "ambiguous"}),
        druggability=pd.Series(dtype=float),
    )
    table = patient_tables(prepare(data, SETTINGS), pd.Series(dtype=object), SETTINGS).of("P0").set_index("gene")
    assert table["evidence_mutation"].to_dict() == {"A": 0.5, "C": 0.25, "B": 0.25, "D": 0.125}


def test_amplifications_count_by_level() -> None:
    calls = pd.DataFrame(
        {
            "patient": "P",
            "gene": ["A", "B", "C", "D", "E"],
            "call": ["amp", "amp", "amp", "gain", "loss"],
            "total_cn": [9.0, 5.0, 3.0, 3.0, 1.0],
            "ploidy": [2.0, 2.0, 1.0, 2.0, 2.0],
        }
    )
    values = ev.copy_number_values(calls, SETTINGS).set_index("gene")["value"]
    # 4.5 x ploidy: high level; 2.5 x: 2.5/4; 3 x: 3/4; a gain 0.25; a loss nothing
    assert values.to_dict() == pytest.approx({"A": 1.0, "B": 0.625, "C": 0.75, "D": 0.25})


def layer(
    name: str, kind: str, values: np.ndarray, features: list[str], genes: list[str | None], missing=None
) -> ev.Layer:
    return ev.Layer(name, kind, values, [f"P{i}" for i in range(values.shape[0])], features, genes, missing)


def test_expression_robust_z_phospho_forms_and_imputed_values() -> None:
    # column 0: median -0.5; below it distances 2.5, 1.5, 1.5, 0.5, 0.5 -> spread 1.4826 × 1.5 = 2.2239;
    # patient 0 at -0.5 + 2 × 2.2239 (z = 2)
    base = np.array([3.9478, -3, -2, -2, -1, -1, 0, 0, 1, 1], dtype=float)
    values = np.column_stack([base, np.zeros(10), np.zeros(10), np.zeros(10)])
    values[:, 1:] = np.arange(10)[:, None] % 3  # spread of the other features
    values[1, 1] = 50.0  # a phospho-form far above the cohort
    values[2, 2] = 50.0  # the same, but imputed
    missing = np.zeros(values.shape, dtype=bool)
    missing[2, 2] = True
    protein = layer(
        "rppa",
        "protein",
        values,
        ["HER2", "HER2_pY1248", "AKT_pS473", "GAPDH"],
        ["ERBB2", "ERBB2", "AKT1;AKT2", None],
        missing,
    )
    data = small_inputs(
        layers=[protein],
        mutations=small_inputs().mutations.iloc[:0],
        copy_number=pd.DataFrame(columns=["patient", "gene", "call", "total_cn", "ploidy"]),
        extra_genes=(),
    )
    prepared = prepare(data, SETTINGS)
    genes = list(prepared.genes)
    assert genes == ["AKT1", "AKT2", "ERBB2"]  # features without a gene reach none
    e = prepared.protein.evidence
    assert e[1, genes.index("ERBB2")] == 1.0  # the phospho-form counts for its protein's gene
    assert e[0, genes.index("ERBB2")] == pytest.approx(0.5, abs=0.01)  # z = 2 is half way between 1 and 3
    assert e[2, genes.index("AKT1")] == 0 and e[2, genes.index("AKT2")] == 0  # an imputed value is no evidence
    assert np.isnan(prepared.protein.z[2, genes.index("AKT1")])


def test_group_expression_compares_a_group_with_the_rest() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0, 0.3, size=(10, 2))
    values[:5, 0] += 3.0  # up in group "Lum"
    values[:, 1] = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]  # the same in both groups
    rna = layer("rna", "rna", values, ["g1", "g2"], ["ESR1", "OTHER"])
    data = small_inputs(layers=[rna], extra_genes=())
    cohort = cohort_table(data, prepare(data, SETTINGS), pd.Series(dtype=object), SETTINGS).set_index("gene")
    assert (
        cohort.at["ESR1", "group"] == "Lum"
        and cohort.at["ESR1", "evidence_rna"] == 1.0
        and cohort.at["ESR1", "rna_z"] > 4
    )
    assert "OTHER" not in cohort.index


def test_integration_weights_scaled_by_how_well_factors_separate_groups() -> None:
    weights = pd.DataFrame(
        {
            "layer": ["rna"] * 4,
            "feature": ["a", "b", "a", "b"],
            "gene": ["A", "B", "A", "B"],
            "factor": ["Factor1", "Factor1", "Factor2", "Factor2"],
            "weight": [2.0, -1.0, 0.1, -4.0],
            "factor_cluster_r2": [0.9, 0.9, 0.2, 0.2],
            "factor_label_r2": [0.5, 0.5, np.nan, np.nan],
        }
    )
    out = ev.integration_evidence(weights, np.array(["A", "B", "C"]), "cluster")
    assert out.tolist() == pytest.approx([0.9, max(0.9 * 0.5, 0.2), 0.0])
    assert ev.integration_evidence(weights, np.array(["A", "B"]), "label").tolist() == pytest.approx([0.5, 0.25])


def test_druggability_rule_and_drug_lists() -> None:
    interactions = pd.DataFrame(
        [
            ("G1", "D1", "inhibitor", "FDA"),
            ("G1", "D1", "", "NCI"),
            ("G1", "D2", "antibody", "ChemblInteractions"),
            ("G1", "D3", "agonist", "TTD"),
            ("G2", "D4", "", "NCI"),
            ("G3", "D5", "inhibitor", "FDA"),
            ("G3", "D6", "inhibitor,antagonist", "FDA"),
            ("G3", "D7", "inhibitor", "FDA"),
            ("G3", "D8", "inhibitor", "FDA"),
        ],
        columns=["gene", "drug", "interaction_types", "source"],
    )
    # the weighting rule with a source that means approval and a weight for untyped claims (DGIdb exports
    # with an approval source); the defaults are tested below
    legacy = with_defaults({"druggability": {"approved_sources": ["FDA"], "untyped_weight": 0.1}})
    per_drug = dr.drug_weights(interactions, legacy)
    categories = pd.DataFrame(
        {"gene": ["G2", "G4", "G4"], "category": ["CLINICALLY ACTIONABLE", "DRUGGABLE GENOME", "TUMOR SUPPRESSOR"]}
    )
    d = dr.druggability(per_drug, categories, SETTINGS)
    # G1: approved inhibitor 1 + unapproved antibody 0.5 + unapproved agonist 0.25 = 1.75 of 3
    assert d["G1"] == pytest.approx(1.75 / 3)
    assert d["G2"] == 0.5  # one untyped claim (0.05/3), but clinically actionable
    assert d["G3"] == 1.0  # four approved inhibitors saturate
    assert d["G4"] == 0.25
    lists = dr.drug_lists(per_drug, with_defaults({"druggability": {"max_drugs": 2}}))
    assert lists["G1"] == "D1;D2" and lists["G3"] == "D5;D6"
    # defaults: DGIdb v3's FDA source is no approval; untyped claims and trial listings are no drugs
    per_drug = dr.drug_weights(interactions, SETTINGS).set_index(["gene", "drug"])
    assert per_drug.at[("G1", "D1"), "weight"] == 0.5 and not per_drug["approved"].any()
    assert "G2" not in per_drug.index.get_level_values(0)
    approved = dr.drug_weights(interactions, SETTINGS, approved=frozenset({"D1"})).set_index(["gene", "drug"])
    assert approved.at[("G1", "D1"), "weight"] == 1.0  # approved by the knowledge base (MOAlmanac FDA-approved)


# --- the tables' contract, on a simulated cohort ----------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = simulate(tmp_path_factory.mktemp("sim") / "cohort", 45, 600)
    out = folder.parent / "out"
    exec(command(folder, out), {})
    return out


def check_rows_explain_themselves(table: pd.DataFrame) -> None:
    assert list(table.columns[:3]) == ["gene", "rank", "score"]
    assert list(table.columns[3:9]) == EVIDENCE_COLUMNS and table.columns[9] == "drugs"
    evidence = table[EVIDENCE_COLUMNS].to_numpy()
    assert ((evidence >= 0) & (evidence <= 1)).all()
    recomputed = harmonic_score(evidence, weight_vector(SETTINGS))
    assert np.abs(recomputed - table["score"].to_numpy()).max() <= 1e-6
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    ordered = table.sort_values(["score", "gene"], ascending=[False, True], kind="stable")
    assert ordered["gene"].tolist() == table["gene"].tolist()
    assert table["gene"].is_unique
    # druggability never exceeds what the tumour evidence allows
    assert (table["evidence_druggability"] <= table[EVIDENCE_COLUMNS[:4]].max(axis=1) + 1e-6).all()


def test_every_row_explains_its_score(simulated: Path) -> None:
    cohort = pd.read_csv(simulated / "cohort_targets.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    check_rows_explain_themselves(cohort)
    assert set(cohort.head(3)["gene"]) >= {"PIK3CA", "ERBB2"}
    files = sorted((simulated / "patients").glob("*.tsv"))
    assert len(files) == 45
    for path in files:
        table = pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])
        check_rows_explain_themselves(table)
        assert (table[EVIDENCE_COLUMNS[:4]].max(axis=1) > 0).all()  # listed for the patient's own evidence


def test_same_input_same_bytes(simulated: Path, tmp_path: Path) -> None:
    exec(command(simulated.parent / "cohort", tmp_path), {})
    assert filecmp.cmp(simulated / "cohort_targets.tsv", tmp_path / "cohort_targets.tsv", shallow=False)
    names = sorted(p.name for p in (simulated / "patients").glob("*.tsv"))
    match, mismatch, errors = filecmp.cmpfiles(simulated / "patients", tmp_path / "patients", names, shallow=False)
    assert not mismatch and not errors and len(match) == 45


def test_patient_tables_written_at_once_equal_one_by_one(simulated: Path, tmp_path: Path) -> None:
    folder = simulated.parent / "cohort"
    patients = (folder / "patients.txt").read_text().split()
    step = StepInputs(
        patients=patients,
        mafs={p: folder / "maf" / f"{p}.maf.tsv" for p in patients},
        copy_number=folder / "copy_number.tsv",
        cn_patients=patients,
        layers={"rna": (folder / "rna.h5ad", "rna")},
    )
    data, drugs, _ = load(step, SETTINGS)
    tables = patient_tables(prepare(data, SETTINGS), drugs, SETTINGS)
    write_split(tables.table, tables.bounds, [tmp_path / "fast" / f"{p}.tsv" for p in patients])
    for p in patients[:5]:
        write_table(tables.of(p), tmp_path / "slow" / f"{p}.tsv")
        assert (tmp_path / "fast" / f"{p}.tsv").read_bytes() == (tmp_path / "slow" / f"{p}.tsv").read_bytes()
    # numbers in shortest form, NA for a missing one, and pandas reads back what was written
    frame = pd.DataFrame({"gene": ["A\tB", "C"], "score": [0.79875, 1.0], "z": [np.nan, -1.5], "rank": [1, 2]})
    write_table(frame, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_text() == "gene\tscore\tz\trank\nA B\t0.79875\tNA\t1\nC\t1\t-1.5\t2\n"


# --- bad input -----------------------------------------------------------------------------------


def test_bad_inputs_name_the_file_and_place(tmp_path: Path) -> None:
    maf = tmp_path / "P1.maf.tsv"
    maf.write_text("Hugo_Symbol\tVariant_Classification\tHGVSp_Short\nKRAS\tMissense_Mutation\tp.G12D\n")
    with pytest.raises(InputError, match=r"P1\.maf\.tsv: header.*is_hotspot"):
        inputs.read_mafs({"P1": maf})
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tis_hotspot\nKRAS\tMissense_Mutation\tp.G12D\tmaybe\n"
    )
    with pytest.raises(
        InputError, match=r"P1\.maf\.tsv: row 2, column 'is_hotspot': expected True or False, found 'maybe'"
    ):
        inputs.read_mafs({"P1": maf})
    cn = tmp_path / "copy_number.tsv"
    cn.write_text("patient\tgene\ttotal_cn\tcall\nP1\tERBB2\t9\tamp\nP1\tTP53\t1\tlost\n")
    with pytest.raises(InputError, match=r"copy_number\.tsv: row 3, column 'call': expected one of amp"):
        inputs.read_copy_number(cn)
    cn.write_text("patient\tgene\ttotal_cn\tcall\nP1\tERBB2\tnine\tamp\n")
    with pytest.raises(InputError, match=r"copy_number\.tsv: content: expected a tab-separated table"):
        inputs.read_copy_number(cn)
    cn.write_text("patient\tgene\tcall\nP1\tERBB2\tamp\n")
    with pytest.raises(InputError, match=r"copy_number\.tsv: header.*total_cn"):
        inputs.read_copy_number(cn)
    cn.write_text("patient\tgene\ttotal_cn\tcall\tploidy\nP1\tERBB2\t9\tamp\t\nP1\tTP53\t2\tneutral\t2.1\n")
    assert inputs.read_copy_number(cn).to_dict("list") == {
        "patient": ["P1"],
        "gene": ["ERBB2"],
        "call": ["amp"],
        "total_cn": [9.0],
        "ploidy": [2.0],
    }
    weights = tmp_path / "factor_gene_weights.tsv"
    weights.write_text("layer\tfeature\tgene\tfactor\tweight\tfactor_cluster_r2\nrna\ta\tA\tFactor1\theavy\t0.5\n")
    with pytest.raises(InputError, match=r"row 2, column 'weight': expected a number"):
        inputs.read_gene_weights(weights)
    with pytest.raises(InputError, match="targets/layers"):
        inputs.layer_kinds({"rna": {"type": "rna"}}, {"mrna": "rna"})


def test_groups_from_label_with_predictions_for_blank_cells(tmp_path: Path) -> None:
    predictions = tmp_path / "predictions.tsv"
    predictions.write_text("patient\tpredicted\tprob_A\tprob_B\nP2\tB\t0.1\t0.9\n")
    labels = pd.Series(["A", "B", None], index=["P1", "P3", "P2"])
    groups, separation = inputs.read_groups(
        groups="auto", label="subtype", sheet_labels=labels, predictions=predictions, clusters=None
    )
    assert groups.to_dict() == {"P1": "A", "P2": "B", "P3": "B"} and separation == "label"
    clusters = tmp_path / "clusters.tsv"
    clusters.write_text("patient\tcluster\nP1\tC1\nP2\tC2\n")
    groups, separation = inputs.read_groups(
        groups="cluster", label="subtype", sheet_labels=labels, predictions=None, clusters=clusters
    )
    assert groups.to_dict() == {"P1": "C1", "P2": "C2"} and separation == "cluster"


def test_layer_kinds_default_by_type_and_override() -> None:
    layers = {
        "rna": {"type": "rna"},
        "prot": {"type": "protein"},
        "mirna": {"type": "matrix"},
        "mrna": {"type": "matrix"},
    }
    assert inputs.layer_kinds(layers, {}) == {"rna": "rna", "prot": "protein"}
    assert inputs.layer_kinds(layers, {"mrna": "rna", "prot": "none"}) == {"rna": "rna", "mrna": "rna"}


# --- real reference tables -------------------------------------------------------------------------


def test_real_dgidb_and_intogen(shared_data: Path) -> None:
    resources = shared_data / "resources"
    interactions = dgidb.read_drug_gene(resources / "dgidb_interactions.tsv.gz")
    per_drug = dr.drug_weights(interactions, SETTINGS, anticancer=dr.anticancer_drugs(interactions, SETTINGS))
    d = dr.druggability(per_drug, dgidb.read_drug_categories(resources / "dgidb_categories.tsv.gz"), SETTINGS)
    lists = dr.drug_lists(per_drug, SETTINGS)
    assert d["ERBB2"] == 1.0 and d["EGFR"] == 1.0
    erbb2 = lists["ERBB2"].split(";")
    assert "TRASTUZUMAB" in erbb2 and "LAPATINIB" in erbb2 and len(erbb2) == SETTINGS["druggability"]["max_drugs"]
    roles = references.driver_roles(references.read_drivers(resources / "intogen_drivers_2020.tsv"))
    assert roles["ERBB2"] == "Act" and roles["PIK3CA"] == "Act" and roles["TP53"] == "LoF"


def test_real_rppa_her2_of_a04w_is_over_abundant(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "multiomics" / "breast_tcga_train" / "protein.csv", index_col=0)
    # the RPPA antibodies' genes (tests/data, written for the normalization step): HER2 and HER2_pY1248 -> ERBB2
    feature_map = (
        pd.read_csv(Path(__file__).parent / "data" / "breast_rppa_feature_map.tsv", sep="\t")
        .drop_duplicates("feature")
        .set_index("feature")["gene"]
    )
    assert feature_map["HER2_pY1248"] == "ERBB2" and feature_map["Akt_pS473"] == "AKT1;AKT2;AKT3"
    protein = ev.Layer(
        "protein",
        "protein",
        frame.to_numpy(),
        list(frame.index),
        list(frame.columns),
        [feature_map.get(c) for c in frame.columns],
    )
    patients = sorted(frame.index)
    labels = pd.read_csv(shared_data / "multiomics" / "breast_tcga_train" / "subtype.csv", index_col=0)["subtype"]
    empty = pd.DataFrame(columns=["patient", "gene", "classification", "is_hotspot", "protein_change"])
    data = ev.EvidenceInputs(
        patients,
        empty,
        [],
        pd.DataFrame(columns=["patient", "gene", "call", "total_cn", "ploidy"]),
        [],
        [protein],
        None,
        pd.Series(dtype=object),
        pd.Series({"ERBB2": 1.0}),
        labels,
    )
    prepared = prepare(data, SETTINGS)
    a04w = patient_tables(prepared, pd.Series({"ERBB2": "TRASTUZUMAB"}), SETTINGS).of("A04W").set_index("gene")
    assert a04w.at["ERBB2", "evidence_protein"] == 1.0 and a04w.at["ERBB2", "rank"] <= 3
    # protein alone (no copy-number data here) is supporting evidence: no druggability, no drug
    assert a04w.at["ERBB2", "evidence_druggability"] == 0 and a04w.at["ERBB2", "drugs"] == ""
    cohort = cohort_table(data, prepared, pd.Series(dtype=object), SETTINGS).set_index("gene")
    assert cohort.at["ERBB2", "group"] == "Her2" and cohort.at["ESR1", "group"] == "LumA"


def test_an_approved_column_overrides_the_source_proxy() -> None:
    table = pd.DataFrame(
        {
            "gene": ["ERBB2", "ERBB2"],
            "drug": ["lapatinib", "foo"],
            "interaction_types": ["inhibitor", None],
            "source": ["DTC", "FDA"],
            "approved": [True, False],
        }
    )
    per_drug = dr.drug_weights(table, SETTINGS).set_index("drug")
    assert per_drug.at["LAPATINIB", "weight"] == 1.0 and "FOO" not in per_drug.index  # untyped: no drug


def test_run_writes_every_patient(tmp_path: Path, simulated: Path) -> None:
    folder = simulated.parent / "cohort"
    patients = (folder / "patients.txt").read_text().split() + ["NOLAYER"]
    step = StepInputs(
        patients=patients, mafs={}, copy_number=None, cn_patients=[], layers={"rna": (folder / "rna.h5ad", "rna")}
    )
    run(step, {}, tmp_path / "cohort.tsv", {p: tmp_path / "patients" / f"{p}.tsv" for p in patients})
    assert (tmp_path / "patients" / "NOLAYER.tsv").read_text().count(
        "\n"
    ) == 1  # header only: no evidence for a patient without data


def test_a_drug_whose_indication_the_tumour_contradicts_is_withdrawn_from_the_drug_lists() -> None:
    """P1 (PIK3CA hotspot, ERBB2-amplified, as A04W): the actionability step withdrew alpelisib (approved for
    HER2-negative disease) and capivasertib + fulvestrant; the inferential DGIdb list of PIK3CA must not bring
    them back. P2's alpelisib stays suggested; trastuzumab, suggested for P1 elsewhere, is no withdrawn agent."""
    from precisionflow.actionability.knowledge import withdrawn_agents

    note = "withdrawn: the indication is HER2-negative disease; this patient has a ERBB2 amplification"
    actionable = pd.DataFrame(
        [
            ("P1", "PIK3CA", "p.H1047R", "Alpelisib", "sensitivity", "MOAlmanac:456", "no", note),
            ("P1", "PIK3CA", "p.H1047R", "Capivasertib + Fulvestrant", "sensitivity", "MOAlmanac:937", "no", note),
            ("P1", "ERBB2", "amplification", "Trastuzumab", "sensitivity", "MOAlmanac:720", "yes", ""),
            ("P2", "PIK3CA", "p.H1047R", "Alpelisib", "sensitivity", "MOAlmanac:456", "yes", ""),
            # a VUS of PIK3CA in an ERBB2-amplified tumour (the demo has one): both notes, the VUS one first
            (
                "P3",
                "PIK3CA",
                "p.L848D",
                "Alpelisib",
                "sensitivity",
                "MOAlmanac:456",
                "no",
                "variant of … (no hotspot); " + note,
            ),
        ],
        columns=["patient", "gene", "alteration", "therapy", "effect", "source_id", "suggested", "note"],
    )
    withdrawn = withdrawn_agents(actionable)
    assert set(withdrawn) == {"P1", "P3"} and set(withdrawn["P1"]) == {"ALPELISIB", "CAPIVASERTIB", "FULVESTRANT"}
    assert withdrawn["P3"] == {"ALPELISIB": note.removeprefix("withdrawn: ") + " (MOAlmanac:456)"}
    tables = patient_tables(prepare(small_inputs(), SETTINGS), pd.Series({"PIK3CA": "ALPELISIB;TASELISIB"}), SETTINGS)
    annotate_drugs(tables, CuratedEvidence({}, withdrawn, {}), SETTINGS["druggability"]["max_drugs"])
    p1, p2 = (tables.of(p).set_index("gene") for p in ("P1", "P2"))
    assert p1.at["PIK3CA", "drugs"] == "TASELISIB" and p2.at["PIK3CA", "drugs"] == "ALPELISIB;TASELISIB"
    assert (
        "withdrawn ALPELISIB: the indication is HER2-negative disease; this patient has a ERBB2 amplification "
        "(MOAlmanac:456)" in p1.at["PIK3CA", "drug_evidence"]
    )
