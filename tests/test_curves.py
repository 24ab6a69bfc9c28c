"""Training curves of the practice suite: the report's tables, finding and SVG, the JSON, and the TUI panel.

The documents are built by hand in the practice suite's record format (no framework runs here), so
these tests are quick and say exactly which numbers each format must show.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from textual.widgets import DataTable

from fwadvisor.profiler.records import failed_record, make_record
from fwadvisor.report import profile_section
from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.profiler import ProfileEvent, ProfileFinished
from fwadvisor.tui.widgets.curves import DARK_COLOURS, LIGHT_COLOURS, CurvePlot, CurvesPanel
from fwadvisor.tui.widgets.ratio_chart import RatioChart

PATH = "/runs/profile-practice.json"
SVG_NS = "{http://www.w3.org/2000/svg}"

# Five epochs each, as the practice workers record them: the CNN ends 5.6 points apart (a finding),
# the LSTM only in PyTorch (TensorFlow's worker crashed).
CNN_TORCH = [
    (1, 1.9021, 0.4512, 0.7311),
    (2, 0.6127, 0.8433, 0.8867),
    (3, 0.2875, 0.9207, 0.9311),
    (4, 0.1741, 0.9532, 0.9511),
    (5, 0.1169, 0.9681, 0.9644),
]
CNN_TF = [
    (1, 2.0518, 0.3120, 0.5911),
    (2, 1.0934, 0.6917, 0.7622),
    (3, 0.5712, 0.8384, 0.8533),
    (4, 0.3820, 0.8880, 0.8889),
    (5, 0.2906, 0.9151, 0.9089),
]
RNN_TORCH = [
    (1, 2.2011, 0.2105, 0.3400),
    (2, 1.4520, 0.5122, 0.6022),
    (3, 0.8814, 0.7306, 0.7689),
    (4, 0.5525, 0.8411, 0.8511),
    (5, 0.3810, 0.8904, 0.8800),
]


def curve(points: list[tuple[int, float, float, float]], seconds: float) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": loss, "train_accuracy": train, "test_accuracy": test, "seconds": seconds + 0.01 * e}
        for e, loss, train, test in points
    ]


def practice(
    benchmark: str, framework: str, points: list[tuple[int, float, float, float]], seconds: float
) -> dict[str, Any]:
    params = {"epochs": 5, "batch": 64, "test_percent": 25, "seed": 7}
    if benchmark == "practice_rnn":
        params["hidden"] = 64
    record = make_record(
        benchmark=benchmark,
        framework=framework,
        framework_version="x",
        device="cpu",
        dtype="fp32",
        params=params,
        threads=4,
        precision={},
        timing=None,
        metric_name="test accuracy",
        metric_value=points[-1][3],
        correct=True,
        check="the loss fell and the accuracy beat chance",
    )
    record["curve"] = curve(points, seconds)
    return record


def export(framework: str, fmt: str, load_s: float, correct: bool, error: float) -> dict[str, Any]:
    return make_record(
        benchmark="export_roundtrip",
        framework=framework,
        framework_version="x",
        device="cpu",
        dtype="fp32",
        params={"batch": 64},
        threads=4,
        precision={},
        timing=None,
        metric_name="load s",
        metric_value=load_s,
        correct=correct,
        check=None if correct else "reloaded outputs differ from the trained model's",
        extra={"export_s": 0.84, "load_s": load_s, "artifact_bytes": 1_234_567, "format": fmt, "max_rel_error": error},
    )


def practice_document() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "created": "2025-05-01T10:00:00+00:00",
        "cancelled": False,
        "suite": {"name": "practice", "device": "cpu", "threads": 4},
        "environment": {"cpu": {"model": "Test CPU", "physical_cores": 4, "logical_cores": 8}, "frameworks": {}},
        "workers": {
            "torch": {"status": "ok", "framework_version": "2.5.1"},
            "tensorflow": {"status": "failed", "framework_version": "2.18.0"},
        },
        "results": [
            practice("practice_cnn", "torch", CNN_TORCH, 0.31),
            practice("practice_cnn", "tensorflow", CNN_TF, 0.52),
            practice("practice_rnn", "torch", RNN_TORCH, 0.44),
            failed_record(
                "practice_rnn",
                "tensorflow",
                "worker crashed: <oom> | out of memory",
                device="cpu",
                params={"epochs": 5, "batch": 64, "hidden": 64, "test_percent": 25, "seed": 7},
                dtype="fp32",
            ),
            export("torch", "torch.export .pt2", 0.042, True, 2.1e-7),
            export("tensorflow", "SavedModel", 0.913, False, 0.31),
        ],
    }


def quick_document() -> dict[str, Any]:
    """A quick-suite run as the profiler saves it: speeds only, no curves."""

    def matmul(framework: str, value: float) -> dict[str, Any]:
        return make_record(
            benchmark="matmul",
            framework=framework,
            framework_version="x",
            device="cpu",
            dtype="fp32",
            params={"m": 64, "n": 64, "k": 64},
            threads=4,
            precision={},
            timing=None,
            metric_name="GFLOP/s",
            metric_value=value,
            correct=True,
        )

    return {
        **practice_document(),
        "suite": {"name": "quick", "device": "cpu", "threads": 4},
        "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
        "results": [matmul("torch", 12.5), matmul("tensorflow", 9.75)],
    }


def section(md: str, heading: str) -> str:
    start = md.index(heading)
    end = md.find("\n### ", start + 1)
    return md[start : end if end > 0 else None]


# Markdown ---------------------------------------------------------------------------------------------


def test_markdown_has_a_curve_table_per_model_the_final_accuracies_and_the_export():
    md = profile_section.markdown_section(practice_document(), PATH)
    cnn = section(md, "### Training curves: CNN on the 8x8 digits (practice_cnn)")
    assert (
        "| epoch | PyTorch train loss | PyTorch train acc | PyTorch test acc | PyTorch s | TensorFlow train loss "
        "| TensorFlow train acc | TensorFlow test acc | TensorFlow s |"
    ) in cnn
    assert "| 1 | 1.9021 | 45.1% | 73.1% | 0.32 | 2.0518 | 31.2% | 59.1% | 0.53 |" in cnn
    assert "| 5 | 0.1169 | 96.8% | 96.4% | 0.36 | 0.2906 | 91.5% | 90.9% | 0.57 |" in cnn
    assert len(re.findall(r"^\| \d ", cnn, re.M)) == 5
    assert "Final test accuracy: PyTorch 96.4%, TensorFlow 90.9% (5.5 points apart)." in cnn
    assert (
        "**Finding: the CNN on the 8x8 digits reached 96.4% test accuracy in PyTorch but 90.9% in "
        "TensorFlow, 5.5 points apart." in cnn
    )
    assert "reported as a finding, not hidden" in cnn

    rnn = section(md, "### Training curves: LSTM reading each digit row by row (practice_rnn)")
    assert "| epoch | PyTorch train loss | PyTorch train acc | PyTorch test acc | PyTorch s |" in rnn
    assert "TensorFlow train loss" not in rnn  # the failed framework has no columns, it has a line
    assert "Final test accuracy: PyTorch 88.0%, TensorFlow no result." in rnn
    # The error's pipe and tags cannot break the Markdown.
    assert "TensorFlow: ✗ failed: worker crashed: \\<oom\\> \\| out of memory" in rnn
    assert "Finding" not in rnn

    saved = section(md, "### Saving and reloading a trained model")
    assert "| framework | format | export s | load s | size | reloaded outputs match |" in saved
    assert "| PyTorch | torch.export .pt2 | 0.84 | 0.042 | 1.2 MB | yes (max relative error 2.1e-07) |" in saved
    assert "| TensorFlow | SavedModel | 0.84 | 0.913 | 1.2 MB | NO (max relative error 0.31) |" in saved
    # The speed table and its legend are for speeds: a practice-only run has none.
    assert "| benchmark | shape |" not in md and "The run holds no results" not in md


def test_a_gap_of_three_points_or_less_is_no_finding():
    doc = practice_document()
    tf = next(r for r in doc["results"] if r["benchmark"] == "practice_cnn" and r["framework"] == "tensorflow")
    tf["metric"]["value"] = 0.9344  # 3.0 points below PyTorch's 96.44%
    md = profile_section.markdown_section(doc, PATH)
    assert "Final test accuracy: PyTorch 96.4%, TensorFlow 93.4% (3.0 points apart)." in md
    assert "Finding" not in md
    tf["metric"]["value"] = 0.9330  # 3.1 points
    assert "Finding: the CNN" in profile_section.markdown_section(doc, PATH)


def test_triggered_rules_get_a_sub_section_only_when_asked_for():
    doc = practice_document()
    plain = profile_section.markdown_section(doc, PATH)
    assert "What these numbers changed" not in plain
    triggered = [
        {"rule": "practice_accuracy_gap", "favors": "pytorch", "message": "PyTorch trained | better"},
        {"rule": "export_mismatch", "framework": "tensorflow", "message": "SavedModel did not <match>"},
    ]
    md = profile_section.markdown_section(doc, PATH, triggered=triggered)
    assert "### What these numbers changed in the advice" in md
    assert "- practice_accuracy_gap (favours PyTorch): PyTorch trained \\| better" in md
    assert "export_mismatch (TensorFlow): SavedModel did not \\<match\\>" in md
    empty = profile_section.markdown_section(doc, PATH, triggered=[])
    assert "No rule used these numbers: the advice rests on your answers alone." in empty
    page = profile_section.html_section(doc, PATH, triggered=triggered)
    assert "<h3>What these numbers changed in the advice</h3>" in page
    assert "SavedModel did not &lt;match&gt;" in page
    assert "the advice rests on your answers alone" in profile_section.html_section(doc, PATH, triggered=[])
    text = "\n".join(profile_section.text_section(doc, PATH, 100, triggered=[]))
    assert "No rule used these numbers" in text
    assert "What these numbers changed" not in "\n".join(profile_section.text_section(doc, PATH, 100))


def test_text_section_gives_the_final_accuracies_the_finding_and_the_export():
    lines = profile_section.text_section(practice_document(), PATH, 100)
    text = " ".join(" ".join(lines).split())  # the sentences wrap at 100 columns
    assert all(len(line) <= 100 for line in lines)
    assert "Final test accuracy: PyTorch 96.4%, TensorFlow 90.9% (5.5 points apart)." in text
    assert "Finding: the CNN" in text and "TensorFlow: ✗ failed: worker crashed" in text
    assert "reloaded outputs match: NO (max relative error 0.31)" in text
    assert "practice_cnn fp32  test accuracy" not in text  # no "ahead" row: an accuracy is not a speed


# HTML -------------------------------------------------------------------------------------------------


def test_html_has_the_tables_and_one_self_contained_escaped_svg_per_model():
    doc = practice_document()
    doc["results"][0]["framework_version"] = "<script>alert(1)</script>"
    page = profile_section.html_section(doc, "/tmp/<b>x</b>.json")
    assert "<script" not in page.lower() and "<b>x" not in page
    assert "worker crashed: &lt;oom&gt; | out of memory" in page
    assert not re.search(r"<link|src=|href=|@import|url\(|<img|<iframe|<image|<use", page)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2  # one per model; no speed chart in a practice-only run
    cnn, rnn = svgs
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML, so it also works copied out of the page
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
        assert title is not None and desc is not None
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        texts = " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
        assert "Training loss" in texts and "Test accuracy" in texts and "epoch" in texts
        assert "loss (solid)" in texts and "test accuracy (dashed)" in texts
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # two charts on one page must not share ids

    root = ET.fromstring(cnn)
    lines = root.findall(f"{SVG_NS}polyline")
    colours = {fw: profile_section.BAR_COLOURS[fw] for fw in ("torch", "tensorflow")}
    # Loss (solid) and accuracy (dashed) per framework, in the framework's colour.
    assert sorted((line.get("stroke"), line.get("stroke-dasharray", "solid")) for line in lines) == sorted(
        [
            (colours["torch"], "solid"),
            (colours["torch"], "4 3"),
            (colours["tensorflow"], "solid"),
            (colours["tensorflow"], "4 3"),
        ]
    )
    assert all(len(line.get("points", "").split()) == 5 for line in lines)
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
    assert "PyTorch" in legend and "TensorFlow" in legend
    assert "PyTorch, epoch 5: test accuracy 96.4%" in cnn and "TensorFlow, epoch 1: training loss 2.0518" in cnn
    assert "TensorFlow" not in " ".join(t.text or "" for t in ET.fromstring(rnn).iter(f"{SVG_NS}text"))
    assert len(ET.fromstring(rnn).findall(f"{SVG_NS}polyline")) == 2

    assert "<th>PyTorch train loss</th>" in page and "<th>reloaded outputs match</th>" in page
    assert '<td style="color:var(--bad)">NO (max relative error 0.31)</td>' in page
    assert 'class="caveat"><strong>Finding: the CNN' in page


def test_a_mixed_run_keeps_the_speed_chart_and_table_for_the_speeds_only():
    doc = practice_document()
    doc["results"] += quick_document()["results"]
    page = profile_section.html_section(doc, PATH)
    assert page.count("<svg") == 3
    speed_chart = page[page.index("<svg") : page.index("</svg>")]
    assert "matmul" in speed_chart and "practice_cnn" not in speed_chart and "export" not in speed_chart
    md = profile_section.markdown_section(doc, PATH)
    assert "| matmul fp32 |" in md and "| practice_cnn" not in md and "| export_roundtrip" not in md


# JSON -------------------------------------------------------------------------------------------------


def test_json_carries_each_practice_curve_and_the_export_details():
    doc = practice_document()
    summary = json.loads(json.dumps(profile_section.profile_summary(doc, PATH)))
    by_key = {(m["benchmark"], m["framework"]): m for m in summary["measurements"]}
    assert by_key[("practice_cnn", "torch")]["curve"] == doc["results"][0]["curve"]
    assert len(by_key[("practice_cnn", "tensorflow")]["curve"]) == 5
    assert by_key[("practice_cnn", "tensorflow")]["metric"] == {"name": "test accuracy", "value": 0.9089}
    assert by_key[("practice_rnn", "tensorflow")]["curve"] == []  # failed: no curve, said plainly
    assert by_key[("practice_rnn", "tensorflow")]["error"].startswith("worker crashed")
    assert by_key[("export_roundtrip", "tensorflow")]["extra"]["format"] == "SavedModel"
    assert by_key[("export_roundtrip", "tensorflow")]["usable"] is False
    quick = profile_section.profile_summary(quick_document(), PATH)
    assert all("curve" not in m for m in quick["measurements"])


def test_a_hand_edited_curve_with_bad_points_is_drawn_from_the_good_ones():
    doc = practice_document()
    doc["results"][0]["curve"][2]["train_loss"] = "NaN"
    doc["results"][0]["curve"].append({"epoch": "six"})
    md = profile_section.markdown_section(doc, PATH)
    assert "| 3 | - | 92.1% | 93.1% |" in md
    ET.fromstring(re.findall(r"<svg.*?</svg>", profile_section.html_section(doc, PATH), re.S)[0])


# TUI --------------------------------------------------------------------------------------------------


async def test_profiler_shows_the_curves_when_a_finished_run_has_practice_records():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        panel = screen.query_one(CurvesPanel)
        assert not panel.display and not screen.showing_curves
        assert screen.check_action("toggle_view", ()) is False  # no curves: the footer offers no v

        screen.post_message(ProfileFinished(practice_document(), None, "not saved in this test"))
        await pilot.pause(0.3)
        assert screen.showing_curves and panel.display
        assert panel.models == ["practice_cnn", "practice_rnn"]
        assert panel.region.height >= 10 and panel.region.width == 80  # room for the plots at 80x24
        assert not screen.query_one("#profiler-results", DataTable).display
        cnn = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert cnn.display and set(cnn.by_fw) == {"torch", "tensorflow"}
        assert cnn.region.height >= 5 and cnn.region.width >= 30
        drawn = cnn.render()
        assert "epoch" in str(drawn) and "100%" in str(drawn)
        notes = panel.plain_notes()
        assert "CNN test accuracy: PyTorch 96.4% · TensorFlow 90.9% · 5.5 pts apart: a finding" in notes
        assert "LSTM test accuracy: PyTorch 88.0% · TensorFlow ✗ failed" in notes
        assert all(len(line) <= 80 for line in notes.splitlines())
        assert screen.check_action("toggle_view", ()) is True

        # v goes back to the table, where the practice rows compare the right way round.
        await pilot.press("v")
        await pilot.pause()
        assert not screen.showing_curves and not panel.display
        table = screen.query_one("#profiler-results", DataTable)
        assert table.display
        column = table.get_column_index("ahead")
        ahead = {
            str(table.get_cell_at((i, 0))).split()[0]: str(table.get_cell_at((i, column)))
            for i in range(table.row_count)
        }
        assert ahead["practice_cnn"] == "torch +5.5 pts"
        assert ahead["export_roundtrip"] == "-"  # TensorFlow's reload did not match: no comparison
        assert not screen.query_one(RatioChart).display  # accuracies are not speed ratios
        await pilot.press("v")
        await pilot.pause()
        assert screen.showing_curves


async def test_the_saved_run_in_the_state_shows_its_curves_when_the_profiler_opens():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        doc = practice_document()
        doc["results"] = [r for r in doc["results"] if r["benchmark"] == "practice_rnn"]
        app.state.profile_document = doc
        await pilot.press("3")
        await pilot.pause(0.3)
        panel = app.screen.query_one(CurvesPanel)
        assert panel.display and panel.models == ["practice_rnn"]
        assert not app.screen.query_one("#curves-practice_cnn", CurvePlot).display
        assert app.screen.query_one("#curves-practice_rnn", CurvePlot).region.width > 100  # alone: full width


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_a_quick_run_shows_no_curves_and_keeps_its_layout(theme):
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        screen.post_message(ProfileFinished(quick_document(), None, "not saved in this test"))
        await pilot.pause(0.3)
        assert not screen.query_one(CurvesPanel).display and not screen.showing_curves
        assert screen.query_one("#profiler-results", DataTable).display
        assert screen.query_one(RatioChart).display
        assert screen.check_action("toggle_view", ()) is False
        assert "matmul" in screen.query_one(RatioChart).chart(80).plain
        await pilot.press("v")  # nothing to switch to
        await pilot.pause()
        assert not screen.showing_curves

        # A later practice run in the same session brings the curves, drawn for the current theme.
        screen.post_message(ProfileFinished(copy.deepcopy(practice_document()), None, "not saved"))
        await pilot.pause(0.3)
        assert screen.showing_curves
        plot = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert plot.render()


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _styles(plot: CurvePlot) -> str:
    """Every colour the plot's rendering uses, as text."""
    return " ".join(str(span.style) for span in plot.render().spans)  # type: ignore[union-attr]


