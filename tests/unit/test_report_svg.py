"""The report model and its SVG charts: one direction for every chart, one classification for every mark.

Runs are built by hand from records (no framework runs here).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec
import pytest
from practice_runs import document, evidence_html, evidence_markdown, evidence_text, practice_document

from fwadvisor.errors import InputError
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.documents import Record, ResultStatus, RunDocument
from fwadvisor.profiler.records import failed_record, make_record
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report import chart_axis
from fwadvisor.report.model import RatioBar, RatioChart
from fwadvisor.report.profile_model import build_evidence
from fwadvisor.report.profile_table import rows
from fwadvisor.report.run_table import render_rich_table
from fwadvisor.report.svg import axis_scale, curve_svg, ratio_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
CENTRE = 190 + 360 / 2  # label column + half the chart (svg.ratio_chart_svg's layout)


def speed(benchmark: str, framework: str, value: float, unit: str = "GFLOP/s", **params: int | str) -> Record:
    return make_record(
        benchmark=benchmark,
        framework=framework,
        framework_version="x",
        device="cpu",
        dtype="fp32",
        params=dict(params) or {"m": 64, "n": 64, "k": 64},
        threads=1,
        precision={},
        timing=None,
        metric_name=unit,
        metric_value=value,
        correct=True,
    )


def speed_run(*records: Record) -> RunDocument:
    return document(
        {
            "schema_version": 1,
            "kind": "fwadvisor-profile",
            "created": "2026-01-02T03:04:05+00:00",
            "suite": {"name": "quick", "device": "cpu", "threads": 1},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": list(records),
        }
    )


def bars(svg: str) -> dict[str, ET.Element]:
    """The chart's bars by the benchmark named in their tooltip."""
    root = ET.fromstring(svg)
    return {rect.findtext(f"{SVG}title", "").split()[0]: rect for rect in root.iter(f"{SVG}rect")}


def test_pytorch_leads_grow_left_and_tensorflow_leads_right_as_in_the_app():
    run = speed_run(
        speed("matmul", "torch", 30.0),
        speed("matmul", "tensorflow", 10.0),  # PyTorch 3x ahead
        speed("eager_overhead", "torch", 8.0, "us/op", ops=20, size=8),
        speed("eager_overhead", "tensorflow", 4.0, "us/op", ops=20, size=8),  # lower is better: TF 2x ahead
    )
    section = evidence_html(run, None)
    svg = section[section.index("<svg") : section.index("</svg>") + 6]
    found = bars(svg)
    torch_bar, tf_bar = found["matmul"], found["eager_overhead"]
    assert chart_axis.side_of("torch") == "left" and chart_axis.side_of("tensorflow") == "right"
    assert float(torch_bar.get("x", 0)) + float(torch_bar.get("width", 0)) == pytest.approx(CENTRE)
    assert float(tf_bar.get("x", 0)) == pytest.approx(CENTRE)
    assert torch_bar.get("fill") == PYTORCH.hex_colour and tf_bar.get("fill") == TENSORFLOW.hex_colour
    # The log scale: a 3x lead on a 4x axis fills log(3)/log(4) of a half, a 2x lead half of it.
    half = 360 / 2 - 4
    assert float(torch_bar.get("width", 0)) == pytest.approx(chart_axis.bar_fraction(3.0, 4.0) * half, abs=0.1)
    assert float(tf_bar.get("width", 0)) == pytest.approx(0.5 * half, abs=0.1)
    root = ET.fromstring(svg)
    headings = {t.text: float(t.get("x", 0)) for t in root.iter(f"{SVG}text") if t.text and "faster" in t.text}
    assert headings["◀ PyTorch faster"] < headings["TensorFlow faster ▶"]
    assert "Bars to the left: PyTorch ahead" in (root.findtext(f"{SVG}desc") or "")


