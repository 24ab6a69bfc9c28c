"""Training curves of the practice suite: loss and test accuracy per epoch, PyTorch and TensorFlow on one plot.

One plot per practice model (the CNN and the LSTM), side by side. The numbers and the sentences
(final accuracies, a large gap as a finding, a failure) come from report.practice, so the
TUI and every report format say the same thing about the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.color import Color
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from fwadvisor.frameworks import ALL, identity
from fwadvisor.profiler.catalog import spec_of
from fwadvisor.profiler.documents import Record, ResultStatus, classify
from fwadvisor.report.curve_axis import accuracy_axis_low, axis_ticks, loss_axis_top
from fwadvisor.report.practice import (
    GAP_POINTS,
    PRACTICE_MODELS,
    accuracy_gap,
    curve_points,
    final_accuracy,
    practice_records,
)

# RGB so that plotext draws the same colour in every terminal: the frameworks' own colours on a dark
# theme. They are too pale on a light background, so light themes get darker shades of the same two.
DARK_COLOURS = {fw.profiler_id: Color.parse(fw.rich_colour).get_truecolor() for fw in ALL}
LIGHT_COLOURS = {"torch": (200, 60, 10), "tensorflow": (150, 105, 0), "jax": (95, 40, 190)}
# Both measures are thin braille lines (plotext's other markers turn a slope into stairs); the test
# accuracy also gets a point per epoch, a different shape per framework so the lines part without colour.
LINE_MARKER = "braille"
POINT_MARKERS = {"torch": "●", "tensorflow": "■", "jax": "▲"}
# Losses and accuracies this close, epoch by epoch, draw one line over the other.
COINCIDE_TOLERANCE = 0.005


def _model_title(model: str) -> str:
    """The catalogue's short model name: a plot is about 40 columns wide on an 80-column terminal."""
    spec = spec_of(model)
    return spec.curve if spec is not None and spec.curve else model


def colours(dark: bool) -> Mapping[str, tuple[int, int, int]]:
    return DARK_COLOURS if dark else LIGHT_COLOURS


def _rich_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _coincide(by_fw: dict[str, Record]) -> bool:
    """Whether every framework's curve (two or three) lies on the first's (same losses and accuracies,
    epoch by epoch)."""
    curves = [curve_points(record) for record in by_fw.values()]
    if len(curves) < 2 or not curves[0] or any(len(curve) != len(curves[0]) for curve in curves):
        return False
    for other in curves[1:]:
        for a, b in zip(curves[0], other, strict=True):
            for mine, theirs in ((a.train_loss, b.train_loss), (a.test_accuracy, b.test_accuracy)):
                if mine is None or theirs is None or abs(mine - theirs) > COINCIDE_TOLERANCE:
                    return False
    return True


def accuracy_note(model: str, by_fw: dict[str, Record]) -> Text:
    """One line: the final test accuracies, and a large gap called a finding (the report says more).

    Failures are not repeated here: the screen lists them, with their fixes, under the progress bars.
    """
    note = Text(f"{_model_title(model)} test accuracy: ", style="dim")
    for index, (fw, record) in enumerate(by_fw.items()):
        final = final_accuracy(record)
        note.append(" · " if index else "")
        note.append(f"{identity(fw).name} ")
        if final is None:
            if classify(record) is ResultStatus.CANCELLED:
                note.append("cancelled", style="dim")  # stopped, not broken: never "failed"
            else:
                note.append("✗ failed" if record.error else "no result", style="red")
        else:
            note.append(f"{final * 100:.1f}%", style="red" if record.correct is False else "")
    lead = accuracy_gap(by_fw)
    if _coincide(by_fw):
        # One colour hides the other on the plot: say why TensorFlow's line cannot be seen.
        note.append(f" · the {'two' if len(by_fw) == 2 else 'three'} curves coincide", style="dim")
    if lead is not None and lead[1] > GAP_POINTS:
        note.append(f" · {lead[1]:.1f} pts apart: a finding", style="bold")
    elif lead is not None:
        note.append(f" · {lead[1]:.1f} pts apart", style="dim")
    return note


