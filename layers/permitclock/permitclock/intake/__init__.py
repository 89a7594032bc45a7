"""Streaming parsers of uploaded files (SMARTS downloads, program JSON, QISP CSV)."""
