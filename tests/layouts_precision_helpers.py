"""Helpers shared by test_layouts_precision.py and test_layouts_precision_real_runs.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

CONV_CPU = "{batch: 2, height: 8, width: 8, channels_in: 4, channels_out: 8, kernel: 3}"


CNN_CPU = "{batch: 4, image: 8, channels: 3, classes: 3}"


def write_suite(folder: Path, body: str, name: str = "layouts") -> Path:
    path = folder / f"{name}.yaml"
    header = f"name: {name}\ndescription: layouts test\nbudget_s: 0.05\ntimeout_s: 120\nbenchmarks:\n"
    path.write_text(header + textwrap.dedent(body))
    return path
