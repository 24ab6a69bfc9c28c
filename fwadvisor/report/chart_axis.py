"""The axis and direction of every "who is ahead" chart: the SVG in HTML and the app's bars alike.

PyTorch's lead grows to the left of the centre line and TensorFlow's to the right, in every chart,
so a reader who learned one chart reads them all. Bars are on a log scale around 1.0x: a 2x lead is
as long as a 2x lead of the other framework, and a full bar is the largest lead shown (at least
MIN_SCALE, so a 1.1x lead never looks like a landslide).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from fwadvisor.frameworks import PYTORCH, TENSORFLOW

Side = Literal["left", "right"]
LEFT_FRAMEWORK = PYTORCH.profiler_id
RIGHT_FRAMEWORK = TENSORFLOW.profiler_id
MIN_SCALE = 2.0


def side_of(framework: str) -> Side:
    """Where a framework's lead is drawn."""
    return "left" if framework in (PYTORCH.profiler_id, PYTORCH.advisor_id) else "right"


def chart_scale(ratios: Iterable[float]) -> float:
    """The lead a full bar stands for: the largest shown, at least MIN_SCALE."""
    return max([MIN_SCALE, *(r for r in ratios if r and r > 0 and math.isfinite(r))])


def bar_fraction(ratio: float, scale: float) -> float:
    """How much of a half-width a lead of `ratio` (>= 1) fills, on the log scale (0 to 1)."""
    if ratio <= 1 or scale <= 1:
        return 0.0
    return min(1.0, math.log(ratio) / math.log(scale))


def ratio_text(ratio: float) -> str:
    """Three significant figures at most, so a figure never pushes a line past its width."""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"
