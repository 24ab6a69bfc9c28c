"""Outside text in every report format and in `rules list`: rule text and profile runs written to hurt.

A user rules folder and a saved profile run carry Rich markup, paths in brackets, ESC and CSI
sequences, raw HTML and `javascript:` links. Each format must print them as text: no crash, no raw
control character, no executable HTML or Markdown, links only to http(s), and every word still
there (escaped, not dropped). The JSON report stays data: the same strings, as valid JSON.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import msgspec
import pytest

from conftest import run_cli
from fwadvisor.profiler.documents import Metric, Record, RunDocument, SuiteInfo, WorkerSummary, encode_run
from fwadvisor.profiler.environment import host_info
from fwadvisor.profiler.run_environment import Environment

# Everything a careless or hostile text can hold, in one string.
HOSTILE = (
    "[bold]x[/] [/usr/lib/x] \x1b[2J \x9b31m <script>alert(1)</script> "
    "<img src=x onerror=alert(1)> [link](javascript:alert(1))"
)
# The same in a YAML double-quoted scalar (YAML reads \e and \x9b as the control characters).
HOSTILE_YAML = json.dumps(HOSTILE, ensure_ascii=True).replace("\\u001b", "\\e").replace("\\u009b", "\\x9b")
JS_SOURCE = "javascript:alert(document.cookie)"
ODD_HTTP_SOURCE = 'https://example.org/a b)"<script>alert(1)</script>'
REPLACED_ID = "hf-transformers-v5-pytorch-only"
# C0 (but tab and newline), DEL and C1: none of these may reach a terminal or a report.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMATS = ("text", "md", "html", "json")


def _rules_folder(root: Path) -> Path:
    folder = root / "rules"
    folder.mkdir()
    evidence = (
        f"      - {{source: {json.dumps(JS_SOURCE)}, checked: 2025-01-15}}\n"
        f"      - {{source: {json.dumps(ODD_HTTP_SOURCE)}, checked: 2025-01-15}}\n"
        f"      - {{source: {HOSTILE_YAML}, checked: 2025-01-15}}\n"
    )
    (folder / "team.yaml").write_text(
        "rules:\n"
        "  - id: hostile-favour\n"
        f"    title: {HOSTILE_YAML}\n"
        "    area: team\n"
        "    when: {question: team_experience, equals: pytorch}\n"
        "    effect: favor\n"
        "    framework: pytorch\n"
        "    weight: 1\n"
        f"    message: {HOSTILE_YAML}\n"
        "    evidence:\n" + evidence + "    tests:\n"
        "      - {answers: {team_experience: pytorch}, fires: true}\n"
        "      - {answers: {}, fires: false}\n"
        "  - id: hostile-caveat\n"
        f"    title: {HOSTILE_YAML}\n"
        "    area: team\n"
        "    when: {question: team_experience, equals: pytorch}\n"
        "    effect: caveat\n"
        "    framework: tensorflow\n"
        f"    message: {HOSTILE_YAML}\n"
        "    evidence:\n" + evidence + "    tests:\n"
        "      - {answers: {team_experience: pytorch}, fires: true}\n"
        "      - {answers: {}, fires: false}\n"
        f"  - id: {REPLACED_ID}\n"
        "    title: Our own take\n"
        "    area: ecosystem\n"
        "    when: {question: model_sources, includes: huggingface}\n"
        "    effect: caveat\n"
        f"    message: {HOSTILE_YAML}\n"
        "    evidence:\n" + evidence + "    tests:\n"
        "      - {answers: {model_sources: [huggingface]}, fires: true}\n"
        "      - {answers: {}, fires: false}\n",
        encoding="utf-8",
    )
    return folder


def _answers(root: Path) -> Path:
    path = root / "answers.yaml"
    path.write_text("team_experience: pytorch\nmodel_sources: [huggingface]\nprimary_goal: research\n", "utf-8")
    return path


def _record(benchmark: str, framework: str, **fields: object) -> Record:
    fields = {"correct": True, **fields}
    return Record(
        benchmark=benchmark,
        framework=framework,  # type: ignore[arg-type]
        framework_version=HOSTILE,
        device="cpu",
        dtype="fp32",
        params={"m": 64, "n": 64, "k": 64, HOSTILE: HOSTILE},
        threads=1,
        repeats=5,
        median_s=0.01,
        spread_s=0.0001,
        rel_spread=0.01,
        samples_s=[0.01] * 5,
        metric=Metric("GFLOP/s", 50.0 if framework == "torch" else 40.0),
        **fields,  # type: ignore[arg-type]
    )


def _run(root: Path, environment: dict[str, Any]) -> Path:
    """A saved run whose suite, benchmark names, errors and environment strings are hostile."""
    document = RunDocument(
        schema_version=1,
        created=HOSTILE,
        suite=SuiteInfo(name=HOSTILE, description=HOSTILE, device="cpu", threads=1, benchmarks=[HOSTILE]),
        environment=msgspec.convert(environment, Environment),
        workers={
            "torch": WorkerSummary(status="ok", framework_version=HOSTILE, stderr_tail=[HOSTILE]),
            "tensorflow": WorkerSummary(
                status="crashed", error=HOSTILE, hint=f"pip install 'fwadvisor[tensorflow]' {HOSTILE}"
            ),
        },
        results=[
            _record("matmul", "torch"),
            _record("matmul", "tensorflow"),
            _record(HOSTILE, "torch"),
            _record(HOSTILE, "tensorflow", error=HOSTILE, correct=None),
            _record("conv2d", "torch", correct=False, check=HOSTILE),
            _record("conv2d", "tensorflow", skipped=HOSTILE, correct=None),
        ],
    )
    root.mkdir(parents=True, exist_ok=True)
    path = root / "run.json"
    path.write_bytes(encode_run(document))
    return path


HOSTILE_ENVIRONMENT: dict[str, Any] = {
    "hostname": HOSTILE,
    "os": HOSTILE,
    "platform": HOSTILE,
    "cpu": {"model": HOSTILE, "physical_cores": 4, "logical_cores": 8},
    "frameworks": {"torch": {"installed": True, "version": HOSTILE}},
}


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    return {
        "rules": _rules_folder(tmp_path),
        "answers": _answers(tmp_path),
        "run": _run(tmp_path, HOSTILE_ENVIRONMENT),
    }


def _assert_no_controls(output: str, where: str) -> None:
    found = CONTROL.search(output)
    assert found is None, f"{where}: raw control character {found.group()!r} at {found.start()}"


def _assert_safe_markdown(md: str) -> None:
    assert re.search(r"(?<!\\)<", md) is None, "a raw '<' in Markdown starts HTML"
    for match in re.finditer(r"(?<!\\)\]\(([^)]*)\)", md):
        assert match.group(1).startswith(("https://", "http://")), f"a Markdown link to {match.group(1)!r}"
    assert re.search(r"(?<!\\)\]\(javascript", md) is None


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _assert_safe_html(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "iframe", "object", "embed", "image", "use"), f"a <{tag}> element"
        for name, value in attrs:
            assert not name.startswith("on"), f"an event handler {name}={value!r} on <{tag}>"
            if name in ("href", "src", "xlink:href"):
                assert (value or "").startswith(("https://", "http://")), f"a link to {value!r}"


def _recommend(hostile: dict[str, Path], fmt: str, *extra: str) -> str:
    result = run_cli(
        "recommend",
        "--answers",
        str(hostile["answers"]),
        "--rules",
        str(hostile["rules"]),
        "--format",
        fmt,
        *extra,
        env={"NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    _assert_no_controls(result.stdout, f"recommend --format {fmt} {' '.join(extra)}")
    _assert_no_controls(result.stderr, f"recommend --format {fmt} (stderr)")
    return result.stdout


@pytest.mark.parametrize("with_run", [False, True], ids=["answers", "with-run"])
def test_every_report_format_shows_hostile_rule_and_run_text_as_text(hostile, with_run):
    extra = ("--profile", str(hostile["run"])) if with_run else ()
    outputs = {fmt: _recommend(hostile, fmt, *extra) for fmt in FORMATS}

    text = outputs["text"]
    # The text report is plain: brackets print as written, nothing is read as markup.
    assert "[bold]x[/] [/usr/lib/x]" in text and "<script>alert(1)</script>" in text
    assert "\ufffd[2J" in text  # the ESC is shown as a replacement mark, not sent

    md = outputs["md"]
    _assert_safe_markdown(md)
    assert "\\[bold\\]x\\[/\\] \\[/usr/lib/x\\]" in md
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "\\[link\\](javascript:alert(1))" in md  # shown, never a link
    assert JS_SOURCE in md  # the source is kept as text

    page = outputs["html"]
    _assert_safe_html(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "[bold]x[/] [/usr/lib/x]" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page

    data = json.loads(outputs["json"])  # valid JSON, the strings kept as data
    caveat = next(c for c in data["caveats"] if c["rule"] == "hostile-caveat")
    assert caveat["message"] == " ".join(HOSTILE.split())
    assert {e["source"] for e in caveat["evidence"]} >= {JS_SOURCE, ODD_HTTP_SOURCE}
    if with_run:
        assert data["profile"]["suite"] == HOSTILE
        for fmt in ("text", "md"):
            assert "alert(1)" in outputs[fmt].split("Evidence from")[1]


def test_an_http_source_with_odd_characters_is_a_safe_link(hostile):
    md = _recommend(hostile, "md")
    assert "(https://example.org/a%20b%29%22%3Cscript%3Ealert%281%29%3C/script%3E)" in md
    page = _recommend(hostile, "html")
    assert 'href="https://example.org/a%20b%29%22%3Cscript%3Ealert%281%29%3C/script%3E"' in page


def test_rules_list_prints_hostile_titles_as_text(hostile):
    listing = run_cli("rules", "list", "--rules", str(hostile["rules"]), env={"COLUMNS": "400"})
    assert listing.returncode == 0, listing.stderr
    assert "Traceback" not in listing.stderr
    _assert_no_controls(listing.stdout, "rules list")
    assert "[bold]x[/] [/usr/lib/x]" in listing.stdout and "<script>alert(1)</script>" in listing.stdout
    assert f"Replaced by your rules: {REPLACED_ID}" in listing.stdout

    as_json = run_cli("rules", "list", "--rules", str(hostile["rules"]), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    _assert_no_controls(as_json.stdout, "rules list --format json")
    rows = {row["id"]: row for row in json.loads(as_json.stdout)}
    assert rows["hostile-favour"]["title"] == HOSTILE
    assert rows[REPLACED_ID]["replaces"] is True and rows["hostile-favour"]["replaces"] is False


def test_rules_check_prints_no_control_characters(hostile):
    checked = run_cli("rules", "check", str(hostile["rules"]))
    assert "Traceback" not in checked.stderr
    _assert_no_controls(checked.stdout + checked.stderr, "rules check")


def test_every_format_names_the_built_in_rules_your_rules_replaced(hostile):
    for fmt in ("text", "md", "html"):
        output = _recommend(hostile, fmt)
        flat = " ".join(output.replace("│", " ").split())
        assert f"Rules replaced by your own: {REPLACED_ID}" in flat, fmt
    assert json.loads(_recommend(hostile, "json"))["replaced_rules"] == [REPLACED_ID]
    # Without a replacement, nothing is said.
    plain = run_cli("recommend", "--answers", str(hostile["answers"]), "--format", "json")
    assert "replaced_rules" not in json.loads(plain.stdout)


def test_a_run_from_another_machine_says_whose_machine_it_was(hostile, tmp_path):
    other = _run(tmp_path / "other", {"cpu": {"model": "Test CPU 9000", "logical_cores": 3}, "os": "Plan9 4"})
    for fmt in ("text", "md", "html"):
        output = _recommend(hostile, fmt, "--profile", str(other))
        assert "Evidence from this machine" not in output, fmt
        assert "Evidence from the machine the run was made on (Test CPU 9000" in output, fmt
    summary = json.loads(_recommend(hostile, "json", "--profile", str(other)))["profile"]
    assert summary["this_machine"] is False and "Test CPU 9000" in summary["machine"]

    # The hostile run's machine is named too, as text.
    md = _recommend(hostile, "md", "--profile", str(hostile["run"]))
    assert "## Evidence from the machine the run was made on (" in md


def test_a_run_from_this_machine_says_so(hostile, tmp_path):
    here = _run(tmp_path / "here", msgspec.to_builtins(host_info()))
    for fmt in ("text", "md", "html"):
        assert "Evidence from this machine" in _recommend(hostile, fmt, "--profile", str(here)), fmt
    assert json.loads(_recommend(hostile, "json", "--profile", str(here)))["profile"]["this_machine"] is True


def test_a_run_that_does_not_say_where_it_was_made_never_claims_this_machine(hostile, tmp_path):
    unnamed = _run(tmp_path / "unnamed", {})
    for fmt in ("text", "md", "html"):
        output = _recommend(hostile, fmt, "--profile", str(unnamed))
        assert "Evidence from the machine the run was made on (the run does not record which)" in output, fmt
    summary = json.loads(_recommend(hostile, "json", "--profile", str(unnamed)))["profile"]
    assert summary["this_machine"] is None and summary["machine"] is None
