"""Outcome: survival associations (Kaplan-Meier, log-rank, Cox) and a cross-validated risk model."""
