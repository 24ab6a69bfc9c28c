"""Issue 23: every report and `fwadvisor profile`'s table with two or three frameworks.

The three-framework run is REAL (tests/fixtures/runs/real-tiny-cpu-3fw.json: the tiny suite on this
project's CPU with PyTorch, TensorFlow and JAX); the "not supported here" run is that run with its JAX
records turned into the records a device without a JAX path gets, and a hostile reason. Nothing here
starts a framework: the CLI renders saved runs.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from columns_helpers import check_fits

from conftest import FIXTURES, run_cli
from fwadvisor.profiler.documents import encode_run
from fwadvisor.profiler.records import unsupported_record
from fwadvisor.profiler.run_file import load_run, run_from_data
from fwadvisor.report.columns import PAIR, legend, shown_frameworks
from fwadvisor.report.html import evidence_html
from fwadvisor.report.json import profile_summary
from fwadvisor.report.markdown import evidence_markdown
from fwadvisor.report.model import EvidenceSection
from fwadvisor.report.profile_model import build_evidence
from fwadvisor.report.profile_table import MARKS_LEGEND, problems, rows
from fwadvisor.report.text import evidence_lines

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"
THREE = FIXTURES / "runs" / "real-tiny-cpu-3fw.json"
TWO = FIXTURES / "runs" / "real-tiny-cpu.json"
HOSTILE = "no path [bold]here[/] <script>alert(1)</script> \x1b[31mred\x1b[0m *star* | pipe"
PAIR_LABELS = ("torch>TF", "torch>JAX", "JAX>torch", "TF>JAX", "JAX>TF", "TF>torch")


def _recommend(fmt: str, run: Path, width: str = "80") -> str:
    done = run_cli(
        "recommend", "--answers", str(ANSWERS), "--profile", str(run), "--format", fmt, env={"COLUMNS": width}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _evidence(text: str) -> str:
    return text[text.index("Evidence from") :]


def _section(run: Path) -> EvidenceSection:
    return build_evidence(load_run(run), run)


def _text(run: Path, width: int) -> str:
    """The evidence section as `recommend --format text` lays it out, in this process (fast)."""
    return "\n".join(evidence_lines(_section(run), width))


def _unsupported_run(tmp_path: Path) -> Path:
    """The real run, its JAX cases "not supported here" with a hostile reason, as the session saves them."""
    document = copy.deepcopy(load_run(THREE))
    results = [
        unsupported_record(r.benchmark, "jax", HOSTILE, device="cpu", params=r.params, dtype=r.dtype)
        if r.framework == "jax"
        else r
        for r in document.results
    ]
    worker = msgspec.structs.replace(document.workers["jax"], status="not_supported", error=HOSTILE)
    document = msgspec.structs.replace(document, results=results, workers={**document.workers, "jax": worker})
    path = tmp_path / "unsupported.json"
    path.write_bytes(encode_run(document))
    return path


def test_the_three_framework_run_has_every_pair_on_every_row() -> None:
    document = load_run(THREE)
    assert shown_frameworks(document) == ("torch", "tensorflow", "jax")
    table = rows(document)
    assert table and all(len(row.pair_leads()) == 3 for row in table)  # every result of the fixture checks out
    for row in table:
        assert row.faster is not None and row.interval == row.pair_leads()[0].interval
        assert [line.split(" ")[0] in PAIR_LABELS for line in row.faster_text(short=True).splitlines()] == [True] * 3


def test_text_report_shows_three_columns_and_named_pairs_at_80_and_60_columns() -> None:
    for width, text in ((80, _evidence(_recommend("text", THREE))), (60, _text(THREE, 60))):
        check_fits(text, width, ["eager_overhead", "train_rnn"])
        assert "JAX" in text and "torch>JAX" in text
        assert "in all three" in text and "what the three frameworks shared" in text
    assert "torch>TF 1.29x: PyTorch ran 1.29 times as fast as TensorFlow" in " ".join(text.split())


def test_markdown_html_and_json_reports_with_three_frameworks() -> None:
    markdown = evidence_markdown(_section(THREE))
    assert "| PyTorch | TensorFlow | JAX | ahead |" in markdown
    matmul = next(line for line in markdown.splitlines() if line.startswith("| matmul fp32 |"))
    assert matmul.count("<br>") == 2 and "torch\\>JAX" in matmul  # ">" escaped, as every Markdown cell
    page = _recommend("html", THREE)
    assert "<th>JAX</th>" in page
    for chart in ('id="fw-chart-title"', 'id="fw-chart-torch-jax-title"', 'id="fw-chart-tensorflow-jax-title"'):
        assert chart in page
    assert "JAX faster" in page and "white-space:nowrap" in page
    data = json.loads(_recommend("json", THREE))["profile"]
    table = rows(load_run(THREE))
    assert len(data["pairs"]) == sum(len(row.pair_leads()) for row in table)
    assert len(data["comparisons"]) == len(table)  # PyTorch against TensorFlow, as before
    assert {m["framework"] for m in data["measurements"]} == {"torch", "tensorflow", "jax"}
    first = data["pairs"][0]
    lead = table[0].pair_leads()[0]
    assert (first["ahead"], first["behind"], first["ratio"]) == (lead.ahead, lead.behind, pytest.approx(lead.ratio))


def test_profile_table_with_three_frameworks_fits(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from fwadvisor.commands.profile import _render_run

    monkeypatch.setenv("NO_COLOR", "1")
    for width in ("80", "60"):
        monkeypatch.setenv("COLUMNS", width)
        _render_run(load_run(THREE), "text")
        out = capsys.readouterr().out
        check_fits(out, int(width), ["eager_overhead", "train_rnn"])
        assert "JAX" in out and out.count("torch>TF") >= len(rows(load_run(THREE)))


def test_not_supported_here_is_a_result_with_its_reason_escaped(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    from fwadvisor.commands.profile import _render_run

    run = _unsupported_run(tmp_path)
    document = load_run(run)
    assert not any("no path" in line for line in problems(document))  # never a failure
    assert all(row.pair_leads()[0].pair == ("torch", "tensorflow") for row in rows(document))
    assert "⊘ not supported here" in legend(shown_frameworks(document), rows(document))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    _render_run(document, "text")
    table = capsys.readouterr().out
    assert "⊘ not" in table and "JAX: not supported here: no path [bold]here[/] <script>" in table
    assert "\x1b" not in table
    text = _text(run, 80)
    check_fits(text, 80)
    assert "⊘ not supported" in text and "\x1b" not in text and "JAX: not supported here: no path" in text
    markdown = evidence_markdown(_section(run))
    assert "⊘ not supported" in markdown and "<script>" not in markdown and "\x1b" not in markdown
    page = evidence_html(_section(run))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page and "\x1b" not in page
    data = json.loads(_recommend("json", run))["profile"]
    jax = [m for m in data["measurements"] if m["framework"] == "jax"]
    assert jax and all(m["status"] == "unsupported" and "\x1b" not in m["unsupported"] for m in jax)
    assert all(pair["ahead"] != "jax" and pair["behind"] != "jax" for pair in data["pairs"])


def test_two_frameworks_keep_their_columns_legend_and_json() -> None:
    document = load_run(TWO)
    assert shown_frameworks(document) == PAIR
    assert legend(PAIR, rows(document)) == MARKS_LEGEND
    assert "pairs" not in profile_summary(document, TWO)
    # A run of PyTorch alone still shows both columns, as it always has.
    alone = json.loads(TWO.read_text())
    alone["results"] = [r for r in alone["results"] if r["framework"] == "torch"]
    alone["workers"] = {"torch": alone["workers"]["torch"]}
    assert shown_frameworks(run_from_data(alone)) == PAIR


def test_framework_choices_name_jax() -> None:
    done = run_cli("profile", "--framework", "mxnet")
    assert done.returncode == 2 and "'jax'" in done.stderr
    assert "JAX where installed" in " ".join(run_cli("profile", "--help").stdout.split())


def test_profile_compare_says_not_supported_here_never_failed(tmp_path: Path) -> None:
    from fwadvisor.profiler.compare import compare_documents

    result = compare_documents(load_run(THREE), load_run(_unsupported_run(tmp_path)))
    jax = [row for row in result.rows if row.framework == "jax"]
    assert jax and all(row.ratio is None and row.note == "not supported here in the second run" for row in jax)
    assert "JAX ran in the first run only" in result.warnings
    assert not any("precision flags differ" in warning for warning in result.warnings)
