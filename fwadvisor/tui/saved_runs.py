"""The saved profile runs as the app sees them: which one the advice uses, why a run is partial or
narrow, and each run in a few words."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from fwadvisor.errors import InputError
from fwadvisor.frameworks import display_name
from fwadvisor.safe_text import one_line

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

# A worker that ended so has a record for every case: "failed" means some benchmarks failed, yet all ran.
COMPLETE_WORKER_STATUSES = frozenset({"ok", "failed"})
# Why a worker's part of a run is missing, in a few words.
WORKER_STOPPED = {
    "not started": "not started",
    "missing_framework": "not installed",
    "no_gpu": "had no GPU build",
    "setup_failed": "could not start",
    "crashed": "crashed",
    "timed_out": "timed out",
    "cancelled": "cancelled",
}


def partial_reason(document: RunDocument) -> str | None:
    """Why a run is partial in a few words ("cancelled", "TensorFlow crashed"); None for a complete run.

    A partial run was cancelled, or a framework's worker stopped before every case had its record.
    """
    if document.cancelled:
        return "cancelled"
    stopped = [
        f"{display_name(fw)} {WORKER_STOPPED.get(worker.status, worker.status)}"
        for fw, worker in document.workers.items()
        if worker.status not in COMPLETE_WORKER_STATUSES
    ]
    return one_line(", ".join(stopped)) if stopped else None


def narrow_reason(document: RunDocument) -> str | None:
    """Why a complete run is a poor stand-in for the suite on this machine ("1 benchmark of the
    suite's 7", "1 CPU thread of 2", "PyTorch only"); None when it ran the whole suite as a
    `profile` with no options would. A suite that cannot be loaded any more counts as whole."""
    from fwadvisor.profiler.suites import load_suite

    reasons: list[str] = []
    try:
        suite = load_suite(document.suite.name)
    except (InputError, OSError):
        suite = None
    if suite is not None and document.suite.benchmarks:
        device = "cuda" if document.suite.device == "cuda" else "cpu"
        whole = {item.benchmark for item in suite.benchmarks if (item.gpu if device == "cuda" else item.cpu)}
        ran = set(document.suite.benchmarks)
        if whole and ran < whole:
            reasons.append(f"{len(ran)} benchmark{'' if len(ran) == 1 else 's'} of the suite's {len(whole)}")
    if len(document.workers) == 1:
        reasons.append(f"{display_name(next(iter(document.workers)))} only")
    threads, usual = document.suite.threads, document.environment.default_threads
    if document.suite.device != "cuda" and threads and isinstance(usual, int) and threads < usual:
        reasons.append(f"{threads} CPU thread{'' if threads == 1 else 's'} of {usual}")
    return one_line(", ".join(reasons)) if reasons else None


def run_label(document: RunDocument) -> str:
    """A run in a few words: its suite and when it was made (the file name says the rest)."""
    when = document.created[:16].replace("T", " ") if document.created else "date unknown"
    return one_line(f"suite {document.suite.name}, {when}")


class ProfileLookup(NamedTuple):
    found: tuple[RunDocument, Path] | None
    unreadable: list[tuple[Path, str]]  # newer runs that could not be read, each with why
    passed_over: list[tuple[Path, str]]  # newer runs passed over for `found`, each with why ("partial (cancelled)")


def latest_profile(runs: Path) -> ProfileLookup:
    """The newest complete run of a whole suite in the user's runs folder; else the newest complete
    one; else the newest readable one.

    A cancelled or partial run must not take a complete one's place as the evidence unasked, nor a
    one-benchmark, one-framework or fewer-threads run from the command line (`profile --benchmark`,
    `--threads 1`) a whole suite's, so newer ones are passed over and listed with why. A run that
    cannot be read is skipped and listed with why (a bad run never stops the app).
    """
    from fwadvisor.profiler.run_file import load_run

    unreadable: list[tuple[Path, str]] = []
    newer: list[tuple[RunDocument, Path, str]] = []  # passed over so far, newest first
    first_complete: tuple[RunDocument, Path, int] | None = None  # with how many newer runs it passed
    for path in sorted(runs.glob("profile-*.json"), reverse=True):
        try:
            document = load_run(path)
        except InputError as exc:
            if not newer:  # only the ones newer than the run used are worth telling
                unreadable.append((path, exc.message))
            continue
        partial = partial_reason(document)
        if partial is not None:
            newer.append((document, path, f"partial ({partial})"))
            continue
        narrow = narrow_reason(document)
        if narrow is None:
            return ProfileLookup((document, path), unreadable, [(p, w) for _, p, w in newer])
        if first_complete is None:
            first_complete = (document, path, len(newer))
        newer.append((document, path, f"not the whole suite ({narrow})"))
    if first_complete is not None:
        document, path, passed = first_complete
        return ProfileLookup((document, path), unreadable, [(p, w) for _, p, w in newer[:passed]])
    if newer:
        newest, path, _ = newer[0]
        return ProfileLookup((newest, path), unreadable, [])
    return ProfileLookup(None, unreadable, [])


def saved_run_label(document: RunDocument) -> str:
    """A saved run's date and machine in a few words: "suite quick, 2026-11-27 13:19, cpu (AMD EPYC)"."""
    from fwadvisor.report.profile_table import device_label

    machine = device_label(document)
    model = document.environment.cpu.model
    if machine == "cpu" and model:
        machine = f"cpu ({model})"
    return one_line(f"{run_label(document)}, {machine}")
