"""Issue 19: every CLI table and report reads at 80 columns (a terminal, or piped) and at 60.

Each command runs as a person runs it, piped, with COLUMNS set; no line may pass the width and no
cell may be cut: no word ends in "…" and every benchmark name and rule id appears whole. A URL is the
one thing allowed past the width, alone on its line: half an address opens nothing.

The runs compared and used as evidence are built in the profiler's record format (no framework runs
here), with every quick-suite benchmark so the longest names are in the tables; the real profiler's
environment and table are checked in tests/frameworks/test_80_columns_real_runs.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from columns_helpers import WIDTHS, _cli, check_fits
from rich.cells import cell_len

from conftest import FIXTURES, record_data
from fwadvisor.profiler.documents import RunDocument, encode_run
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.safe_text import is_url

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"


# Every quick-suite case with its parameters, as `fwadvisor profile` saves them, and a median in seconds.
QUICK_CASES = {
    "matmul": ({"m": 512, "n": 512, "k": 512}, "GFLOP/s", 0.024),
    "conv2d": (
        {"batch": 8, "height": 32, "width": 32, "channels_in": 32, "channels_out": 64, "kernel": 3},
        "GFLOP/s",
        0.048,
    ),
    "bandwidth": ({"megabytes": 128}, "GB/s", 0.027),
    "eager_overhead": ({"ops": 100, "size": 8}, "us/op", 0.00032),
    "train_cnn": ({"batch": 32, "image": 32, "channels": 3, "classes": 10}, "steps/s", 0.27),
    "train_rnn": ({"batch": 32, "seq_len": 32, "features": 32, "hidden": 64, "classes": 10}, "steps/s", 0.0119),
    "train_transformer": (
        {"batch": 8, "seq_len": 32, "width": 64, "heads": 4, "mlp": 256, "classes": 10},
        "steps/s",
        0.0122,
    ),
}


# Steady samples around 1.0 (a spread of well under 1%): every number is evidence.
STEADY = [1.0, 1.002, 0.998, 1.001, 0.999, 1.0, 1.003, 0.997, 1.001, 0.999, 1.0, 1.002]


def _record(framework: str, benchmark: str, scale: float) -> dict:
    params, metric, median = QUICK_CASES[benchmark]
    median *= scale
    value = 1e-6 * median if metric == "us/op" else 1 / median  # the number's size is all that matters here
    data = record_data(framework, value, benchmark=benchmark)
    samples = [median * s for s in STEADY]
    data.update(
        params=params,
        metric={"name": metric, "value": value},
        samples_s=samples,
        median_s=median,
        spread_s=median * 0.002,
        rel_spread=0.002,
        repeats=len(samples),
    )
    return data


def quick_run(scale: dict[str, float] | None = None) -> RunDocument:
    """A whole quick-suite run of both frameworks; `scale` multiplies a benchmark's times (TensorFlow's
    by 1.3, so each row has a lead)."""
    scale = scale or {}
    results = [
        _record(fw, name, scale.get(name, 1.0) * (1.3 if fw == "tensorflow" else 1.0))
        for fw in ("torch", "tensorflow")
        for name in QUICK_CASES
    ]
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 2,
            "created": "2026-12-07T10:00:00+00:00",
            "suite": {"name": "quick", "device": "cpu", "threads": 2},
            "environment": {"cpu": {"model": "Test CPU", "physical_cores": 2, "logical_cores": 2}},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": results,
        }
    )


@pytest.fixture
def runs(tmp_path: Path) -> tuple[str, str]:
    """Two saved runs, relative to tmp_path (the commands run there): the second made matmul 222x
    slower (a change of 0.0045x) and everything else a little faster."""
    first = quick_run()
    second = quick_run({"matmul": 222.0} | {name: 0.8 for name in QUICK_CASES if name != "matmul"})
    (tmp_path / "first-run.json").write_bytes(encode_run(first))
    (tmp_path / "second-run.json").write_bytes(encode_run(second))
    return "first-run.json", "second-run.json"


@pytest.mark.parametrize("width", WIDTHS)
def test_rules_list_fits_with_every_rule_id_whole(width):
    rows = json.loads(_cli(width, "rules", "list", "--format", "json"))
    text = _cli(width, "rules", "list")
    check_fits(text, int(width), [row["id"] for row in rows])
    # At 80 columns a rule takes two lines (the id, then area, effect and title), three where its
    # title is long: not the 741 lines of a table whose id column took 52 columns.
    if width == "80":
        lines = text.splitlines()
        assert len(lines) <= 1 + 3 * len(rows) + 2
        assert sum(1 for line in lines if not line.startswith(" ")) == len(rows) + 1  # an id a rule


@pytest.mark.parametrize("width", WIDTHS)
def test_profile_compare_fits_with_names_intervals_and_small_changes_whole(width, runs, tmp_path):
    first, second = runs
    text = _cli(width, "profile", "compare", first, second, cwd=tmp_path)
    check_fits(text, int(width), list(QUICK_CASES))
    # The files in the order given, the first named first.
    assert text.index("first-run.json") < text.index("second-run.json")
    # A change of 0.0045x keeps its significant digits, and its interval is whole.
    assert re.search(r"0\.004[45]x \(0\.004\d-0\.004\d\)", text), text
    assert "0.00x" not in text
    cases = [line for line in text.splitlines() if line.startswith(tuple(QUICK_CASES))]
    assert len(cases) == 2 * len(QUICK_CASES)  # a case line per benchmark and framework
    if width == "80":  # two lines a case: the case, then its numbers
        for line in cases:
            below = text.splitlines()[text.splitlines().index(line) + 1]
            assert re.search(r"\d\.\d+x \(", below), below


def test_profile_compare_names_the_first_file_first_in_the_wide_table_too(runs, tmp_path):
    first, second = runs
    text = _cli("200", "profile", "compare", first, second, cwd=tmp_path)
    assert text.index("first-run.json") < text.index("second-run.json")
    check_fits(text, 200, list(QUICK_CASES))


@pytest.mark.parametrize("width", WIDTHS)
def test_recommend_with_a_profile_keeps_the_ratio_column(width, runs, tmp_path):
    first, _second = runs
    text = _cli(width, "recommend", "--answers", str(ANSWERS), "--profile", first, cwd=tmp_path)
    check_fits(text, int(width), list(QUICK_CASES))
    table = text[text.index("  benchmark") :]
    # Every benchmark's lead and its 95% interval are shown: PyTorch is ahead in every row (1.30x).
    assert table.count("torch 1.30x") == len(QUICK_CASES), table
    assert table.count("(1.2") + table.count("(1.3") >= len(QUICK_CASES), table


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("fmt", ["text", "md"])
def test_recommend_reports_fit(width, fmt, tmp_path):
    if fmt == "md":  # Markdown is for a renderer, not a terminal: only its URLs are checked (whole)
        text = _cli(width, "recommend", "--answers", str(ANSWERS), "--format", "md")
        assert "…)" not in text
        return
    check_fits(_cli(width, "recommend", "--answers", str(ANSWERS)), int(width))


@pytest.mark.parametrize("width", WIDTHS)
def test_urls_in_text_output_are_never_broken(width):
    """Every source URL of the advice shows whole, on one line, in the text report."""
    data = json.loads(_cli(width, "recommend", "--answers", str(ANSWERS), "--format", "json"))
    urls = set(re.findall(r"https?://[^\s\"'<>)\]]+", json.dumps(data)))
    assert urls, "the advice cites no URL: nothing checked"
    text = _cli(width, "recommend", "--answers", str(ANSWERS))
    shown = {url.rstrip(".,;") for url in re.findall(r"https?://[^\s)]+", text)}
    assert any(len(url) > int(width) for url in shown), "no URL longer than a line: nothing checked"
    for url in shown:  # a URL broken across lines shows as a piece that no source cites
        assert url in urls, f"{url} is not an address the advice cites: broken?"


@pytest.mark.parametrize("width", WIDTHS)
def test_facts_fit_with_rule_ids_whole(width):
    text = _cli(width, "facts")
    rule_ids = re.findall(r"\brule ([a-z0-9][a-z0-9-]*)", text)
    assert rule_ids
    for number, line in enumerate(text.splitlines(), 1):
        if cell_len(line) > int(width):
            assert is_url(line.strip()), f"line {number} is {cell_len(line)} wide: {line!r}"
    # Guidance parts are named by an excerpt of their question ("FAQ: How should I…"): that label is
    # short by design (advisor/facts.py); a rule is named by its id, which is never cut.
    for line in text.splitlines():
        assert not re.search(r"rule [a-z0-9-]*…", line), line


@pytest.mark.parametrize("width", WIDTHS)
def test_scan_fits(width):
    project = FIXTURES / "projects" / "whisper_asr_service"
    check_fits(_cli(width, "scan", str(project), cwd=project), int(width))


@pytest.mark.parametrize("width", WIDTHS)
def test_answers_template_and_rules_check_fit(width):
    # The template is a file to edit (its lines are as the questionnaire writes them); rules check
    # prints a folder and its counts a line: both must at least not cut anything.
    assert not re.search(r"\S…", _cli(width, "answers-template"))


@pytest.mark.parametrize("width", WIDTHS)
def test_profile_table_renderer_fits(width, monkeypatch, capsys):
    """`fwadvisor profile`'s table and notes (commands.profile._render_run), for a whole quick run."""
    from fwadvisor.commands.profile import _render_run

    monkeypatch.setenv("COLUMNS", width)
    monkeypatch.setenv("NO_COLOR", "1")
    _render_run(quick_run(), "text")
    check_fits(capsys.readouterr().out, int(width), list(QUICK_CASES))


def test_piped_without_columns_is_80_wide(runs, tmp_path):
    """`fwadvisor recommend ... | less` with no COLUMNS in the environment (a shell does not export it):
    80 columns, as Rich and shutil assume for a pipe, not the 100 the report once took."""
    import os
    import subprocess
    import sys

    first, _second = runs
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    for args in (
        ["recommend", "--answers", str(ANSWERS), "--profile", first],
        ["profile", "compare", *runs],
        ["rules", "list"],
        ["facts"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "fwadvisor", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        if args == ["facts"]:  # its guidance labels are excerpts by design (test_facts_fit_with_rule_ids_whole)
            assert all(cell_len(line) <= 80 or is_url(line.strip()) for line in done.stdout.splitlines())
        else:
            check_fits(done.stdout, 80)
