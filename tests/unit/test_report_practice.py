"""Training curves of the practice suite in the report: the tables, the finding, the SVG, the JSON, the CLI lines.

The runs are built by hand in the practice suite's record format (practice_runs; no framework runs
here), so these tests are quick and say exactly which numbers each format must show.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import msgspec
import pytest
from practice_runs import evidence_html, evidence_markdown, evidence_text, practice_document, quick_document

from fwadvisor.advisor.engine import Caveat, Reason
from fwadvisor.errors import InputError
from fwadvisor.frameworks import identity
from fwadvisor.profiler.documents import Metric
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.json import profile_summary

PATH = "/runs/profile-practice.json"
SVG_NS = "{http://www.w3.org/2000/svg}"


def section(md: str, heading: str) -> str:
    start = md.index(heading)
    end = md.find("\n### ", start + 1)
    return md[start : end if end > 0 else None]


# Markdown ---------------------------------------------------------------------------------------------


def test_markdown_has_a_curve_table_per_model_the_final_accuracies_and_the_export():
    md = evidence_markdown(practice_document(), PATH)
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
    tf = next(r for r in doc.results if r.benchmark == "practice_cnn" and r.framework == "tensorflow")
    tf.metric = Metric("test accuracy", 0.9344)  # 3.0 points below PyTorch's 96.44%
    md = evidence_markdown(doc, PATH)
    assert "Final test accuracy: PyTorch 96.4%, TensorFlow 93.4% (3.0 points apart)." in md
    assert "Finding" not in md
    tf.metric = Metric("test accuracy", 0.9330)  # 3.1 points
    assert "Finding: the CNN" in evidence_markdown(doc, PATH)


def test_triggered_rules_get_a_sub_section_only_when_asked_for():
    doc = practice_document()
    plain = evidence_markdown(doc, PATH)
    assert "What these numbers changed" not in plain
    triggered: list[Reason | Caveat] = [
        Reason("practice_accuracy_gap", "performance", "pytorch", 2.0, 2.0, "PyTorch trained | better", []),
        Caveat("export_mismatch", "performance", "tensorflow", "SavedModel did not <match>", []),
    ]
    md = evidence_markdown(doc, PATH, triggered=triggered)
    assert "### What these numbers changed in the advice" in md
    assert "- practice_accuracy_gap (favours PyTorch): PyTorch trained \\| better" in md
    assert "export_mismatch (TensorFlow): SavedModel did not \\<match\\>" in md
    empty = evidence_markdown(doc, PATH, triggered=[])
    assert "No rule used these numbers: the advice rests on your answers alone." in empty
    page = evidence_html(doc, PATH, triggered=triggered)
    assert "<h3>What these numbers changed in the advice</h3>" in page
    assert "SavedModel did not &lt;match&gt;" in page
    assert "the advice rests on your answers alone" in evidence_html(doc, PATH, triggered=[])
    text = "\n".join(evidence_text(doc, PATH, 100, triggered=[]))
    assert "No rule used these numbers" in text
    assert "What these numbers changed" not in "\n".join(evidence_text(doc, PATH, 100))


def test_text_section_gives_the_final_accuracies_the_finding_and_the_export():
    lines = evidence_text(practice_document(), PATH, 100)
    text = " ".join(" ".join(lines).split())  # the sentences wrap at 100 columns
    assert all(len(line) <= 100 for line in lines)
    assert "Final test accuracy: PyTorch 96.4%, TensorFlow 90.9% (5.5 points apart)." in text
    assert "Finding: the CNN" in text and "TensorFlow: ✗ failed: worker crashed" in text
    assert "reloaded outputs match: NO (max relative error 0.31)" in text
    assert "practice_cnn fp32  test accuracy" not in text  # no "ahead" row: an accuracy is not a speed


# HTML -------------------------------------------------------------------------------------------------


def test_html_has_the_tables_and_one_self_contained_escaped_svg_per_model():
    doc = practice_document()
    doc.results[0].framework_version = "<script>alert(1)</script>"
    page = evidence_html(doc, "/tmp/<b>x</b>.json")
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
    colours = {fw: identity(fw).hex_colour for fw in ("torch", "tensorflow")}
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
    doc.results += quick_document().results
    page = evidence_html(doc, PATH)
    assert page.count("<svg") == 3
    speed_chart = page[page.index("<svg") : page.index("</svg>")]
    assert "matmul" in speed_chart and "practice_cnn" not in speed_chart and "export" not in speed_chart
    md = evidence_markdown(doc, PATH)
    assert "| matmul fp32 |" in md and "| practice_cnn" not in md and "| export_roundtrip" not in md


# JSON -------------------------------------------------------------------------------------------------


def test_json_carries_each_practice_curve_and_the_export_details():
    doc = practice_document()
    summary = json.loads(json.dumps(profile_summary(doc, PATH)))
    by_key = {(m["benchmark"], m["framework"]): m for m in summary["measurements"]}
    assert by_key[("practice_cnn", "torch")]["curve"] == msgspec.to_builtins(doc.results[0].curve)
    assert by_key[("practice_cnn", "torch")]["curve"][0] == {
        "epoch": 1,
        "train_loss": 1.9021,
        "train_accuracy": 0.4512,
        "test_accuracy": 0.7311,
        "seconds": 0.32,
    }
    assert len(by_key[("practice_cnn", "tensorflow")]["curve"]) == 5
    assert by_key[("practice_cnn", "tensorflow")]["metric"] == {"name": "test accuracy", "value": 0.9089}
    assert by_key[("practice_rnn", "tensorflow")]["curve"] == []  # failed: no curve, said plainly
    assert by_key[("practice_rnn", "tensorflow")]["error"].startswith("worker crashed")
    assert by_key[("export_roundtrip", "tensorflow")]["extra"]["format"] == "SavedModel"
    assert by_key[("export_roundtrip", "tensorflow")]["usable"] is False
    quick = profile_summary(quick_document(), PATH)
    assert all("curve" not in m for m in quick["measurements"])


def test_a_hand_edited_curve_with_bad_points_is_refused_with_where_it_is():
    data = msgspec.to_builtins(practice_document())
    data["results"][0]["curve"][2]["train_loss"] = "NaN"
    with pytest.raises(InputError, match=r"results\[0\]\.curve\[2\]\.train_loss"):
        evidence_markdown(run_from_data(data), PATH)
    data["results"][0]["curve"][2]["train_loss"] = None  # a diverged loss is recorded as null
    md = evidence_markdown(run_from_data(data), PATH)
    assert "| 3 | - | 92.1% | 93.1% |" in md
    ET.fromstring(re.findall(r"<svg.*?</svg>", evidence_html(run_from_data(data), PATH), re.S)[0])


def test_terminal_sparklines_for_the_cli_share_one_scale_per_measure():
    from fwadvisor.report.curves_text import curve_lines, sparkline

    assert sparkline([0.0, 0.5, 1.0], 0.0, 1.0) == "▁▅█"
    lines = curve_lines(practice_document())
    text = "\n".join(lines)
    assert "CNN on the 8x8 digits" in text and "PyTorch" in text and "TensorFlow" in text
    assert "→" in text and "%" in text
    assert curve_lines(quick_document()) == []