async def test_curves_fill_in_as_practice_results_arrive_and_follow_the_theme():
    document = practice_document()
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = "textual-dark"
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        panel = screen.query_one(CurvesPanel)
        for record in document["results"][:1]:
            screen.post_message(ProfileEvent({"type": "result", "framework": record["framework"], "record": record}))
        await pilot.pause(0.3)
        assert screen.showing_curves and panel.models == ["practice_cnn"]
        cnn = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert set(cnn.by_fw) == {"torch"}
        assert not screen.query_one("#curves-practice_rnn", CurvePlot).display
        screen.post_message(
            ProfileEvent({"type": "result", "framework": "tensorflow", "record": document["results"][1]})
        )
        await pilot.pause(0.3)
        assert set(cnn.by_fw) == {"torch", "tensorflow"}
        assert "5.5 pts apart: a finding" in panel.plain_notes()

        assert hex_colour(DARK_COLOURS["torch"]) in _styles(cnn)
        app.theme = "textual-light"
        await pilot.pause(0.3)
        light = _styles(cnn)
        assert hex_colour(LIGHT_COLOURS["torch"]) in light and hex_colour(DARK_COLOURS["torch"]) not in light


def test_terminal_sparklines_for_the_cli_share_one_scale_per_measure():
    from fwadvisor.report.curves_text import curve_lines, sparkline

    assert sparkline([0.0, 0.5, 1.0], 0.0, 1.0) == "▁▅█"
    lines = curve_lines(practice_document())
    text = "\n".join(lines)
    assert "CNN on the 8x8 digits" in text and "PyTorch" in text and "TensorFlow" in text
    assert "→" in text and "%" in text
    assert curve_lines(quick_document()) == []
