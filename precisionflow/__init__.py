"""precisionflow: multi-omics data of a cohort to ranked, explained therapeutic targets."""

__version__ = "0.1.0"