def test_the_axis_rounds_up_to_a_tick_and_never_shows_less_than_2x():
    assert axis_scale([]) == 2.0 and axis_scale([1.1]) == 2.0
    assert axis_scale([3.0]) == 4.0 and axis_scale([4.5]) == 10.0 and axis_scale([150.0]) == 1000.0


def test_every_text_in_a_chart_is_escaped_by_the_xml_writer():
    nasty = "<script>alert('x')</script> & co"
    chart = RatioChart(
        [
            RatioBar(nasty, nasty, nasty, "torch", 1.5, uncertain=True),
            RatioBar("b", "b", "not comparable (TensorFlow failed)", None, 1.0, uncertain=False),
        ]
    )
    svg = ratio_chart_svg(chart)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    assert any(t.text == nasty for t in root.iter(f"{SVG}text"))
    (rect,) = root.iter(f"{SVG}rect")  # the row that could not be compared has no bar
    assert rect.get("stroke-dasharray") == "3 2" and rect.findtext(f"{SVG}title") == nasty


def test_curve_chart_ids_are_safe_and_its_points_say_their_values():
    section = build_evidence(practice_document(), None)
    chart = section.practice[0].chart
    assert chart is not None and set(chart.curves) == {"torch", "tensorflow"}
    root = ET.fromstring(curve_svg(chart))
    assert root.get("aria-labelledby") == "fw-curve-practice-cnn-title fw-curve-practice-cnn-desc"
    tips = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert "PyTorch, epoch 1: training loss 1.9021" in tips
    assert len(root.findall(f"{SVG}circle")) == 10 + 1  # PyTorch: 5 epochs x 2 panels, + its legend mark


def test_one_classification_marks_cells_and_says_why_a_row_is_not_compared():
    cancelled = failed_record("matmul", "torch", "not run: cancelled", device="cpu", cancelled=True)
    cancelled.params, cancelled.dtype = {"m": 64, "n": 64, "k": 64}, "fp32"
    skipped = speed("conv2d", "tensorflow", 1.0, batch=1, height=8, width=8, channels_in=3, channels_out=4, kernel=3)
    skipped.skipped, skipped.metric = "no GPU", msgspec.structs.replace(skipped.metric, value=None)
    run = speed_run(
        cancelled,
        speed("matmul", "tensorflow", 10.0),
        speed("conv2d", "torch", 2.0, batch=1, height=8, width=8, channels_in=3, channels_out=4, kernel=3),
        skipped,
    )
    matmul, conv = rows(run)
    assert matmul.cells["torch"].status is ResultStatus.CANCELLED and matmul.cells["torch"].text() == "… cancelled"
    assert conv.cells["tensorflow"].status is ResultStatus.SKIPPED and conv.cells["tensorflow"].text() == "skipped"
    lines = {line.label: line for line in build_evidence(run, None).speed.lines}  # type: ignore[union-attr]
    assert lines["matmul fp32"].ahead == "not comparable (PyTorch cancelled)"
    assert lines["conv2d fp32"].ahead == "not comparable (TensorFlow skipped)"
    assert build_evidence(run, None).chart is not None
    assert all(bar.lead is None for bar in build_evidence(run, None).chart.bars)  # type: ignore[union-attr]


def test_a_run_given_as_parsed_json_is_validated_first():
    data = msgspec.to_builtins(practice_document())
    assert evidence_markdown(run_from_data(data), None) == evidence_markdown(practice_document(), None)
    data["results"][0]["median_s"] = -1.0
    with pytest.raises(InputError, match=r"median_s"):
        evidence_html(run_from_data(data), None)
    with pytest.raises(InputError):
        evidence_text(run_from_data({"results": []}), None)


def test_the_cli_table_shows_outside_text_as_text_never_as_markup():
    from rich.console import Console

    odd = speed("matmul", "torch", 3.0, shape="[bold red]boom[/]")
    run = speed_run(odd, speed("matmul", "tensorflow", 1.0, shape="[bold red]boom[/]"))
    console = Console(record=True, width=120)
    console.print(render_rich_table(run))
    assert "[bold red]boom[/]" in console.export_text()
