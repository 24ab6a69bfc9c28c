"""Benchmark suites: YAML in profiles/ (and the user's profiles folder), checked against the model and
the benchmark catalogue (catalog.py: which benchmarks exist, their parameters, dtypes and layouts)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from fwadvisor.errors import InputError
from fwadvisor.paths import builtin_profiles_dir, user_profiles_dir
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.catalog import (
    BENCHMARKS,
    CATALOG,
    CPU_DTYPES,
    DTYPES,
    GPU_DEFAULT_TORCH_LAYOUTS,
    GPU_ONLY,
    TORCH_LAYOUT_BENCHMARKS,
    TORCH_LAYOUT_PARAM,
    TORCH_LAYOUTS,
    expected_params,
    param_problem,
)
from fwadvisor.profiler.protocol import Case
from fwadvisor.safe_text import excerpt, invisible_note, shown_name
from fwadvisor.validation import FileModel, convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml


class DeviceCases(FileModel, frozen=True):
    """The cases of one benchmark on one kind of device: its shapes, the dtypes to run and, for image
    benchmarks, PyTorch's memory layouts to run (each dtype runs in each layout)."""

    # sizes > 0, a spec's flags 0 or 1, a choice parameter's name (all checked in load_suite)
    params: dict[str, Annotated[int, Meta(ge=0)] | str]
    dtypes: list[str] = msgspec.field(default_factory=lambda: ["fp32"])
    torch_layouts: list[str] | None = None


class SuiteBenchmark(FileModel, frozen=True):
    benchmark: str
    cpu: DeviceCases | None = None
    gpu: DeviceCases | None = None
    budget_s: Annotated[float, Meta(gt=0, le=60)] | None = None


class Suite(FileModel, frozen=True):
    name: str
    description: str
    benchmarks: Annotated[list[SuiteBenchmark], Meta(min_length=1)]
    budget_s: Annotated[float, Meta(gt=0, le=60)] = 1.0
    timeout_s: Annotated[float, Meta(gt=0, le=86400)] = 180.0  # a worker silent this long is declared hung


# A suite's name becomes part of a file name in the runs folder: letters, digits, '_', '.', '-' only.
SUITE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def valid_suite_name(name: str) -> bool:
    return SUITE_NAME.fullmatch(name) is not None


# Suite files end in .yaml or .yml, as rule files do.
SUITE_FILE_SUFFIXES = (".yaml", ".yml")
# How many suite names an "unknown suite" message lists (a profiles folder may hold any number).
LISTED_SUITES = 20


def suite_paths() -> dict[str, Path]:
    """Suites by name: the user's folder first, so a user suite may replace a built-in one."""
    return {name: paths[0] for name, paths in _suite_files().items()}


def _suite_files() -> dict[str, list[Path]]:
    """Every suite file by name, from the folder that wins (the user's); more than one path when
    that folder holds both `<name>.yaml` and `<name>.yml`."""
    found: dict[str, list[Path]] = {}
    for folder in (builtin_profiles_dir(), user_profiles_dir()):
        if not folder.is_dir():
            continue
        here: dict[str, list[Path]] = {}
        for suffix in SUITE_FILE_SUFFIXES:  # .yaml first: it is named first when both are there
            for path in sorted(folder.glob(f"*{suffix}")):
                if path.stem != "gpus":  # the GPU peak table lives beside the suites
                    here.setdefault(path.stem, []).append(path)
        found.update(sorted(here.items()))
    return found


