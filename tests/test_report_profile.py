"""The report's "Evidence from this machine" section, from a real profile run, in every format."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from conftest import FIXTURES
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.profiler.records import usable_as_evidence
from fwadvisor.profiler.session import run_profile
from fwadvisor.profiler.suites import load_suite
from fwadvisor.report import profile_section
from fwadvisor.report.profile_table import device_label, rows
from fwadvisor.report.render import render

LAB = load_answers(FIXTURES / "answers" / "good_research_lab.yaml")
PATH = "/runs/profile-test.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """A real run of both frameworks on the CPU, two benchmarks only: a few seconds."""
    suite = load_suite(str(FIXTURES / "suites" / "tiny.yaml"))
    return run_profile(suite, device="cpu", threads=1, benchmarks=["matmul", "train_cnn"])


@pytest.fixture(scope="module")
def rec():
    return recommend(LAB, load_rules(include_user=False))


def _steady(document: dict[str, Any]) -> dict[str, Any]:
    """The run with every number steady and checked, so tests of the marks start from clean rows."""
    doc = copy.deepcopy(document)
    for record in doc["results"]:
        assert record["error"] is None, record  # the real run itself must have worked
        record.update(wide_spread=False, rel_spread=0.02, correct=True)
    return doc


def _record(doc: dict[str, Any], benchmark: str, framework: str) -> dict[str, Any]:
    return next(r for r in doc["results"] if r["benchmark"] == benchmark and r["framework"] == framework)


def _md_row(md: str, benchmark: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {benchmark} "))


def test_without_a_profile_every_format_is_unchanged(rec):
    for fmt in ("md", "html", "json", "text"):
        plain = render(rec, fmt)
        assert render(rec, fmt, profile=None, profile_path=PATH) == plain
        assert "Evidence from this machine" not in plain


def test_markdown_section_shows_environment_numbers_and_who_is_ahead(rec, document):
    doc = _steady(document)
    md = render(rec, "md", profile=doc, profile_path=PATH)
    section = md[md.index("## Evidence from this machine") :]
    # It sits with the answers' sections, before the links and the outlook.
    assert md.index("## What would change the answer") < md.index("## Evidence") < md.index("## Outlook")
    assert device_label(doc) == "cpu"
    cpu_model = doc["environment"]["cpu"]["model"]
    if cpu_model:
        assert cpu_model in section
    for fw, name in (("torch", "PyTorch"), ("tensorflow", "TensorFlow")):
        assert f"{name} {doc['workers'][fw]['framework_version']}" in section
    assert PATH in section and "Suite tiny" in section
    assert "| benchmark | shape | metric | PyTorch | TensorFlow | ahead |" in section
    for record in doc["results"]:
        assert f"{record['metric']['value']:.4g}" in section
    assert "64×64 @ 64×64" in _md_row(section, "matmul")
    for row in rows(doc):
        assert row.faster is not None
        assert f"**{row.faster_text()}**" in _md_row(section, row.benchmark)
    assert "4 of 4 numbers are steady and checked" in section


def test_a_wrong_result_is_marked_everywhere_and_not_usable(rec, document):
    doc = _steady(document)
    wrong = _record(doc, "matmul", "tensorflow")
    wrong["correct"] = False
    wrong["check"] = "max rel. error 3e-01 vs NumPy float64 (limit 1e-03)"
    value = f"{wrong['metric']['value']:.4g}"

    md = render(rec, "md", profile=doc, profile_path=PATH)
    row = _md_row(md, "matmul")
    assert f"{value}" in row and "≠ wrong result" in row
    assert "not comparable (TensorFlow result wrong)" in row
    assert "**" not in row  # nothing in the row reads as a clean win
    assert "TensorFlow matmul fp32: max rel. error 3e-01" in md  # listed under the problems

    page = render(rec, "html", profile=doc, profile_path=PATH)
    cell = re.search(r"<td[^>]*>" + re.escape(value) + r"[^<]*</td>", page)
    assert cell and "var(--bad)" in cell.group(0) and "wrong result" in cell.group(0)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "not comparable (TensorFlow result wrong)" in svg
    assert svg.count("<rect") == 1  # only train_cnn gets a bar

    summary = json.loads(render(rec, "json", profile=doc, profile_path=PATH))["profile"]
    entry = next(m for m in summary["measurements"] if m["benchmark"] == "matmul" and m["framework"] == "tensorflow")
    assert entry["correct"] is False and entry["usable"] is False

    text = render(rec, "text", profile=doc, profile_path=PATH)
    assert "≠ wrong" in text


def test_a_failed_benchmark_and_a_wide_spread_are_marked(rec, document):
    doc = _steady(document)
    failed = _record(doc, "train_cnn", "torch")
    failed.update(error="worker crashed: <b>out of memory</b> | 12 GB", metric={"name": "", "value": None})
    wide = _record(doc, "matmul", "torch")
    wide.update(wide_spread=True, rel_spread=0.4)

    md = render(rec, "md", profile=doc, profile_path=PATH)
    cnn, matmul = _md_row(md, "train_cnn"), _md_row(md, "matmul")
    assert "✗ failed" in cnn and "not comparable (PyTorch failed)" in cnn
    assert "~ unsteady" in matmul and "~ (uncertain)" in matmul and "**" not in matmul
    # The error's pipe and tag cannot break the table or inject HTML into a rendered page.
    assert "worker crashed: \\<b\\>out of memory\\</b\\> \\| 12 GB" in md
    assert len(re.findall(r"(?<!\\)\|", matmul)) == 7

    page = render(rec, "html", profile=doc, profile_path=PATH)
    assert "<b>out of memory" not in page
    assert "worker crashed: &lt;b&gt;out of memory&lt;/b&gt; | 12 GB" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "stroke-dasharray" in svg and "(uncertain)" in svg  # the unsteady bar is drawn faint and says so

    summary = json.loads(render(rec, "json", profile=doc, profile_path=PATH))["profile"]
    by_key = {(m["benchmark"], m["framework"]): m for m in summary["measurements"]}
    assert by_key[("train_cnn", "torch")]["usable"] is False
    assert by_key[("train_cnn", "torch")]["error"].startswith("worker crashed")
    assert by_key[("matmul", "torch")]["usable"] is False
    assert by_key[("matmul", "tensorflow")]["usable"] is True


def test_html_section_is_self_contained_escaped_and_has_an_accessible_chart(rec, document):
    doc = _steady(document)
    nasty = "/tmp/<script>alert(1)</script>.json"
    page = render(rec, "html", profile=doc, profile_path=nasty)
    assert "<h2>Evidence from this machine</h2>" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<link|src=|href=\"(?!https?://)|@import|url\(|<img|<iframe", page)
    assert page.count("<style>") == 1
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    assert page.count("<svg") == 1
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg  # the only URL: a namespace, never fetched
    assert not re.search(r"<image|<use|href", svg)
    assert "1x" in svg and "PyTorch faster" in svg and "TensorFlow faster" in svg
    colours = set(profile_section.BAR_COLOURS.values())
    ahead = {row.faster[0] for row in rows(doc) if row.faster}
    assert {profile_section.BAR_COLOURS[fw] for fw in ahead} <= colours
    assert all(f'fill="{profile_section.BAR_COLOURS[fw]}"' in svg for fw in ahead)
    assert svg.count("<rect") == len(rows(doc))
    for row in rows(doc):
        assert row.faster_text() in svg
        for c in row.cells.values():
            assert f"{c.value:.4g}" in page


def test_json_report_carries_the_run_on_a_copy(rec, document):
    out = json.loads(render(rec, "json", profile=document, profile_path=PATH))
    assert rec.profile is None  # the caller's (cached) recommendation is untouched
    summary = out["profile"]
    assert summary["path"] == PATH and summary["device"] == "cpu"
    assert summary["suite"] == "tiny" and summary["threads"] == 1
    assert summary["created"] == document["created"]
    assert summary["frameworks"]["torch"]["version"] == document["workers"]["torch"]["framework_version"]
    assert summary["frameworks"]["tensorflow"]["status"] == "ok"
    assert len(summary["measurements"]) == len(document["results"]) == 4
    for entry, record in zip(summary["measurements"], document["results"], strict=True):
        assert entry["benchmark"] == record["benchmark"] and entry["framework"] == record["framework"]
        assert entry["params"] == record["params"] and entry["dtype"] == record["dtype"]
        assert entry["metric"] == record["metric"]
        assert entry["rel_spread"] == record["rel_spread"]
        assert entry["usable"] is usable_as_evidence(record)


def test_text_report_appends_a_short_plain_table(rec, document):
    doc = _steady(document)
    text = render(rec, "text", profile=doc, profile_path=PATH, width=100)
    assert text.startswith(render(rec, "text", width=100).rstrip("\n"))
    section = text[text.index("Evidence from this machine") :]
    assert "\x1b[" not in section
    for row in rows(doc):
        assert row.faster_text() in section
    assert all(len(line) <= 100 for line in section.splitlines())


def test_a_run_where_a_framework_was_missing_says_so(rec, document):
    doc = copy.deepcopy(document)
    doc["workers"]["tensorflow"].update(
        status="missing_framework", error="TensorFlow is not installed", hint="pip install 'fwadvisor[tensorflow]'"
    )
    for record in doc["results"]:
        if record["framework"] == "tensorflow":
            record.update(error="TensorFlow is not installed", metric={"name": "", "value": None})
    md = profile_section.markdown_section(doc, None)
    assert "(missing framework)" in md
    assert "TensorFlow: TensorFlow is not installed. Fix: pip install" in md
    assert "saved as" not in md  # no path: the run was only in memory
    page = profile_section.html_section(doc, None)
    assert page.count("not comparable (TensorFlow failed)") >= 2  # in the chart and in the table
