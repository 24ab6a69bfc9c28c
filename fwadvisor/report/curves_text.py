"""Training curves of a practice run as terminal sparklines, for `fwadvisor profile`.

The app draws these curves as plots (textual-plotext) and the HTML report as SVG; in a plain
terminal a sparkline per framework, on one shared scale per measure, shows the same shapes side by
side with the first and last values written out.
"""

from __future__ import annotations

from typing import Any

MODELS = {"practice_cnn": "CNN on the 8x8 digits", "practice_rnn": "LSTM reading each digit row by row"}
NAMES = {"torch": "PyTorch", "tensorflow": "TensorFlow"}
BLOCKS = "▁▂▃▄▅▆▇█"


def _curves(document: dict[str, Any], benchmark: str) -> dict[str, list[dict[str, float]]]:
    return {
        r["framework"]: r["curve"]
        for r in document.get("results", [])
        if r["benchmark"] == benchmark and r.get("curve") and not r.get("error")
    }


def sparkline(values: list[float], low: float, high: float) -> str:
    span = (high - low) or 1.0
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * (len(BLOCKS) - 1) + 0.5))] for v in values)


def curve_lines(document: dict[str, Any]) -> list[str]:
    """Per practice model: training loss and test accuracy per epoch, both frameworks, one scale each."""
    lines: list[str] = []
    for benchmark, title in MODELS.items():
        curves = _curves(document, benchmark)
        if not curves:
            continue
        epochs = max(len(c) for c in curves.values())
        lines += ["", f"{title} ({epochs} epochs): training loss and test accuracy per epoch"]
        columns: dict[str, dict[str, str]] = {fw: {} for fw in curves}
        for key, show in (("train_loss", lambda v: f"{v:.3f}"), ("test_accuracy", lambda v: f"{100 * v:.1f}%")):
            values = [p[key] for c in curves.values() for p in c]
            low, high = min(values), max(values)
            for framework, curve in curves.items():
                series = [p[key] for p in curve]
                columns[framework][key] = f"{sparkline(series, low, high)} {show(series[0])} → {show(series[-1])}"
        width = max(len(text["train_loss"]) for text in columns.values())
        for framework, text in columns.items():
            lines.append(f"  {NAMES[framework]:<11} {text['train_loss']:<{width}}   {text['test_accuracy']}")
    return lines
