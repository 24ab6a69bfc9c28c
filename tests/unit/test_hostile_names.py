"""The second hostile-input sweep (issue 20), outside text: file names with ESC sequences and
newlines, invisible and bidirectional characters, a million-character CPU model, impossible dates
read by YAML, `.yml` suites and a list of 100,001 unknown choices.

Each test runs the real CLI (or the real loader) on a file written to hurt, and checks the one
message a person sees: no raw control or invisible character, one line, the file (and line) named,
bounded in size, exit 2.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import msgspec
import pytest

from conftest import run_cli
from fwadvisor.profiler.documents import Metric, Record, RunDocument, SuiteInfo, WorkerSummary, encode_run
from fwadvisor.profiler.run_environment import CpuInfo, Environment

# C0 (but tab and newline), DEL and C1.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates, zero-width characters, the BOM, line and paragraph separators.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u2028\u2029\u00ad]")
ESC_NAME = "a\x1b[2J\x1b[31mb\nc.yaml"


def _one_clean_line(stderr: str) -> str:
    assert CONTROL.search(stderr) is None, f"a raw control character in {stderr!r}"
    assert INVISIBLE.search(stderr) is None, f"a raw invisible character in {stderr!r}"
    lines = stderr.strip("\n").split("\n")
    assert len(lines) == 1, f"one message, one line: {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]


# ---- file names reach the terminal cleaned --------------------------------------------------------


def test_an_answers_file_named_with_escape_sequences_and_a_newline_is_named_cleaned(tmp_path):
    answers = tmp_path / ESC_NAME
    answers.write_text("no_such_question: 1\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    line = _one_clean_line(result.stderr)
    assert "unknown question" in line and "c.yaml:1:" in line


def test_a_missing_answers_file_named_with_escape_sequences_is_named_cleaned(tmp_path):
    result = run_cli("recommend", "--answers", str(tmp_path / ESC_NAME))
    assert result.returncode == 2
    assert "not found" in _one_clean_line(result.stderr)


def test_a_rules_file_named_with_escape_sequences_is_named_cleaned(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / ESC_NAME).write_text("rules: 3\n", encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text("primary_goal: research\n", encoding="utf-8")
    for command in (("recommend", "--answers", str(answers), "--rules", str(folder)), ("rules", "check", str(folder))):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert CONTROL.search(result.stderr) is None, f"{command}: {result.stderr!r}"
        problems = [line for line in result.stderr.splitlines() if "c.yaml" in line]
        assert problems and all("a\ufffd[2J" in line for line in problems), result.stderr


# ---- invisible and bidirectional characters -------------------------------------------------------


def test_a_zero_width_space_in_a_key_is_shown_escaped(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("primary\u200b_goal: research\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    line = _one_clean_line(result.stderr)
    assert "'primary\\u200b_goal'" in line and "answers.yaml:1:" in line
    assert "invisible" in line


def test_a_bidirectional_override_in_a_value_is_shown_escaped(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text('primary_goal: "re\u202esearch"\n', encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    assert "'re\\u202esearch'" in _one_clean_line(result.stderr)


def _rule(rule_id: str, checked: str = "2025-01-15") -> str:
    return (
        "rules:\n"
        f"  - id: {json.dumps(rule_id)}\n"
        "    title: A rule\n"
        "    area: team\n"
        "    when: {question: team_experience, equals: pytorch}\n"
        "    effect: favor\n"
        "    framework: pytorch\n"
        "    weight: 1\n"
        "    message: A message long enough to be read.\n"
        "    evidence:\n"
        f"      - {{source: 'https://example.org', checked: {checked}}}\n"
        "    tests:\n"
        "      - {answers: {team_experience: pytorch}, fires: true}\n"
        "      - {answers: {}, fires: false}\n"
    )


def test_a_rule_id_with_a_zero_width_joiner_is_refused_saying_so(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.yaml").write_text(_rule("my\u200drule"), encoding="utf-8")
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2
    assert INVISIBLE.search(result.stderr) is None, result.stderr
    assert "U+200D" in result.stderr and "invisible" in result.stderr and "team.yaml:2" in result.stderr


def test_rule_text_with_a_bidirectional_override_reaches_no_report_raw(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.yaml").write_text(
        _rule("my-rule").replace(
            "A message long enough to be read.", "'Fast \u202eylno hcroTyP\u202c, and\u200b so on.'"
        ),
        encoding="utf-8",
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text("team_experience: pytorch\n", encoding="utf-8")
    for fmt in ("text", "md", "html"):
        result = run_cli("recommend", "--answers", str(answers), "--rules", str(folder), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert INVISIBLE.search(result.stdout) is None, fmt
        assert "\\u202e" in result.stdout, fmt


def test_a_question_or_choice_id_with_an_invisible_character_is_refused(tmp_path):
    from fwadvisor.advisor.questionnaire import load_questionnaire
    from fwadvisor.errors import InputError
    from fwadvisor.paths import builtin_rules_dir

    original = (builtin_rules_dir() / "questions.yaml").read_text(encoding="utf-8")
    for bad in (
        original.replace("- id: primary_goal", "- id: primary\u2060_goal", 1),
        original.replace("research:", "re\ufeffsearch:", 1),
    ):
        assert bad != original
        path = tmp_path / "questions.yaml"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_questionnaire.__wrapped__(path)
        message = str(caught.value)
        assert "invisible" in message and INVISIBLE.search(message) is None and caught.value.line


def test_a_benchmark_id_with_a_zero_width_space_is_shown_escaped(tmp_path):
    from fwadvisor.errors import InputError
    from fwadvisor.profiler.suites import load_suite

    suite = tmp_path / "mine.yaml"
    suite.write_text(
        'name: mine\ndescription: d\nbenchmarks:\n  - benchmark: "mat\u200bmul"\n'
        "    cpu: {params: {m: 8, n: 8, k: 8}, dtypes: [fp32]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_suite(str(suite))
    assert "mat\\u200bmul" in str(caught.value) and INVISIBLE.search(str(caught.value)) is None


# ---- a million characters of outside text ---------------------------------------------------------

HUGE = "Intel(R) Xeon(R) " + "X" * 1_000_000


def _record(framework: str) -> Record:
    return Record(
        benchmark="matmul",
        framework=framework,  # type: ignore[arg-type]
        framework_version="2.0" + "9" * 100_000,
        device="cpu",
        dtype="fp32",
        params={"m": 64, "n": 64, "k": 64},
        threads=1,
        repeats=5,
        median_s=0.01,
        spread_s=0.0001,
        rel_spread=0.01,
        samples_s=[0.01] * 5,
        metric=Metric("GFLOP/s", 50.0 if framework == "torch" else 40.0),
        correct=True,
    )


def _huge_run(root: Path) -> Path:
    document = RunDocument(
        schema_version=1,
        created="2026-12-07T00:00:00Z",
        suite=SuiteInfo(name="quick", description=HUGE, device="cpu", threads=1, benchmarks=["matmul"]),
        environment=msgspec.convert(
            {
                "hostname": HUGE,
                "os": HUGE,
                "platform": HUGE,
                "cpu": {"model": HUGE, "physical_cores": 4, "logical_cores": 8},
                "gpu": {"gpus": [{"name": HUGE, "memory_mib": 1}], "driver": HUGE},
                "frameworks": {"torch": {"installed": True, "version": HUGE}},
            },
            Environment,
        ),
        workers={
            "torch": WorkerSummary(status="ok", framework_version="2.0", stderr_tail=[HUGE]),
            "tensorflow": WorkerSummary(status="crashed", error=HUGE, hint=HUGE, stderr_tail=[HUGE]),
        },
        results=[_record("torch"), _record("tensorflow")],
    )
    path = root / "run.json"
    path.write_bytes(encode_run(document))
    return path


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_a_million_character_cpu_model_is_cut_in_every_report(tmp_path, fmt):
    run = _huge_run(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("primary_goal: research\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers), "--profile", str(run), "--format", fmt)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout) < 60_000, f"{fmt}: {len(result.stdout):,} characters"
    assert "Intel(R) Xeon(R) XXX" in result.stdout
    assert "cut" in result.stdout


def test_a_million_character_rule_message_is_cut(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.yaml").write_text(
        _rule("my-rule").replace("A message long enough to be read.", "Long" + "g" * 900_000), "utf-8"
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text("team_experience: pytorch\n", encoding="utf-8")
    for fmt in ("text", "md", "html"):
        result = run_cli("recommend", "--answers", str(answers), "--rules", str(folder), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout) < 60_000, f"{fmt}: {len(result.stdout):,} characters"
        assert "Longggg" in result.stdout and "cut" in result.stdout


# ---- impossible dates and times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("primary_goal: 2026-02-30\n", "'2026-02-30'"),
        ("primary_goal: 25:00\n", "'25:00'"),
        ("2026-02-30: research\n", "'2026-02-30'"),
        ("primary_goal: 2026-02-28 25:61:00\n", "'2026-02-28 25:61:00'"),
    ],
)
def test_an_impossible_date_or_time_in_an_answers_file_is_one_message(tmp_path, text, shown):
    answers = tmp_path / "answers.yaml"
    answers.write_text(text, encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    line = _one_clean_line(result.stderr)
    assert "answers.yaml:1:" in line and shown in line


def test_an_impossible_checked_date_in_a_rule_names_file_and_line(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.yaml").write_text(_rule("my-rule", checked="2026-02-30"), encoding="utf-8")
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "team.yaml:11:" in result.stderr and "got `2026-02-30`: there is no such day" in result.stderr


@pytest.mark.parametrize("name", ["2026-02-30", "25:00", "2026-02-28T99:00:00"])
def test_an_impossible_date_as_a_suite_name_is_one_message(tmp_path, name):
    suite = tmp_path / "mine.yaml"
    suite.write_text(
        f"name: {name}\ndescription: d\nbenchmarks:\n  - benchmark: matmul\n"
        "    cpu: {params: {m: 8, n: 8, k: 8}, dtypes: [fp32]}\n",
        encoding="utf-8",
    )
    from fwadvisor.errors import InputError
    from fwadvisor.profiler.suites import load_suite

    if name == "2026-02-30":  # a valid suite name, kept as written
        assert load_suite(str(suite)).name == name
        return
    with pytest.raises(InputError) as caught:
        load_suite(str(suite))
    assert caught.value.line == 1 and name in str(caught.value)


def test_a_saved_interview_with_an_impossible_date_loads_the_rest():
    import os

    from fwadvisor.advisor.questionnaire import load_answers_keeping

    saved = Path(os.environ["FWADVISOR_DATA_DIR"]) / "answers.yaml"
    saved.parent.mkdir(parents=True)
    saved.write_text("primary_goal: research\nteam_experience: 2026-02-30\n", encoding="utf-8")
    answers, problems = load_answers_keeping(saved)
    assert answers == {"primary_goal": "research"}
    assert "answers.yaml:2" in problems[0] and "2026-02-30" in problems[0]


# ---- `.yml` suites --------------------------------------------------------------------------------

SUITE = (
    "name: mine\ndescription: d\nbenchmarks:\n  - benchmark: matmul\n"
    "    cpu: {params: {m: 8, n: 8, k: 8}, dtypes: [fp32]}\n"
)


def test_a_yml_suite_in_the_profiles_folder_is_found_by_name():
    import os

    from fwadvisor.profiler.suites import load_suite, suite_paths

    folder = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    folder.mkdir(parents=True)
    (folder / "mine.yml").write_text(SUITE, encoding="utf-8")
    assert suite_paths()["mine"] == folder / "mine.yml"
    assert load_suite("mine").name == "mine"


def test_a_suite_given_as_both_yaml_and_yml_is_refused_naming_both():
    import os

    from fwadvisor.errors import InputError
    from fwadvisor.profiler.suites import load_suite

    folder = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    folder.mkdir(parents=True)
    (folder / "mine.yml").write_text(SUITE, encoding="utf-8")
    (folder / "mine.yaml").write_text(SUITE, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_suite("mine")
    assert "mine.yaml" in str(caught.value) and "mine.yml" in str(caught.value)


# ---- a long list of unknown choices ---------------------------------------------------------------


def test_a_list_of_100001_unknown_choices_says_how_many_and_what_is_allowed(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("domains: [" + ", ".join(f"x{i}" for i in range(100_001)) + "]\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    line = _one_clean_line(result.stderr)
    assert "alias" not in line
    assert "100,001" in line and "'x0', 'x1', 'x2'" in line and "'x99'" not in line
    assert "vision" in line and len(line) < 800


@pytest.mark.parametrize("content, code", [(_rule("my-rule"), 0), ("rules: [\n", 2)], ids=["valid", "bad"])
def test_a_rules_file_whose_name_is_not_utf8_is_read_twice_and_named_escaped(tmp_path, content, code):
    # A file name is bytes: `bad\xff.yaml` was a UnicodeEncodeError traceback in the parse cache's key.
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / os.fsdecode(b"bad\xff.yaml")).write_text(content, encoding="utf-8")
    for attempt in ("parsed", "from the parse cache"):
        result = run_cli("rules", "check", str(folder))
        assert result.returncode == code, (attempt, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr, attempt
    if code == 2:
        assert "bad\\udcff.yaml:2" in result.stdout + result.stderr


def _run_on_cpu(root: Path, name: str, cpu_model: str) -> Path:
    document = RunDocument(
        schema_version=1,
        created="2026-12-07T00:00:00Z",
        suite=SuiteInfo(name="quick", device="cpu", threads=1, benchmarks=["matmul"]),
        environment=Environment(cpu=CpuInfo(model=cpu_model, physical_cores=4, logical_cores=8)),
        workers={"torch": WorkerSummary(status="ok", framework_version="2.0")},
        results=[msgspec.structs.replace(_record("torch"), framework_version="2.0")],
    )
    path = root / name
    path.write_bytes(encode_run(document))
    return path


def test_compare_names_a_different_cpu_as_text_never_as_markup(tmp_path):
    # Runs from two CPUs are not like for like (compare said nothing); the model is outside text.
    first = _run_on_cpu(tmp_path, "a.json", "AMD EPYC 7B13")
    second = _run_on_cpu(tmp_path, "b.json", "[red]cpu\u202ex[/red]")
    result = run_cli("profile", "compare", str(first), str(second), env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "different CPU models" in result.stdout, result.stdout
    assert "[red]cpu\\u202ex[/red]" in result.stdout and "AMD EPYC 7B13" in result.stdout, result.stdout
    assert INVISIBLE.search(result.stdout) is None
