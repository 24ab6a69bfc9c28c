"""At 80 columns with real runs: the profiler's environment block and table from a real run of both
frameworks fit, and the busy-machine notice goes to stderr when the output is JSON.
"""

from __future__ import annotations

import json

import pytest
from columns_helpers import WIDTHS, _cli, check_fits

from conftest import FIXTURES, run_cli
from fwadvisor.profiler.run_file import run_from_data


@pytest.mark.parametrize("width", WIDTHS)
def test_env_wraps_under_its_labels(width):
    text = _cli(width, "env")
    check_fits(text, int(width))
    labels = ("System", "CPU", "GPU", "PyTorch", "TensorFlow", "JAX", " ")
    for line in text.splitlines():
        assert line.startswith(labels), f"a line runs back to column 0: {line!r}"


def test_profile_table_fits_and_the_busy_notice_goes_to_stderr_in_json(tmp_path):
    """The real profiler on the tiny suite: its table at 80 and 60 columns (rendered from the saved run
    as `fwadvisor profile` renders it), and with --format json, stdout is the run alone."""
    suite = str(FIXTURES / "suites" / "tiny.yaml")
    args = ("profile", "--suite", suite, "--threads", "1", "--benchmark", "matmul", "--benchmark", "train_rnn")
    result = run_cli(*args, "--output", "run.json", cwd=tmp_path, env={"COLUMNS": "80", "NO_COLOR": "1"}, timeout=600)
    assert result.returncode == 0, result.stderr
    check_fits(result.stdout, 80, ["matmul", "train_rnn"])
    from fwadvisor.profiler.run_file import load_run
    from fwadvisor.report.profile_model import busy_sentences

    document = load_run(tmp_path / "run.json")
    for sentence in busy_sentences(document):  # a busy machine: said on stderr, not in the table's output
        assert " ".join(sentence.split()[:4]) in " ".join(result.stderr.split())
        assert " ".join(sentence.split()[:4]) not in " ".join(result.stdout.split())
    compared = _cli("60", "profile", "compare", "run.json", "run.json", cwd=tmp_path)
    check_fits(compared, 60, ["matmul", "train_rnn"])
    as_json = run_cli(*args, "--format", "json", cwd=tmp_path, env={"COLUMNS": "80"}, timeout=600)
    assert as_json.returncode == 0, as_json.stderr
    json.loads(as_json.stdout)  # stdout is the run alone
    document = run_from_data(json.loads(as_json.stdout))
    for sentence in busy_sentences(document):
        assert " ".join(sentence.split()[:4]) in " ".join(as_json.stderr.split())
