"""`fwadvisor profile` and `fwadvisor env` (`profile compare` is in commands/compare.py).

Every piece of outside text printed through Rich (suite, benchmark and file names, worker errors and
stderr, install hints such as `pip install 'fwadvisor[tensorflow]'`) goes through safe_text.for_rich,
so brackets print as written and never as markup.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fwadvisor.errors import InputError
from fwadvisor.frameworks import identity
from fwadvisor.safe_text import clean, for_rich, one_line, wrap_words

if TYPE_CHECKING:
    from rich.console import Console

    from fwadvisor.atomic import WriteError
    from fwadvisor.profiler.documents import RunDocument
    from fwadvisor.profiler.stop_signals import StopOnSignals

EXIT_CANCELLED = 130


def run_profile_command(args: argparse.Namespace) -> int:
    """Run, save, then show. cli.main catches the stop signals before anything else (args.stop_signals);
    called otherwise, this catches them itself from here on."""
    from fwadvisor.profiler.stop_signals import StopOnSignals

    signals = getattr(args, "stop_signals", None)
    if signals is not None:
        return _profile(args, signals)
    with StopOnSignals() as signals:
        return _profile(args, signals)


def _profile(args: argparse.Namespace, signals: StopOnSignals) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fwadvisor.commands.console import stderr_console
    from fwadvisor.commands.output import check_output, refuse_inputs, suite_inputs
    from fwadvisor.profiler.catalog import BENCHMARKS
    from fwadvisor.profiler.environment import collect_environment
    from fwadvisor.profiler.plan import plan_run
    from fwadvisor.profiler.protocol import Result, Start
    from fwadvisor.profiler.runner import LaunchStarted, ProcessEnded, ProcessEvent, ProcessStarted
    from fwadvisor.profiler.session import run_failed, run_profile, save_run
    from fwadvisor.profiler.suites import load_suite

    check_output(args.output)  # a bad --output is refused now, not after a long run
    if args.output is not None:
        refuse_inputs(args.output, suite_inputs(args.suite))
    for name in args.benchmark or []:
        if name not in BENCHMARKS:
            raise InputError(f"unknown benchmark '{name}'; known benchmarks: {', '.join(BENCHMARKS)}")
    suite = load_suite(args.suite)
    # Progress and messages go to a stderr that may be gone (`2>&1 | head -c 60`, a closed terminal):
    # they are then dropped, and the run is still measured, saved and shown on stdout.
    err = stderr_console(highlight=False)
    # --device cuda without a GPU stops here (InputError), before any worker starts.
    plan = plan_run(
        suite,
        environment=collect_environment(probe_frameworks=False),
        frameworks=args.framework,
        device=args.device,
        threads=args.threads,
        benchmarks=args.benchmark,
    )
    if not plan.cases:
        raise InputError(f"suite '{suite.name}' has no {plan.device} cases for the benchmarks asked for")
    err.print(
        f"Profiling suite [bold]{for_rich(suite.name)}[/] on [bold]{plan.device}[/] with "
        f"{', '.join(plan.frameworks)}: {len(plan.cases)} cases each, one framework at a time."
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task("starting", total=plan.total_cases)

    def on_event(event: ProcessEvent) -> None:
        fw, message = event.framework, event.message
        if isinstance(message, ProcessStarted):
            progress.update(task, description=f"{fw}: importing")
        elif isinstance(message, LaunchStarted):  # a cluster launch: which one, on a line of its own
            cases = f"{message.cases} case" + ("" if message.cases == 1 else "s")
            progress.console.print(f"[dim]{fw}: {for_rich(message.label)} ({cases})[/]")
            progress.update(task, description=f"{fw}: starting ranks")
        elif isinstance(message, Start):
            progress.update(task, description=for_rich(f"{fw}: {message.benchmark} {message.dtype}"))
        elif isinstance(message, Result):
            progress.advance(task)
            record = message.record
            if record.cancelled:
                progress.console.print(f"[dim]… {fw} {for_rich(record.benchmark)}: cancelled[/]")
            elif record.error:
                progress.console.print(f"[red]✗ {fw} {for_rich(record.benchmark)}: {for_rich(record.error)}[/]")
        elif isinstance(message, ProcessEnded) and message.summary.status == "cancelled":
            progress.console.print(f"[yellow]… {fw} cancelled: {for_rich(message.summary.error or 'stopped')}[/]")
        elif isinstance(message, ProcessEnded) and message.summary.status == "not_supported":
            # A result, not a failure: said once, in words, with the reason (contract: never red).
            why = for_rich(message.summary.error or "no maintained path to this device")
            progress.console.print(f"[dim]⊘ {identity(fw).name} is not supported here: {why}[/]")
        elif isinstance(message, ProcessEnded) and message.summary.status not in ("ok", "failed"):
            summary = message.summary
            hint = f" Fix: {summary.hint}" if summary.hint else ""
            progress.console.print(f"[red]✗ {fw}: {for_rich(summary.error)}.{for_rich(hint)}[/]")

    progress.start()
    try:
        document = run_profile(plan, on_event=on_event, cancel=signals.cancel)
        # Saved first, before the progress display closes and anything is shown: a stderr or stdout
        # that is gone, or a signal now (still caught: cli.main holds the handlers until the end),
        # cannot cost the run.
        written, failures = save_run(document, args.output)
        progress.update(task, completed=plan.total_cases, description="done")
    finally:
        progress.stop()
    try:
        # A stdout that is gone raises here (cli.main: exit 141, or the signal's code after one).
        _render_run(document, args.format)
    finally:
        _tell_busy(err, document)
        _tell_where_saved(err, document, written, failures)
    stopped_by = signals.exit_code()
    if stopped_by is not None:
        return stopped_by
    if document.cancelled:
        return EXIT_CANCELLED
    return 1 if failures or run_failed(document) else 0


def _render_run(document: RunDocument, fmt: str) -> None:
    from fwadvisor.commands.console import stdout_console
    from fwadvisor.profiler.documents import encode_run
    from fwadvisor.report.cluster_table import run_lines
    from fwadvisor.report.columns import unsupported_notes
    from fwadvisor.report.curves_text import curve_lines
    from fwadvisor.report.profile_model import BELOW_USUALLY_MEANS, any_below, gpu_lines
    from fwadvisor.report.profile_table import problems, rows
    from fwadvisor.report.run_table import render_rich_table

    if fmt == "json":
        sys.stdout.flush()
        sys.stdout.buffer.write(encode_run(document))
        sys.stdout.buffer.flush()
        return
    out = stdout_console(highlight=False)
    out.print(render_rich_table(document, width=out.width))
    # What the numbers are worth: throttled clocks, a GPU number below its usual range (a busy machine is
    # said on stderr by _tell_busy, in every format).
    table_rows = rows(document)
    for line in gpu_lines(table_rows, only_doubtful=True):
        out.print(f"[yellow]GPU:[/] {for_rich(line)}", highlight=False)
    if any_below(table_rows):
        out.print(f"[dim]{for_rich(BELOW_USUALLY_MEANS)}[/]", highlight=False)
    for line in curve_lines(document):
        out.print(clean(line), highlight=False, markup=False)
    for line in unsupported_notes(table_rows):  # a result, not a problem: no red
        out.print(f"[dim]⊘[/] {for_rich(clean(line))}", highlight=False)
    for line in problems(document):
        out.print(f"[red]•[/] {for_rich(line)}", highlight=False)
    for line in run_lines(document):  # the cluster suite: CPU numbers test the plumbing; the claim
        out.print(line, highlight=False, markup=False)


def _tell_busy(err: Console, document: RunDocument) -> None:
    """The busy notice (no evidence from a run other processes disturbed) on stderr, in every format:
    with --format json stdout is for a program, and the person at the terminal must still be told."""
    from fwadvisor.report.profile_model import busy_sentences

    for line in busy_sentences(document):
        err.print(f"[magenta]{for_rich(line)}[/]")


def _tell_where_saved(err: Console, document: RunDocument, written: list[Path], failures: list[WriteError]) -> None:
    from fwadvisor.paths import runs_dir

    if written:
        err.print("Saved to " + " and ".join(for_rich(path) for path in written))
    folder = str(runs_dir())
    for failure in failures:
        if failure.filename.startswith(folder):
            message = f"the run was not saved in your runs folder {folder}: {failure.strerror}"
        else:
            message = str(failure)
        print(f"fwadvisor: error: {clean(message)}", file=err.file)
    if document.cancelled:
        saved = ": the partial results above were saved" if written else ""
        err.print(f"[yellow]Cancelled{saved}.[/]")


def run_env(args: argparse.Namespace) -> int:
    import msgspec

    from fwadvisor.commands.console import stderr_console, stdout_console
    from fwadvisor.profiler.environment import collect_environment

    err = stderr_console(highlight=False)
    # Each framework is imported in a probe process of its own, side by side: seconds, not instant.
    # On a terminal a spinner says so (and is gone once the answer prints); nothing when redirected.
    with err.status("Asking PyTorch and TensorFlow what they see (each imported in its own process)…"):
        env = collect_environment(probe_frameworks=True)
    if args.format == "json":
        print(json.dumps(msgspec.to_builtins(env), indent=2))
        return 0
    console = stdout_console(highlight=False)
    cpu = env.cpu
    field = _EnvFields(console)
    field.print("System", f"{one_line(env.os)}, Python {one_line(env.python)}")
    field.print(
        "CPU",
        f"{one_line(cpu.model)}: {cpu.physical_cores} cores, "
        f"{cpu.logical_cores} threads; memory {env.memory_gb} GB "
        f"({env.memory_available_gb} GB free)" + (f", CPU governor {one_line(cpu.governor)}" if cpu.governor else ""),
    )
    gpu = env.gpu
    if not gpu.gpus:
        why = one_line(gpu.error or "NVML found no GPU")
        field.print("GPU", f"none: {why}. The profiler runs on the CPU.")
    else:
        field.print("GPU", f"driver {one_line(gpu.driver)}, CUDA {one_line(gpu.cuda_driver)}")
        for g in gpu.gpus:
            field.print(
                "",
                f"{g.index}: {one_line(g.name)}, {g.memory_total_gb} GB, compute capability "
                f"{one_line(g.compute_capability)}, SM clock {g.sm_clock_mhz}/{g.sm_clock_max_mhz} "
                f"MHz, {g.temperature_c} °C, {g.power_w}/{g.power_limit_w} W"
                + (f", PCIe gen {g.pcie_generation} x{g.pcie_width}" if g.pcie_generation or g.pcie_width else ""),
            )
    for fw, info in env.frameworks.items():
        name = identity(fw).name
        if not info.installed:
            field.print(name, f"not installed: {one_line(info.hint)}")
        elif info.error:
            field.print(name, f"{one_line(info.version)}: {one_line(info.error)}", style="red")
        else:
            sees = "sees a GPU: " + ", ".join(info.gpu_devices) if info.gpu_available else "CPU only"
            build = info.build or "?"
            field.print(name, f"{one_line(info.version)} ({one_line(build)} build), {one_line(sees)}")
    return 0


class _EnvFields:
    """`fwadvisor env`'s lines: a bold label, then its text wrapped under itself (a hanging indent),
    so a long GPU or error line never runs back to column 0."""

    LABEL = 11  # "TensorFlow" and a space

    def __init__(self, console: Console):
        self.console = console

    def print(self, label: str, text: str, style: str = "") -> None:
        from rich.text import Text

        hang = " " * self.LABEL
        for number, line in enumerate(wrap_words(text, self.console.width - 1, indent=hang, hang=hang)):
            shown = Text(label.ljust(self.LABEL) if number == 0 else hang, style="bold")
            shown.append(line[self.LABEL :], style=style)
            self.console.print(shown, overflow="fold")
