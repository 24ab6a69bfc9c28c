"""`fwadvisor profile merge`: many nodes' saved runs as one fleet report (fleet/merge.py, report/fleet_*).

Hand-made runs (the profiler's own record format, loaded as saved runs are) say exactly which node is
the straggler, which is busy, which differs; a real saved run (tests/fixtures/runs/real-tiny-cpu.json,
a tiny-suite CPU run of both frameworks) goes through the CLI as three nodes of a fleet folder.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from columns_helpers import check_fits

from conftest import FIXTURES, record_data, run_cli
from fwadvisor.errors import InputError
from fwadvisor.fleet.merge import load_runs, merge_runs, missing_node
from fwadvisor.fleet.model import FLEET_KIND, FleetReport
from fwadvisor.profiler.documents import Expected, Metric, RunDocument, encode_run
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.fleet_render import render_fleet

REAL_RUN = FIXTURES / "runs" / "real-tiny-cpu.json"
HOSTILE = "evil\x1b[2J\x9b31m[bold]<script>x</script>*em*|host\u202e"


def _run(
    host: str,
    *,
    matmul: dict[str, float] | None = None,
    overhead: dict[str, float] | None = None,
    version: str = "2.13.0",
    threads: int = 4,
    suite: str = "quick",
    busy: bool = False,
) -> RunDocument:
    """A saved run of one node: matmul (GFLOP/s, higher is better) and eager_overhead (us/op, lower
    is better) per framework, as given."""
    records: list[dict[str, Any]] = []
    for framework, value in (matmul or {}).items():
        records.append(record_data(framework, value, version=version))
    for framework, value in (overhead or {}).items():
        record = record_data(framework, value, benchmark="eager_overhead", version=version)
        record.update(params={"ops": 20, "size": 8}, metric={"name": "us/op", "value": value})
        records.append(record)
    if busy:
        records[0].update(machine_busy=True, busy_reason="other processes used 180% CPU during this case")
    data = {
        "schema_version": 2,
        "kind": "fwadvisor-profile",
        "created": "2026-12-07T10:00:00+00:00",
        "suite": {"name": suite, "device": "cpu", "threads": threads},
        "environment": {"hostname": host, "cpu": {"model": "Test CPU"}},
        "results": records,
    }
    return run_from_data(data)


def _flat(text: str) -> str:
    """Text with its line wrapping undone, to find a sentence in it."""
    return " ".join(text.split())


def _case(report: FleetReport, benchmark: str, framework: str) -> Any:
    return next(c for c in report.cases if c.benchmark == benchmark and c.framework == framework)


def test_median_spread_and_straggler_per_direction() -> None:
    runs = [
        ("a", _run("a", matmul={"torch": 100, "tensorflow": 80}, overhead={"torch": 2.0})),
        ("b", _run("b", matmul={"torch": 90, "tensorflow": 80}, overhead={"torch": 3.0})),
        ("c", _run("c", matmul={"torch": 60, "tensorflow": 80}, overhead={"torch": 2.5})),
    ]
    report = merge_runs(runs)
    matmul = _case(report, "matmul", "torch")
    assert (matmul.median, matmul.low, matmul.high, matmul.counted) == (90, 60, 100, 3)
    # A rate: the lowest is the straggler, 1.5x slower than the median.
    assert matmul.straggler == "c" and matmul.straggler_slowdown == pytest.approx(1.5)
    overhead = _case(report, "eager_overhead", "torch")
    # A time (lower is better): the highest is the straggler.
    assert overhead.lower_is_better and overhead.straggler == "b"
    assert overhead.straggler_slowdown == pytest.approx(1.2)
    text = render_fleet(report, "text", width=80)
    assert "the straggler is c, 1.50x slower than the median" in _flat(text)
    assert report.warnings == [] and not report.failed


def test_busy_node_listed_but_not_counted() -> None:
    runs = [
        ("a", _run("a", matmul={"torch": 100})),
        ("b", _run("b", matmul={"torch": 98})),
        ("c", _run("c", matmul={"torch": 20}, busy=True)),
    ]
    report = merge_runs(runs)
    case = _case(report, "matmul", "torch")
    assert case.counted == 2 and case.straggler == "b" and case.low == 98
    busy = next(v for v in case.nodes if v.node == "c")
    assert busy.busy and busy.status == "busy" and "180% CPU" in (busy.note or "")
    assert any(w.startswith("c was measured while other processes were busy") for w in report.warnings)
    text = render_fleet(report, "text", width=80)
    assert "! busy" in text and "20 !" in text


def test_expected_range_verdict_per_node() -> None:
    slow = _run("b", matmul={"torch": 40})
    slow.results[0].expected = Expected(verdict="below", low=90, high=110, unit="GFLOP/s", card="H100", source="x")
    report = merge_runs([("a", _run("a", matmul={"torch": 100})), ("b", slow)])
    value = next(v for v in _case(report, "matmul", "torch").nodes if v.node == "b")
    assert value.expected == "below"
    assert "straggler; below the usual range" in render_fleet(report, "md")


def test_mismatched_suites_list_the_cases_some_nodes_ran() -> None:
    runs = [
        ("a", _run("a", matmul={"torch": 100, "tensorflow": 80})),
        ("b", _run("b", matmul={"torch": 100, "tensorflow": 80}, overhead={"torch": 2.0}, suite="standard")),
    ]
    report = merge_runs(runs)
    assert _case(report, "eager_overhead", "torch").not_run_on == ["a"]
    assert _case(report, "matmul", "torch").not_run_on == []
    assert any("different suites (quick on a; standard on b)" in w for w in report.warnings)
    assert any("1 case ran on some nodes only: eager_overhead PyTorch (not on a)" in w for w in report.warnings)
    assert "not run" in render_fleet(report, "text")


def test_duplicate_hosts_are_suffixed_and_warned(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    document = _run("gpu-node", matmul={"torch": 100})
    for name in ("one.json", "two.json"):
        (loose / name).write_bytes(encode_run(document))
    runs = load_runs([loose])
    assert [label for label, _ in runs] == ["gpu-node", "gpu-node"]  # labelled by host name
    report = merge_runs(runs)
    assert [node.label for node in report.nodes] == ["gpu-node", "gpu-node-2"]
    assert any("shown as gpu-node-2" in w for w in report.warnings)
    # In a launcher's fleet folder each run is labelled by its file; one host twice is still warned about.
    fleet = tmp_path / "fleet-20261207T100000Z"
    shutil.copytree(loose, fleet)
    labels = [label for label, _ in load_runs([fleet])]
    assert labels == ["one", "two"]
    assert any("one, two ran on one host name, gpu-node" in w for w in merge_runs(load_runs([fleet])).warnings)


def test_node_with_other_software_is_named_against_the_majority() -> None:
    runs = [(n, _run(n, matmul={"torch": 100})) for n in ("a", "b", "c")]
    runs.append(("d", _run("d", matmul={"torch": 100}, version="2.12.0", threads=2)))
    report = merge_runs(runs)
    differs = [w for w in report.warnings if "differs from" in w]
    assert differs == [
        "d differs from a (the set-up 3 of 4 nodes share) in PyTorch versions: 2.12.0 on d, 2.13.0 on a",
        "d differs from a (the set-up 3 of 4 nodes share) in CPU thread counts: 2 on d, 4 on a",
    ]


def test_missing_node_is_reported_and_the_rest_merge() -> None:
    report = merge_runs(
        [("a", _run("a", matmul={"torch": 100}))], missing=[missing_node("b", "ssh: connect to host b: timed out")]
    )
    assert report.failed and [n.label for n in report.missing] == ["b"]
    assert "b is missing: ssh: connect to host b: timed out" in report.warnings
    assert "✗ missing" in render_fleet(report, "text")


def test_load_runs_refuses_a_file_that_is_not_a_run(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"kind": "something else"}')
    with pytest.raises(InputError) as raised:
        load_runs([bad])
    assert "notes.json" in str(raised.value) and "not a profile document" in str(raised.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no saved run"):
        load_runs([tmp_path / "empty"])


def test_hostile_host_name_is_text_in_every_format() -> None:
    document = _run(HOSTILE, matmul={"torch": 100})
    document.results[0].error = "[red]boom[/] \x1b]0;title\x07"
    document.results[0].metric = Metric("GFLOP/s", None)
    report = merge_runs([(HOSTILE, document), ("ok", _run("ok", matmul={"torch": 90}))])
    text = render_fleet(report, "text")
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert "[bold]<script>" in text and "[red]boom[/]" in text  # shown as written, never read as markup
    markdown = render_fleet(report, "md")
    assert "<script>" not in markdown and r"\<script\>" in markdown and r"\*em\*" in markdown
    assert "\x1b" not in markdown and r"\|host" in markdown
    page = render_fleet(report, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page
    data = render_fleet(report, "json")
    assert "\x1b" not in data and "\x9b" not in data
    parsed = json.loads(data)
    assert parsed["kind"] == FLEET_KIND and parsed["schema_version"] == 1
    assert "<script>" in parsed["nodes"][0]["label"] and "\\u202e" in parsed["nodes"][0]["label"]
    assert report.failed  # the failed record


def test_real_runs_through_the_cli(tmp_path: Path) -> None:
    """A real saved run as three nodes of a fleet folder (one slower, one busy) plus a truncated one."""
    fleet = tmp_path / "fleet-20261207T180000Z"
    fleet.mkdir()
    real = run_from_data(json.loads(REAL_RUN.read_text()))
    slow, busy = copy.deepcopy(real), copy.deepcopy(real)
    for record in slow.results:  # node-b runs everything at half the speed
        if record.metric.value:
            factor = 2.0 if record.metric.name == "us/op" else 0.5
            record.metric = Metric(record.metric.name, record.metric.value * factor)
    busy.results[0].machine_busy = True  # PyTorch's matmul; its eager_overhead counts
    for label, document in (("node-a", real), ("node-b", slow), ("node-c", busy)):
        (fleet / f"{label}.json").write_bytes(encode_run(document))
    (fleet / "node-d.json").write_text('{"kind": "fwadvisor-profile", "schema_')
    result = run_cli("profile", "merge", str(fleet), env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr  # a node is missing
    assert "node-d.json" in result.stderr and "ends early" in result.stderr
    check_fits(result.stdout, 80, whole=["node-a", "node-b", "node-c", "node-d"])
    assert "fleet report: 3 nodes, 1 missing" in result.stdout
    # PyTorch's eager_overhead: node-a and node-c at the median, node-b twice its time.
    assert "node-b, 2.00x slower than the median" in _flat(result.stdout)
    out = fleet / "fleet.json"  # saved beside the runs: merging the folder again leaves it out
    result = run_cli(
        "profile", "merge", *(str(fleet / f"node-{n}.json") for n in "ab"), "--format", "json", "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(out.read_text())
    assert [n["label"] for n in parsed["nodes"]] == ["node-a", "node-b"]
    assert len(parsed["cases"]) == len(real.results) and parsed["spread"] == "min-max across nodes"
    again = run_cli("profile", "merge", str(fleet), "--format", "json")
    assert [n["label"] for n in json.loads(again.stdout)["nodes"]] == ["node-a", "node-b", "node-c", "node-d"]


def test_nothing_readable_is_bad_input(tmp_path: Path) -> None:
    result = run_cli("profile", "merge", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "absent.json" in result.stderr and "nothing to merge" in result.stderr
