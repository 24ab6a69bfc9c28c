"""Helpers shared by test_transformer.py and test_transformer_real_runs.py."""

from __future__ import annotations

TRAIN = {"batch": 4, "seq_len": 8, "width": 16, "heads": 2, "mlp": 32, "classes": 3}
