"""One patient's outcome in a sentence, for the patient page (light: pandas only)."""

from __future__ import annotations

import pandas as pd


def patient_outcome_note(patient: str, risk: pd.DataFrame, contributions: pd.DataFrame, top: int = 5) -> str:
    """``Outcome: risk group high (out of fold); largest Cox contributions: mutation:ALK +0.41, ...``;
    empty when the patient is not in ``risk``."""
    rows = risk[risk["patient"] == patient]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    how = "out-of-fold" if bool(row["out_of_fold"]) else "predicted by the final model: no outcome in the sheet"
    mine = contributions[contributions["patient"] == patient]
    mine = mine.reindex(mine["contribution"].abs().sort_values(ascending=False, kind="stable").index).head(top)
    shares = ", ".join(f"{f} {c:+.2f}" for f, c in zip(mine["feature"], mine["contribution"], strict=True))
    return (
        f"Outcome: risk group {row['risk_group']} ({how}); largest Cox contributions to the risk: {shares or 'none'}."
    )
