"""Wall time of `fwadvisor profile --suite quick` (both frameworks, imports included) on this machine, and
how many of its numbers are usable as evidence, against a baseline measured in the same run.

Goals: issue 3, under 60 s on a 2-core CPU (`--suite standard` under 5 minutes); issue 19, on a quiet
machine at least 13 of the 14 quick numbers usable as evidence and the suite under 15 s.

The baseline is another commit of fwadvisor (by default the one before issue 19's steadiness rule,
which judged a number by its per-sample spread), extracted with `git archive` into a temporary folder
and run with the same Python. The two alternate (baseline, this tree, baseline, ...) so that load
coming and going on a shared machine falls on both. Each run's line says how busy the machine was
(the load monitor's figures): a run with busy numbers does not measure the goal.

Usage: python benchmarks/quick_suite_time.py [--suite quick] [--runs 1] [--baseline REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The commit before issue 19 changed what "unsteady" means.
DEFAULT_BASELINE = "79e12f8"


@dataclass
class SuiteRun:
    wall_s: float
    returncode: int
    total: int
    usable: int
    unsteady: int
    busy: int
    extended: int
    threads: int | None
    before_percent: float | None  # other processes' CPU just before each worker, the worst
    during_percent: float | None  # their mean CPU while the workers ran, the worst
    unsteady_names: list[str]

    def line(self) -> str:
        load = f"other CPU before {self.before_percent or 0:.0f}%, during {self.during_percent or 0:.0f}%"
        return (
            f"{self.wall_s:5.1f} s, {self.usable:2d} of {self.total} usable as evidence "
            f"({self.unsteady} unsteady, {self.busy} busy, {self.extended} sampled past their budget), "
            f"{self.threads} threads, {load}, exit {self.returncode}"
        )


def _usable(record: dict) -> bool:
    """documents.classify's rule on the saved JSON, for either commit's document: a record saved before
    the steadiness verdict has no `unsteady` and is judged by its spread, as that commit judged it."""
    if record.get("error") or record.get("skipped") or record.get("cancelled"):
        return False
    if record.get("metric", {}).get("value") is None or record.get("correct") is False:
        return False
    return not record.get("machine_busy") and not _unsteady(record)


def _unsteady(record: dict) -> bool:
    verdict = record.get("unsteady")
    return bool(record.get("wide_spread")) if verdict is None else bool(verdict)


def run_suite(source: Path, suite: str, data_dir: Path, keep: Path | None = None) -> SuiteRun:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        env = {**os.environ, "PYTHONPATH": str(source), "FWADVISOR_DATA_DIR": str(data_dir)}
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "fwadvisor", "profile", "--suite", suite, "--output", str(out)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        wall = time.perf_counter() - start
        document = json.loads(out.read_text()) if out.exists() else {"results": []}
        if keep is not None and out.exists():
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{source.name}-{time.strftime('%H%M%S')}.json").write_bytes(out.read_bytes())
    records = document.get("results", [])
    loads = list((document.get("load") or {}).values())
    return SuiteRun(
        wall_s=wall,
        returncode=result.returncode,
        total=len(records),
        usable=sum(_usable(r) for r in records),
        unsteady=sum(_unsteady(r) for r in records),
        busy=sum(bool(r.get("machine_busy")) for r in records),
        extended=sum(bool(r.get("sampling_extended")) for r in records),
        threads=(document.get("suite") or {}).get("threads"),
        before_percent=max((x.get("before_other_cpu_percent") or 0 for x in loads), default=None),
        during_percent=max((x.get("other_cpu_percent") or 0 for x in loads), default=None),
        unsteady_names=[f"{r['framework']} {r['benchmark']}" for r in records if _unsteady(r)],
    )


def extract(ref: str, into: Path) -> Path:
    """That commit's fwadvisor package and profiles, to run as the baseline."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "fwadvisor", "profiles", "rules"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--runs", type=int, default=1, help="runs of each (they alternate)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="commit to compare with")
    parser.add_argument("--no-baseline", action="store_true", help="time this tree only")
    parser.add_argument("--keep", type=Path, help="save each run's JSON in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"this tree": ROOT}
        if not args.no_baseline:
            sources = {f"baseline {args.baseline}": extract(args.baseline, Path(tmp) / "baseline"), **sources}
        runs: dict[str, list[SuiteRun]] = {name: [] for name in sources}
        for number in range(1, args.runs + 1):
            for name, source in sources.items():
                run = run_suite(source, args.suite, Path(tmp) / "data", args.keep)
                runs[name].append(run)
                print(f"run {number}, {name:>18}: {run.line()}", flush=True)
                if run.unsteady_names:
                    print(f"{'':>26}unsteady: {', '.join(run.unsteady_names)}", flush=True)
    print()
    for name, done in runs.items():
        wall = statistics.median(r.wall_s for r in done)
        usable = statistics.median(r.usable for r in done)
        total = done[0].total
        busy = sum(r.busy for r in done)
        print(
            f"{name:>18}: median {wall:.1f} s wall, {usable:g} of {total} usable as evidence "
            f"over {len(done)} run(s){'; busy numbers seen: ' + str(busy) if busy else ''}"
        )
    if len(runs) == 2:
        (base, *_), (new, *_) = ([statistics.median(r.wall_s for r in d)] for d in runs.values())
        print(f"time ratio this tree / baseline: {new / base:.2f}")


if __name__ == "__main__":
    main()
