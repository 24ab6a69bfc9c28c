"""The axes of a training-curve plot (loss and test accuracy per epoch), shared by the SVG and the app's plots."""

from __future__ import annotations

import math


def loss_axis_top(largest: float) -> float:
    """A round top for the loss axis: 0.5, 1, 2, 2.5, 5 times a power of ten, at or above the largest loss."""
    if largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    return next(step * power for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * power >= largest)


def accuracy_axis_low(accuracies: list[float]) -> float:
    """Where the accuracy axis starts: 90%, 80%, 60% or 0%, the highest at or below every value.

    Curves of 90-99% drawn from 0% look flat; these starts keep the ticks round (see axis_ticks).
    """
    lowest = min(accuracies, default=0.0)
    return next(start for start in (0.9, 0.8, 0.6, 0.0) if lowest >= start)


def axis_ticks(low: float, high: float) -> list[float]:
    """Round ticks from `low` to `high`: five steps for a span led by 2.5 or 5 (0.5 and 1 apart), else four."""
    span = high - low
    lead = round(span / 10.0 ** math.floor(math.log10(span)), 6) if span > 0 else 1.0
    steps = 5 if lead in (2.5, 5.0) else 4
    return [low + span * i / steps for i in range(steps + 1)]
