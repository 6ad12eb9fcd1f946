"""Transcriptome, proteome and other matrix layers: reading and normalization."""