class CurvePlot(PlotextPlot):
    """One model: training loss on the left axis, test accuracy (%) on the right, both frameworks."""

    DEFAULT_CSS = """
    CurvePlot { width: 1fr; height: 1fr; }
    """

    def __init__(self, model: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.by_fw: dict[str, Record] = {}
        self.drawn_height = 0

    def on_mount(self) -> None:
        # PlotextPlot.on_mount runs too (Textual calls the handler of every class in the MRO). The lines'
        # colours depend on the theme, so a theme change redraws them.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.draw())
        self.draw()

    def on_resize(self) -> None:
        # The number of axis ticks follows the height: redraw when it changes.
        if self.size.height != self.drawn_height:
            self.draw()

    def show(self, by_fw: dict[str, Record]) -> None:
        self.by_fw = by_fw
        if self.is_mounted:
            self.draw()

    def draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        self.drawn_height = self.size.height
        palette = colours(self.app.current_theme.dark)
        points_by_fw = {fw: curve_points(record) for fw, record in self.by_fw.items()}
        curves = {fw: points for fw, points in points_by_fw.items() if points and fw in palette}
        # The model's name goes under the x axis, not in a title row: 80x24 has few rows to spare.
        plt.xlabel(f"{_model_title(self.model)}: epoch")
        epochs = sorted({float(p.epoch) for points in curves.values() for p in points})
        if not epochs:
            self.refresh()
            return
        every = max(1, -(-len(epochs) // 8))  # every epoch while they fit, else about eight ticks
        plt.xticks(epochs[::every], [f"{e:g}" for e in epochs[::every]])
        # One x range for both y axes: plotext otherwise fits each side's data on its own and the
        # accuracy points drift off their epochs.
        plt.xlim(epochs[0], epochs[-1])
        losses = [p.train_loss for points in curves.values() for p in points if p.train_loss is not None]
        accuracies = [p.test_accuracy for points in curves.values() for p in points]
        loss_top = loss_axis_top(max(losses, default=1.0))
        acc_low = accuracy_axis_low(accuracies)
        # Every other tick on a short plot, so that the labels never touch.
        every_tick = 1 if self.size.height >= 14 else 2
        loss_ticks = axis_ticks(0, loss_top)[::every_tick]
        acc_ticks = [t * 100 for t in axis_ticks(acc_low, 1.0)][::every_tick]
        # plotext annotates yside as a number; it takes "left" and "right" (its documented use).
        plt.ylim(0, loss_top, yside="left")  # type: ignore[arg-type]
        plt.yticks(loss_ticks, [f"{t:g}" for t in loss_ticks], yside="left")  # type: ignore[arg-type]
        plt.ylim(acc_low * 100, 100, yside="right")  # type: ignore[arg-type]
        plt.yticks(acc_ticks, [f"{t:g}%" for t in acc_ticks], yside="right")  # type: ignore[arg-type]
        # PyTorch drawn last, over the others: identical curves (same initial weights) still show a colour.
        for fw, points in sorted(curves.items(), key=lambda item: item[0] == "torch"):
            loss = [(float(p.epoch), p.train_loss) for p in points if p.train_loss is not None]
            accuracy = [(float(p.epoch), p.test_accuracy * 100) for p in points]
            if loss:
                plt.plot(
                    [e for e, _ in loss], [v for _, v in loss], color=palette[fw], marker=LINE_MARKER, yside="left"
                )
            if accuracy:
                xs, ys = [e for e, _ in accuracy], [v for _, v in accuracy]
                plt.plot(xs, ys, color=palette[fw], marker=LINE_MARKER, yside="right")
                plt.scatter(xs, ys, color=palette[fw], marker=POINT_MARKERS[fw], yside="right")
        self.refresh()


class CurvesPanel(Vertical):
    """The practice models' curves with a legend above and the final accuracies below."""

    DEFAULT_CSS = """
    CurvesPanel { height: 1fr; min-height: 12; }
    CurvesPanel #curves-legend { height: 1; }
    CurvesPanel #curves-plots { height: 1fr; }
    CurvesPanel #curves-practice_rnn { margin-left: 2; }
    CurvesPanel #curves-notes { height: auto; max-height: 3; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records: list[Record] = []

    def compose(self) -> ComposeResult:
        yield Static(id="curves-legend")
        with Horizontal(id="curves-plots"):
            for model in PRACTICE_MODELS:
                plot = CurvePlot(model, id=f"curves-{model}")
                plot.display = False
                yield plot
        yield Static(id="curves-notes")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.draw_legend())
        self.show(self.records)

    @property
    def models(self) -> list[str]:
        """The practice models with at least one record in what is shown."""
        present = {record.benchmark for record in self.records}
        return [model for model in PRACTICE_MODELS if model in present]

    def show(self, records: list[Record]) -> None:
        """Draw the practice records among `records` (the other benchmarks are ignored)."""
        self.records = [record for record in records if record.benchmark in PRACTICE_MODELS]
        if not self.is_mounted:
            return
        notes = Text()
        for model in PRACTICE_MODELS:
            by_fw = practice_records(self.records, model)
            plot = self.query_one(f"#curves-{model}", CurvePlot)
            plot.display = bool(by_fw)
            plot.show(by_fw)
            if by_fw:
                notes.append_text(accuracy_note(model, by_fw))
                notes.append("\n")
        notes.rstrip()
        self.query_one("#curves-notes", Static).update(notes)
        self.draw_legend()

    def draw_legend(self) -> None:
        palette = colours(self.app.current_theme.dark)
        legend = Text()
        # The frameworks with curves (two or three; before any, the two the advice compares).
        present = {record.framework for record in self.records} or {"torch", "tensorflow"}
        shown = [fw for fw in palette if fw in present]
        for fw in shown:
            legend.append("━━ ", style=_rich_colour(palette[fw]))
            legend.append(f"{identity(fw).name}  ")
        markers = "".join(POINT_MARKERS[fw] for fw in shown)
        legend.append(f"lines: loss, left axis · {markers}: test accuracy, right", style="dim")
        self.query_one("#curves-legend", Static).update(legend)

    def plain_notes(self) -> str:
        """The notes under the plots as plain text (what a test or a screen reader wants)."""
        return str(self.query_one("#curves-notes", Static).content)
