"""The report's charts as self-contained SVG, built with xml.etree (every text and attribute escaped by it).

No script, no font, no external reference: a chart copied out of the page still works on its own,
which is also why the framework colours are written into it rather than taken from the page's CSS.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable

from fwadvisor.frameworks import identity
from fwadvisor.profiler.documents import CurvePoint
from fwadvisor.report import chart_axis
from fwadvisor.report.columns import and_list
from fwadvisor.report.model import CurveChart, RatioChart
from fwadvisor.report.practice import percent
from fwadvisor.report.profile_table import MARKS_LEGEND
from fwadvisor.safe_text import one_line

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Each framework's points keep a shape of their own, so its lines part from the other's without colour.
POINT_SHAPES = {"torch": "circle", "tensorflow": "square", "jax": "diamond"}
# Wider lines drawn first, so that coinciding curves (the same initial weights) still show every colour.
LINE_WIDTHS = {"tensorflow": 4, "jax": 3, "torch": 2}


def _text(value: object) -> str:
    # Control characters are not allowed in XML at all: a benchmark name holding one would break the page.
    return one_line(value)


def _add(parent: ET.Element, tag: str, text: object = None, **attrs: object) -> ET.Element:
    """A child element; attribute names use _ for - (stroke_width -> stroke-width)."""
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _root(width: float, height: float, ident: str, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "role": "img",
            "aria-labelledby": f"{ident}-title {ident}-desc",
            "viewBox": f"0 0 {width:g} {height:g}",
            "width": "100%",
            "style": f"max-width:{width:g}px;font:12px sans-serif",
            "font-family": "sans-serif",
            "font-size": "12",
        },
    )
    _add(root, "title", title, id=f"{ident}-title")
    _add(root, "desc", description, id=f"{ident}-desc")
    return root


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space="")
    return ET.tostring(root, encoding="unicode")


def axis_scale(ratios: list[float]) -> float:
    """The largest ratio the axis shows: the next of 2x, 4x, 10x, 100x ... above every bar."""
    largest = chart_axis.chart_scale(ratios)
    for step in (2.0, 4.0, 10.0):
        if largest <= step:
            return step
    return 10.0 ** math.ceil(math.log10(largest))


def ratio_chart_svg(chart: RatioChart) -> str:
    """Bars of how much faster one framework ran each benchmark, on a log scale centred on 1x.

    PyTorch's lead grows to the left and TensorFlow's to the right (chart_axis), as in the app's
    chart, so equal speed is the centre line and 2x either way is the same length. Unsteady ratios
    are drawn faint and dashed and say so; rows without a fair comparison say why instead of a bar.
    """
    label_w, chart_w, value_w, row_h, top = 190, 360, 250, 24, 34
    width = label_w + chart_w + value_w
    height = top + row_h * len(chart.bars) + 10
    centre = label_w + chart_w / 2
    half = chart_w / 2 - 4
    scale = axis_scale([bar.ratio for bar in chart.bars if bar.lead])
    left, right = identity(chart.left), identity(chart.right)

    def x_of(framework: str, ratio: float) -> float:
        offset = chart_axis.bar_fraction(ratio, scale) * half
        return centre - offset if framework in (left.profiler_id, left.advisor_id) else centre + offset

    root = _root(
        width,
        height,
        "fw-chart"
        if (chart.left, chart.right) == (chart_axis.LEFT_FRAMEWORK, chart_axis.RIGHT_FRAMEWORK)
        else f"fw-chart-{chart.left}-{chart.right}",
        f"How many times faster {left.name} or {right.name} ran each benchmark",
        f"Log scale centred on 1x (equal speed). Bars to the left: {left.name} ahead; bars to the right: "
        f"{right.name} ahead. Beside each bar: the ratio and its 95% interval. Faint dashed bars rest on unsteady "
        f"or busy-machine numbers; rows without a bar could not be compared. {MARKS_LEGEND}",
    )
    # Tick labels need no framework name: the headings above say which side is which.
    ticks = [1.0, 2.0] + [t for t in (4.0,) if scale == 4.0] + [t for t in (10.0, 100.0, 1000.0) if t <= scale]
    for tick in ticks:
        for fw in (left.profiler_id,) if tick == 1.0 else (left.profiler_id, right.profiler_id):
            x = f"{x_of(fw, tick):.1f}"
            opacity = 0.6 if tick == 1.0 else 0.2
            _add(root, "line", x1=x, y1=top - 6, x2=x, y2=height - 8, stroke="currentColor", stroke_opacity=opacity)
            _add(root, "text", f"{tick:g}x", x=x, y=top - 10, text_anchor="middle", fill="currentColor")
    _add(root, "text", f"◀ {left.name} faster", x=label_w, y=12, fill=left.hex_colour, font_weight="bold")
    _add(
        root,
        "text",
        f"{right.name} faster ▶",
        x=label_w + chart_w,
        y=12,
        text_anchor="end",
        fill=right.hex_colour,
        font_weight="bold",
    )
    for index, bar in enumerate(chart.bars):
        y = top + index * row_h
        mid = f"{y + row_h / 2 + 4:.1f}"
        _add(root, "text", bar.label, x=label_w - 8, y=mid, text_anchor="end", fill="currentColor")
        if bar.lead is None:
            _add(
                root,
                "text",
                bar.text,
                x=f"{centre:.1f}",
                y=mid,
                text_anchor="middle",
                fill="currentColor",
                fill_opacity=0.65,
                font_style="italic",
            )
            continue
        x0, x1 = sorted((centre, x_of(bar.lead, bar.ratio)))
        faint = {"fill-opacity": "0.35", "stroke": "currentColor", "stroke-dasharray": "3 2"} if bar.uncertain else {}
        rect = _add(
            root,
            "rect",
            x=f"{x0:.1f}",
            y=y + 5,
            width=f"{max(x1 - x0, 2.0):.1f}",
            height=row_h - 10,
            fill=identity(bar.lead).hex_colour,
        )
        rect.attrib.update(faint)
        _add(rect, "title", bar.tooltip)
        _add(root, "text", bar.text, x=label_w + chart_w + 8, y=mid, fill="currentColor")
    return _serialise(root)


def _curve_description(curves: dict[str, list[CurvePoint]]) -> str:
    """The chart in words for a screen reader: where each framework's loss and accuracy start and end."""
    sentences = ["Left: training loss per epoch (solid lines). Right: test accuracy per epoch (dashed lines)."]
    for fw, points in curves.items():
        loss = [p.train_loss for p in points if p.train_loss is not None]
        acc = [p.test_accuracy for p in points if p.test_accuracy is not None]
        text = f"{identity(fw).name}, {len(points)} epochs"
        if loss:
            text += f": loss from {loss[0]:.3g} to {loss[-1]:.3g}"
        if acc:
            text += f", test accuracy from {percent(acc[0])} to {percent(acc[-1])}"
        sentences.append(text + ".")
    return " ".join(sentences)