def load_suite(name_or_path: str) -> Suite:
    path = Path(name_or_path)
    if not (path.suffix in SUITE_FILE_SUFFIXES and path.exists()):
        known = _suite_files()
        if name_or_path not in known:
            names = [excerpt(name, 80) for name in known]
            listed = ", ".join(names[:LISTED_SUITES]) + (
                f" and {len(names) - LISTED_SUITES:,} more" if len(names) > LISTED_SUITES else ""
            )
            raise InputError(
                f"unknown suite '{excerpt(name_or_path, 80)}'{invisible_note(name_or_path)}; known suites: "
                f"{listed} (or give the path of a suite .yaml or .yml file)"
            )
        paths = known[name_or_path]
        if len(paths) > 1:
            # Neither is picked silently: an edit to the one not read would change nothing.
            raise InputError(
                f"suite '{name_or_path}' is given twice, as {' and '.join(shown_name(p) for p in paths)}; "
                "keep one of them (or give the path of the one you mean)"
            )
        path = paths[0]
    suite = convert_or_explain(load_yaml(path, "suite file"), Suite, path, "suite file")
    if not valid_suite_name(suite.name):
        raise InputError(
            f"suite name '{excerpt(suite.name)}'{invisible_note(suite.name)} is not allowed: "
            "use 1 to 64 of A-Z, a-z, 0-9, '_', '.' and '-' "
            "(the name becomes part of the saved run's file name)",
            file=path,
            line=line_of(path, ["name"]),
        )
    for index, item in enumerate(suite.benchmarks):
        where = line_of(path, ["benchmarks", index])
        if item.benchmark not in BENCHMARKS:
            raise InputError(
                f"unknown benchmark '{excerpt(item.benchmark, 60)}'{invisible_note(item.benchmark)}; "
                f"known benchmarks: {', '.join(BENCHMARKS)}",
                file=path,
                line=where,
            )
        if item.cpu is None and item.gpu is None:
            raise InputError(f"benchmark '{item.benchmark}' needs `cpu:` or `gpu:` cases", file=path, line=where)
        if item.benchmark in GPU_ONLY and item.cpu is not None:
            raise InputError(
                f"benchmark '{item.benchmark}' runs on a GPU only: remove its `cpu:` cases", file=path, line=where
            )
        device_dtypes: tuple[tuple[str, DeviceCases | None, tuple[str, ...]], ...] = (
            ("cpu", item.cpu, CPU_DTYPES),
            ("gpu", item.gpu, DTYPES),
        )
        for device, cases, allowed in device_dtypes:
            if cases is None:
                continue
            problem = param_problem(item.benchmark, cases.params)
            if problem is not None:
                spec = CATALOG[item.benchmark]
                unknown = sorted(set(cases.params) - set(expected_params(spec, cases.params)))
                choice = spec.choice.name if spec.choice is not None else None
                if choice in cases.params and cases.params[choice] not in spec.choice.options:  # type: ignore[union-attr]
                    unknown = [choice]  # a choice that is none of the allowed: its own line
                keys: list[str | int] = ["benchmarks", index, device, "params", *unknown[:1]]
                raise InputError(problem, file=path, line=line_of(path, keys) or where)
            allowed = CATALOG[item.benchmark].only_dtypes or allowed
            for dtype in cases.dtypes:
                if dtype not in allowed:
                    raise InputError(
                        f"dtype '{dtype}' is not allowed here; choose from {', '.join(allowed)}", file=path, line=where
                    )
            _check_torch_layouts(item.benchmark, cases.torch_layouts, path, where)
    return suite


def _check_torch_layouts(benchmark: str, layouts: list[str] | None, path: Path, line: int | None) -> None:
    if layouts is None:
        return
    if benchmark not in TORCH_LAYOUT_BENCHMARKS:
        raise InputError(
            f"benchmark '{benchmark}' has no image layout: `torch_layouts` applies to "
            f"{', '.join(TORCH_LAYOUT_BENCHMARKS)}",
            file=path,
            line=line,
        )
    if not layouts or len(set(layouts)) != len(layouts):
        raise InputError("`torch_layouts` lists each layout once, at least one", file=path, line=line)
    for layout in layouts:
        if layout not in TORCH_LAYOUTS:
            raise InputError(
                f"torch layout '{excerpt(layout)}' is not known; choose from {', '.join(TORCH_LAYOUTS)}",
                file=path,
                line=line,
            )


def torch_layouts(benchmark: str, cases: DeviceCases, device: str) -> list[str | None]:
    """The torch_layout params a benchmark's cases run with on `device` (None: no such param)."""
    if cases.torch_layouts is not None:
        return list(cases.torch_layouts)
    if device != "cpu" and benchmark in TORCH_LAYOUT_BENCHMARKS:
        return list(GPU_DEFAULT_TORCH_LAYOUTS)
    return [None]


def resolve_cases(suite: Suite, device: str, only: list[str] | None = None) -> list[Case]:
    """The cases a worker runs on `device`, in suite order: a suite's `gpu` entry on any GPU (cuda, rocm,
    mps, xpu), its `cpu` entry on the CPU."""
    cases: list[Case] = []
    for item in suite.benchmarks:
        if only and item.benchmark not in only:
            continue
        spec = item.gpu if device != "cpu" else item.cpu
        if spec is None:
            continue
        layouts = torch_layouts(item.benchmark, spec, device)
        for dtype in spec.dtypes:
            for layout in layouts:
                params: Params = dict(spec.params)
                for flag in CATALOG[item.benchmark].flags:
                    params.setdefault(flag, 0)  # explicit in the record: pageable, not "unknown"
                if layout is not None:
                    params[TORCH_LAYOUT_PARAM] = layout
                cases.append(Case(item.benchmark, params, dtype, item.budget_s or suite.budget_s))
    return cases
