"""Clinical actionability at scale: 1,000 patients × 300 alterations matched against the full MOAlmanac
knowledge base (goal: under 10 s).

Input (built once, cached under ``bench/data/actionability``): a table of 300,000 alterations, as
:func:`precisionflow.actionability.alterations.patient_alterations` returns them — per patient ~290
mutations (a third in genes the knowledge base names, with its protein changes, residues or others; the
rest in filler genes), ~8 amplifications or deep deletions and, for a fifth of the patients, TMB-high;
tumour types drawn from the knowledge base's own codes. The measured command reads the real knowledge
base (``../shared/data/knowledge/moalmanac.json``, 1,018 assertions) and OncoTree, matches, tiers and
applies resistance for every patient (``precisionflow.actionability.matching.actionable_table``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import ROOT, Row, measure_python

SHARED = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
KNOWLEDGE = SHARED / "knowledge" / "moalmanac.json"
ONCOTREE = SHARED / "knowledge" / "oncotree.2023-03-09.txt"
N_PATIENTS, N_ALTERATIONS = 1000, 300


def simulate(folder: Path, seed: int = 14) -> Path:
    """The alterations table (parquet) in ``folder``; a marker file ends a complete write."""
    done = folder / ".complete"
    if done.is_file():
        return folder
    from precisionflow.actionability.knowledge import read_moalmanac

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    kb = read_moalmanac(KNOWLEDGE)
    somatic = kb[(kb["feature_type"] == "Somatic Variant") & (kb["gene"] != "")]
    kb_genes = sorted(set(somatic["gene"]))
    changes = somatic[somatic["protein_change"] != ""][["gene", "protein_change"]].drop_duplicates().to_numpy()
    cn_genes = sorted(set(kb.loc[kb["feature_type"] == "Copy Number", "gene"]))
    codes = sorted(set(kb["tumor_type"]) - {""})
    classes = np.array(["Missense", "Nonsense", "Frameshift", "Splice Site", "Deletion"])
    rows = []
    for i in range(N_PATIENTS):
        patient = f"P{i:04d}"
        n_cn = int(rng.integers(4, 12))
        for _ in range(N_ALTERATIONS - n_cn):
            draw = rng.random()
            if draw < 0.1:  # a change the knowledge base names
                gene, change = changes[int(rng.integers(len(changes)))]
                klass = "Missense"
            elif draw < 0.33:  # a knowledge-base gene, another change
                gene, change = kb_genes[int(rng.integers(len(kb_genes)))], f"p.X{int(rng.integers(1, 1500))}Y"
                klass = str(classes[int(rng.integers(len(classes)))])
            else:
                gene, change = f"G{int(rng.integers(20000)):05d}", f"p.X{int(rng.integers(1, 1500))}Y"
                klass = str(classes[int(rng.integers(len(classes)))])
            rows.append((patient, gene, "mutation", change, change, klass, bool(rng.random() < 0.05)))
        for _ in range(n_cn):
            amp = rng.random() < 0.5
            gene = (
                cn_genes[int(rng.integers(len(cn_genes)))] if rng.random() < 0.3 else f"G{int(rng.integers(20000)):05d}"
            )
            kind = "amplification" if amp else "deletion"
            rows.append((patient, gene, kind, kind, "", "Amplification" if amp else "Deletion", False))
        if rng.random() < 0.2:
            rows.append((patient, "", "tmb", "TMB-high (15 mutations/Mb)", "", "High", False))
    columns = ["patient", "gene", "alteration_type", "alteration", "protein_change", "variant_class", "is_hotspot"]
    pd.DataFrame(rows, columns=columns).to_parquet(folder / "alterations.parquet", index=False)
    types = {f"P{i:04d}": codes[int(rng.integers(len(codes)))] for i in range(N_PATIENTS)}
    pd.Series(types).rename_axis("patient").rename("tumor_type").to_csv(folder / "tumour_types.tsv", sep="\t")
    done.write_text("ok\n")
    return folder


def command(folder: Path) -> str:
    return f"""
from pathlib import Path
import pandas as pd
from precisionflow.actionability.knowledge import read_moalmanac
from precisionflow.actionability.matching import actionable_table
from precisionflow.actionability.oncotree import read_oncotree
d = Path({str(folder)!r})
alterations = pd.read_parquet(d / "alterations.parquet")
types = pd.read_csv(d / "tumour_types.tsv", sep="\\t", index_col=0)["tumor_type"].to_dict()
kb = read_moalmanac({str(KNOWLEDGE)!r})
onco = read_oncotree({str(ONCOTREE)!r})
table = actionable_table(alterations, kb, types, dict(zip(onco["code"], onco["main_type"])))
(d / "rows.txt").write_text(str(len(table)))
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    folder = simulate(cache / f"alterations_{N_PATIENTS}x{N_ALTERATIONS}")
    measurement = measure_python(command(folder), repeats)
    matched = int((folder / "rows.txt").read_text())
    return [
        Row(
            "actionability",
            f"{N_PATIENTS:,} patients × {N_ALTERATIONS} alterations vs the full MOAlmanac (1,018 assertions)",
            "precisionflow",
            measurement,
            note=f"goal < 10 s; {matched:,} rows (alteration × assertion)",
            extra={"patients/s": N_PATIENTS / measurement.median_s},
        )
    ]