def _point(parent: ET.Element, framework: str, x: float, y: float, tip: str) -> None:
    colour = identity(framework).hex_colour
    if POINT_SHAPES.get(framework) == "circle":
        shape = _add(parent, "circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=3, fill=colour)
    elif POINT_SHAPES.get(framework) == "diamond":
        corners = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        shape = _add(parent, "polygon", points=corners, fill=colour)
    else:
        shape = _add(parent, "rect", x=f"{x - 4:.1f}", y=f"{y - 4:.1f}", width=8, height=8, fill=colour)
    _add(shape, "title", tip)


def curve_svg(chart: CurveChart) -> str:
    """Two panels side by side: training loss (solid) and test accuracy (dashed) per epoch, both frameworks.

    Each framework has its colour and its own point shape (POINT_SHAPES), so the lines stay apart
    without colour too.
    """
    from fwadvisor.report.curve_axis import accuracy_axis_low, axis_ticks, loss_axis_top

    curves = chart.curves
    panel_w, panel_h, left, right, top, bottom, gap = 300, 170, 46, 12, 24, 34, 30
    width = 2 * (left + panel_w + right) + gap
    height = top + panel_h + bottom + 26  # + the legend row
    epochs = sorted({float(p.epoch) for points in curves.values() for p in points})
    first, last = (epochs[0], epochs[-1]) if epochs else (1.0, 1.0)
    losses = [p.train_loss for points in curves.values() for p in points if p.train_loss is not None]
    accs = [p.test_accuracy for points in curves.values() for p in points if p.test_accuracy is not None]
    loss_top = loss_axis_top(max(losses, default=1.0))
    acc_low = accuracy_axis_low(accs)
    ident = "fw-curve-" + "".join(ch if ch.isalnum() else "-" for ch in chart.model)

    def x_of(panel: int, epoch: float) -> float:
        x0 = panel * (left + panel_w + right + gap) + left
        span = (last - first) or 1.0
        return x0 + (epoch - first) / span * panel_w if last > first else x0 + panel_w / 2

    def y_of(value: float, low: float, high: float) -> float:
        return top + panel_h - (value - low) / ((high - low) or 1.0) * panel_h

    names = and_list([identity(fw).name for fw in curves])
    root = _root(width, height, ident, f"Training curves of the {chart.label}: {names}", _curve_description(curves))
    # title, measure, axis range, dash pattern, tick label and the exact value in a point's tooltip
    panels: tuple[tuple[str, str, float, float, str, Callable[[float], str], Callable[[float], str]], ...] = (
        ("Training loss", "train_loss", 0.0, loss_top, "", lambda v: f"{v:g}", lambda v: f"{v:.4f}"),
        ("Test accuracy", "test_accuracy", acc_low, 1.0, "4 3", lambda v: f"{v * 100:g}%", percent),
    )
    for index, (title, key, low, high, dash, tick_text, exact) in enumerate(panels):
        x0 = index * (left + panel_w + right + gap) + left
        _add(
            root,
            "text",
            title,
            x=f"{x0 + panel_w / 2:.1f}",
            y=14,
            text_anchor="middle",
            fill="currentColor",
            font_weight="bold",
        )
        for step, value in enumerate(axis_ticks(low, high)):
            y = f"{y_of(value, low, high):.1f}"
            opacity = 0.5 if step == 0 else 0.15
            _add(root, "line", x1=x0, y1=y, x2=x0 + panel_w, y2=y, stroke="currentColor", stroke_opacity=opacity)
            _add(
                root,
                "text",
                tick_text(value),
                x=x0 - 6,
                y=f"{y_of(value, low, high) + 4:.1f}",
                text_anchor="end",
                fill="currentColor",
            )
        _add(root, "line", x1=x0, y1=top, x2=x0, y2=top + panel_h, stroke="currentColor", stroke_opacity=0.5)
        # Every epoch gets a tick while they fit; long runs get about ten.
        every = max(1, math.ceil(len(epochs) / 10))
        for epoch in epochs[::every]:
            x = f"{x_of(index, epoch):.1f}"
            _add(root, "text", f"{epoch:g}", x=x, y=top + panel_h + 15, text_anchor="middle", fill="currentColor")
        _add(
            root,
            "text",
            "epoch",
            x=f"{x0 + panel_w / 2:.1f}",
            y=top + panel_h + 30,
            text_anchor="middle",
            fill="currentColor",
            fill_opacity=0.75,
        )
        # TensorFlow first and wider, PyTorch on top and thinner: the two runs start from the same
        # weights, so their curves often coincide, and both colours must still show.
        for fw, points in sorted(curves.items(), key=lambda item: -LINE_WIDTHS.get(item[0], 2)):
            drawn = [(float(p.epoch), v) for p in points if (v := getattr(p, key)) is not None]
            if not drawn:
                continue
            coords = " ".join(f"{x_of(index, e):.1f},{y_of(v, low, high):.1f}" for e, v in drawn)
            line = _add(
                root,
                "polyline",
                points=coords,
                fill="none",
                stroke=identity(fw).hex_colour,
                stroke_width=LINE_WIDTHS.get(fw, 2),
            )
            if dash:
                line.set("stroke-dasharray", dash)
            for epoch, value in drawn:
                tip = f"{identity(fw).name}, epoch {epoch:g}: {title.lower()} {exact(value)}"
                _point(root, fw, x_of(index, epoch), y_of(value, low, high), tip)
    _legend(root, list(curves), left, height - 8)
    return _serialise(root)


def _legend(root: ET.Element, frameworks: list[str], x: int, y: int) -> None:
    """Colour and point shape per framework, line style per measure."""
    for fw in frameworks:
        colour = identity(fw).hex_colour
        _add(root, "line", x1=x, y1=y - 4, x2=x + 24, y2=y - 4, stroke=colour, stroke_width=2)
        if POINT_SHAPES.get(fw) == "circle":
            _add(root, "circle", cx=x + 12, cy=y - 4, r=3, fill=colour)
        elif POINT_SHAPES.get(fw) == "diamond":
            _add(root, "polygon", points=f"{x + 12},{y - 8} {x + 16},{y - 4} {x + 12},{y} {x + 8},{y - 4}", fill=colour)
        else:
            _add(root, "rect", x=x + 9, y=y - 7, width=6, height=6, fill=colour)
        _add(root, "text", identity(fw).name, x=x + 30, y=y, fill="currentColor")
        x += 120
    _add(root, "line", x1=x, y1=y - 4, x2=x + 24, y2=y - 4, stroke="currentColor", stroke_width=2)
    _add(root, "text", "loss (solid)", x=x + 30, y=y, fill="currentColor")
    x += 120
    line = _add(root, "line", x1=x, y1=y - 4, x2=x + 24, y2=y - 4, stroke="currentColor", stroke_width=2)
    line.set("stroke-dasharray", "4 3")
    _add(root, "text", "test accuracy (dashed)", x=x + 30, y=y, fill="currentColor")
