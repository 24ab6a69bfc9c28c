"""One bar per framework for the recommendation's scores."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import display_name, identity


class ScoreBars(Static):
    """PyTorch and TensorFlow points as bars scaled to the larger score."""

    def show(self, scores: dict[str, float], blocked: set[str]) -> None:
        width = max(10, min(40, (self.size.width or 60) - 30))
        top = max([*scores.values(), 1.0])
        text = Text()
        for framework, points in scores.items():
            filled = round(points / top * width)
            text.append(f"{display_name(framework):<11}")
            text.append("█" * filled, style=identity(framework).rich_colour)
            text.append("░" * (width - filled), style="dim")
            text.append(f" {points_text(points)}")
            if framework in blocked:
                text.append("  ✖ ruled out by a blocker", style="bold red")
            text.append("\n")
        self.update(text)
