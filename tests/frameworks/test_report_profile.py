"""The report's "Evidence from this machine" section, from a real profile run, in every format."""

from __future__ import annotations

import copy
import json
import re

import msgspec
import pytest
from practice_runs import evidence_html, evidence_markdown

from conftest import FIXTURES
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.frameworks import identity
from fwadvisor.profiler.documents import Metric, Record, RunDocument, usable_as_evidence
from fwadvisor.report.profile_table import device_label, rows
from fwadvisor.report.render import render

LAB = load_answers(FIXTURES / "answers" / "good_research_lab.yaml")
PATH = "/runs/profile-test.json"


@pytest.fixture(scope="module")
def real_run(real_quick_run) -> RunDocument:
    """The session's one real run (tests/conftest.py), narrowed to the two benchmarks these tests count on."""
    kept = [r for r in real_quick_run.results if r.benchmark in ("matmul", "train_cnn")]
    suite = msgspec.structs.replace(real_quick_run.suite, benchmarks=["matmul", "train_cnn"])
    return msgspec.structs.replace(copy.deepcopy(real_quick_run), results=copy.deepcopy(kept), suite=suite)


@pytest.fixture(scope="module")
def rec():
    return recommend(LAB, load_rules(include_user=False))


def _copy(document: RunDocument) -> RunDocument:
    """A deep copy the test may change (the module's real run stays as it was measured)."""
    return msgspec.convert(msgspec.to_builtins(document), RunDocument)


def _steady(document: RunDocument) -> RunDocument:
    """The run with every number steady, checked and measured on a quiet machine, so tests of the
    marks start from clean rows (a real run on a shared 2-core host can come back busy)."""
    doc = _copy(document)
    for record in doc.results:
        assert record.error is None, record  # the real run itself must have worked
        record.wide_spread, record.unsteady, record.rel_spread, record.correct = False, False, 0.02, True
        record.machine_busy, record.busy_reason = False, None
    return doc


def _record(doc: RunDocument, benchmark: str, framework: str) -> Record:
    return next(r for r in doc.results if r.benchmark == benchmark and r.framework == framework)


def _md_row(md: str, benchmark: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {benchmark} "))


def test_without_a_profile_every_format_is_unchanged(rec):
    for fmt in ("md", "html", "json", "text"):
        plain = render(rec, fmt)
        assert render(rec, fmt, profile=None, profile_path=PATH) == plain
        assert "Evidence from this machine" not in plain


def test_markdown_section_shows_environment_numbers_and_who_is_ahead(rec, real_run):
    doc = _steady(real_run)
    md = render(rec, "md", profile=doc, profile_path=PATH)
    section = md[md.index("## Evidence from this machine") :]
    # It sits with the answers' sections, before the links and the outlook.
    assert md.index("## What would change the answer") < md.index("## Evidence") < md.index("## Outlook")
    assert device_label(doc) == "cpu"
    cpu_model = doc.environment.cpu.model
    if cpu_model:
        assert cpu_model in section
    for fw, name in (("torch", "PyTorch"), ("tensorflow", "TensorFlow")):
        assert f"{name} {doc.workers[fw].framework_version}" in section
    assert PATH in section and "Suite tiny" in section
    assert "| benchmark | shape | metric | PyTorch | TensorFlow | ahead |" in section
    for record in doc.results:
        assert f"{record.metric.value:.4g}" in section
    assert "64×64 @ 64×64" in _md_row(section, "matmul")
    for row in rows(doc):
        assert row.faster is not None
        assert f"**{row.faster_text()}**" in _md_row(section, row.benchmark)
    assert "4 of 4 numbers are steady and checked" in section


def test_a_wrong_result_is_marked_everywhere_and_not_usable(rec, real_run):
    doc = _steady(real_run)
    wrong = _record(doc, "matmul", "tensorflow")
    wrong.correct = False
    wrong.check = "max rel. error 3e-01 vs NumPy float64 (limit 1e-03)"
    value = f"{wrong.metric.value:.4g}"

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


def test_a_failed_benchmark_and_a_wide_spread_are_marked(rec, real_run):
    doc = _steady(real_run)
    failed = _record(doc, "train_cnn", "torch")
    failed.error, failed.metric = "worker crashed: <b>out of memory</b> | 12 GB", Metric("", None)
    wide = _record(doc, "matmul", "torch")
    wide.wide_spread, wide.unsteady, wide.rel_spread = True, True, 0.4

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


def test_html_section_is_self_contained_escaped_and_has_an_accessible_chart(rec, real_run):
    doc = _steady(real_run)
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
    ahead = {row.faster[0] for row in rows(doc) if row.faster}
    assert all(f'fill="{identity(fw).hex_colour}"' in svg for fw in ahead)
    assert svg.count("<rect") == len(rows(doc))
    for row in rows(doc):
        assert row.faster_text() in svg
        for c in row.cells.values():
            assert f"{c.value:.4g}" in page


def test_json_report_carries_the_run_on_a_copy(rec, real_run):
    out = json.loads(render(rec, "json", profile=real_run, profile_path=PATH))
    assert rec.profile is None  # the caller's (cached) recommendation is untouched
    summary = out["profile"]
    assert summary["path"] == PATH and summary["device"] == "cpu"
    assert summary["suite"] == "tiny" and summary["threads"] == 1
    assert summary["created"] == real_run.created
    assert summary["frameworks"]["torch"]["version"] == real_run.workers["torch"].framework_version
    assert summary["frameworks"]["tensorflow"]["status"] == "ok"
    assert len(summary["measurements"]) == len(real_run.results) == 4
    for entry, record in zip(summary["measurements"], real_run.results, strict=True):
        assert entry["benchmark"] == record.benchmark and entry["framework"] == record.framework
        assert entry["params"] == record.params and entry["dtype"] == record.dtype
        assert entry["metric"] == msgspec.to_builtins(record.metric)
        assert entry["rel_spread"] == record.rel_spread
        assert entry["usable"] is usable_as_evidence(record)


def test_text_report_appends_a_short_plain_table(rec, real_run):
    doc = _steady(real_run)
    text = render(rec, "text", profile=doc, profile_path=PATH, width=100)
    assert text.startswith(render(rec, "text", width=100).rstrip("\n"))
    section = text[text.index("Evidence from this machine") :]
    assert "\x1b[" not in section
    for row in rows(doc):
        assert row.faster_text(short=True) in section  # the text table's compact form ("≈" within noise)
    assert all(len(line) <= 100 for line in section.splitlines())


def test_a_run_where_a_framework_was_missing_says_so(rec, real_run):
    doc = _copy(real_run)
    worker = doc.workers["tensorflow"]
    worker.status, worker.error = "missing_framework", "TensorFlow is not installed"
    worker.hint = "pip install 'fwadvisor[tensorflow]'"
    for record in doc.results:
        if record.framework == "tensorflow":
            record.error, record.metric = "TensorFlow is not installed", Metric("", None)
    md = evidence_markdown(doc, None)
    assert "(missing framework)" in md
    assert "TensorFlow: TensorFlow is not installed. Fix: pip install" in md
    assert "saved as" not in md  # no path: the run was only in memory
    page = evidence_html(doc, None)
    assert page.count("not comparable (TensorFlow failed)") >= 2  # in the chart and in the table
