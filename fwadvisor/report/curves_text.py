"""Training curves of a practice run as terminal sparklines, for `fwadvisor profile`.

The app draws these curves as plots (textual-plotext) and the HTML report as SVG; in a plain
terminal a sparkline per framework, on one shared scale per measure, shows the same shapes side by
side with the first and last values written out.
"""

from __future__ import annotations

from collections.abc import Callable

from fwadvisor.frameworks import identity
from fwadvisor.profiler.documents import CurvePoint, RunDocument
from fwadvisor.report.practice import PRACTICE_MODELS, curve_points

BLOCKS = "▁▂▃▄▅▆▇█"


def _curves(document: RunDocument, benchmark: str) -> dict[str, list[CurvePoint]]:
    return {
        r.framework: curve_points(r) for r in document.results if r.benchmark == benchmark and r.curve and not r.error
    }


def sparkline(values: list[float], low: float, high: float) -> str:
    span = (high - low) or 1.0
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * (len(BLOCKS) - 1) + 0.5))] for v in values)


def curve_lines(run: RunDocument) -> list[str]:
    """Per practice model: training loss and test accuracy per epoch, both frameworks, one scale each."""
    lines: list[str] = []
    measures: tuple[tuple[str, Callable[[float], str]], ...] = (
        ("train_loss", lambda v: f"{v:.3f}"),
        ("test_accuracy", lambda v: f"{100 * v:.1f}%"),
    )
    for benchmark, title in PRACTICE_MODELS.items():
        curves = _curves(run, benchmark)
        if not curves:
            continue
        epochs = max(len(c) for c in curves.values())
        lines += ["", f"{title} ({epochs} epochs): training loss and test accuracy per epoch"]
        columns: dict[str, dict[str, str]] = {fw: {} for fw in curves}
        for key, show in measures:
            series = {fw: [v for p in curve if (v := getattr(p, key)) is not None] for fw, curve in curves.items()}
            values = [v for s in series.values() for v in s]
            if not values:
                continue
            low, high = min(values), max(values)
            for framework, points in series.items():
                columns[framework][key] = (
                    f"{sparkline(points, low, high)} {show(points[0])} → {show(points[-1])}" if points else "-"
                )
        width = max(len(text.get("train_loss", "-")) for text in columns.values())
        for framework, text in columns.items():
            loss, accuracy = text.get("train_loss", "-"), text.get("test_accuracy", "-")
            lines.append(f"  {identity(framework).name:<11} {loss:<{width}}   {accuracy}")
    return lines
