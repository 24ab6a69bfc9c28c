"""`fwadvisor profile`, `fwadvisor profile compare` and `fwadvisor env`."""

from __future__ import annotations

import argparse
import json
import sys

from fwadvisor.errors import InputError
from fwadvisor.frameworks import identity

EXIT_CANCELLED = 130


def run_profile_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fwadvisor.profiler.documents import Result, Start, encode_run
    from fwadvisor.profiler.environment import collect_environment
    from fwadvisor.profiler.records import BENCHMARKS
    from fwadvisor.profiler.runner import WorkerEvent, WorkerFinished, WorkerStarted
    from fwadvisor.profiler.session import resolve_device, run_failed, run_profile, save_document
    from fwadvisor.profiler.suites import load_suite, resolve_cases
    from fwadvisor.report.profile_table import problems, render_rich_table

    for name in args.benchmark or []:
        if name not in BENCHMARKS:
            raise InputError(f"unknown benchmark '{name}'; known benchmarks: {', '.join(BENCHMARKS)}")
    suite = load_suite(args.suite)
    frameworks = list(dict.fromkeys(args.framework or ["torch", "tensorflow"]))
    err = Console(stderr=True, highlight=False)
    environment = collect_environment(probe_frameworks=False)
    device = resolve_device(args.device, environment)
    if device == "cuda" and not environment["gpu"]["gpus"]:
        err.print(
            f"[yellow]No NVIDIA GPU found ({escape(str(environment['gpu']['error']))}); the workers will say "
            "whether their framework sees one.[/]"
        )
    cases = resolve_cases(suite, device, args.benchmark)
    if not cases:
        raise InputError(f"suite '{suite.name}' has no {device} cases for the benchmarks asked for")
    err.print(
        f"Profiling suite [bold]{escape(suite.name)}[/] on [bold]{device}[/] with "
        f"{', '.join(frameworks)}: {len(cases)} cases each, one framework at a time."
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task("starting", total=len(cases) * len(frameworks))

    def on_event(event: WorkerEvent) -> None:
        fw, message = event.framework, event.message
        if isinstance(message, WorkerStarted):
            progress.update(task, description=f"{fw}: importing")
        elif isinstance(message, Start):
            progress.update(task, description=escape(f"{fw}: {message.benchmark} {message.dtype}"))
        elif isinstance(message, Result):
            progress.advance(task)
            record = message.record
            if record.error:
                progress.console.print(f"[red]✗ {fw} {escape(record.benchmark)}: {escape(record.error)}[/]")
        elif isinstance(message, WorkerFinished) and message.summary.status not in ("ok", "failed"):
            summary = message.summary
            hint = f" Fix: {summary.hint}" if summary.hint else ""
            progress.console.print(f"[red]✗ {fw}: {escape(str(summary.error))}.{escape(hint)}[/]")

    with progress:
        document = run_profile(
            suite,
            frameworks=frameworks,
            device=device,
            threads=args.threads,
            benchmarks=args.benchmark,
            environment=environment,
            on_event=on_event,
        )
        progress.update(task, completed=len(cases) * len(frameworks), description="done")
    paths = save_document(document, args.output)
    if args.format == "json":
        sys.stdout.flush()
        sys.stdout.buffer.write(encode_run(document))
        sys.stdout.buffer.flush()
    else:
        out = Console(highlight=False)
        out.print(render_rich_table(document))
        from fwadvisor.report.curves_text import curve_lines

        for line in curve_lines(document):
            out.print(line, highlight=False, markup=False)
        for line in problems(document):
            out.print(f"[red]•[/] {line}", highlight=False)
    err.print("Saved to " + " and ".join(str(p) for p in paths))
    if document.cancelled:
        err.print("[yellow]Cancelled: the partial results above were saved.[/]")
        return EXIT_CANCELLED
    return 1 if run_failed(document) else 0


def run_compare(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from fwadvisor.profiler.compare import compare_documents
    from fwadvisor.profiler.documents import load_run

    a, b = load_run(args.baseline), load_run(args.candidate)
    result = compare_documents(a, b)
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return 0
    console = Console(highlight=False)
    for warning in result["warnings"]:
        console.print(f"[yellow]! {warning}[/]")
    table = Table(
        title=f"{args.candidate} vs {args.baseline} (ratio > 1: the second run is better)", title_justify="left"
    )
    for column in ("benchmark", "framework", "dtype", "metric", "first", "second", "ratio"):
        table.add_column(column, justify="right" if column in ("first", "second", "ratio") else "left")
    for row in result["rows"]:
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else row["note"]
        table.add_row(
            row["benchmark"],
            row["framework"],
            row["dtype"] or "",
            row["metric"],
            _num(row["first"]),
            _num(row["second"]),
            ratio,
        )
    console.print(table)
    return 0


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def run_env(args: argparse.Namespace) -> int:
    from fwadvisor.profiler.environment import collect_environment

    env = collect_environment(probe_frameworks=True)
    if args.format == "json":
        print(json.dumps(env, indent=2))
        return 0
    from rich.console import Console

    console = Console(highlight=False)
    cpu = env["cpu"]
    console.print(f"[bold]System[/]  {env['os']}, Python {env['python']}")
    console.print(
        f"[bold]CPU[/]     {cpu['model']}: {cpu['physical_cores']} cores, "
        f"{cpu['logical_cores']} threads; memory {env['memory_gb']} GB "
        f"({env['memory_available_gb']} GB free)"
    )
    gpu = env["gpu"]
    if not gpu["gpus"]:
        console.print(f"[bold]GPU[/]     none: {gpu['error'] or 'NVML found no GPU'}. The profiler runs on the CPU.")
    else:
        console.print(f"[bold]GPU[/]     driver {gpu['driver']}, CUDA {gpu['cuda_driver']}")
        for g in gpu["gpus"]:
            console.print(
                f"  {g['index']}: {g['name']}, {g['memory_total_gb']} GB, compute capability "
                f"{g['compute_capability']}, SM clock {g['sm_clock_mhz']}/{g['sm_clock_max_mhz']} "
                f"MHz, {g['temperature_c']} °C, {g['power_w']}/{g['power_limit_w']} W"
            )
    for fw, info in env["frameworks"].items():
        name = identity(fw).name
        if not info["installed"]:
            console.print(f"[bold]{name}[/] not installed: {info['hint']}")
        elif info.get("error"):
            console.print(f"[bold]{name}[/] {info['version']}: [red]{info['error']}[/]")
        else:
            sees = "sees a GPU: " + ", ".join(info["gpu_devices"]) if info["gpu_available"] else "CPU only"
            console.print(f"[bold]{name}[/] {info['version']} ({info.get('build') or '?'} build), {sees}")
    return 0
