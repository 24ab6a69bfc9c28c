"""Compare two profile runs benchmark by benchmark, warning where the runs are not like for like."""

from __future__ import annotations

from typing import Any

import msgspec

from fwadvisor.profiler.documents import Record, RunDocument, ran_and_checked

LOWER_IS_BETTER = {"us/op", "load s"}


def _key(record: Record) -> tuple[str, str, str, bytes]:
    return (record.benchmark, record.framework, record.dtype or "", msgspec.json.encode(record.params, order="sorted"))


def _describe(document: RunDocument) -> dict[str, Any]:
    gpu = document.environment.get("gpu") or {}
    gpus = gpu.get("gpus") or []
    return {
        "device": sorted({r.device for r in document.results if r.device != "unknown"}),
        "driver": gpu.get("driver"),
        "versions": {r.framework: r.framework_version for r in document.results if r.framework_version},
        "gpu": [g.get("name") for g in gpus],
        "threads": document.suite.threads,
    }


def compare_documents(first: RunDocument, second: RunDocument) -> dict[str, Any]:
    a, b = _describe(first), _describe(second)
    warnings = []
    labels = {
        "device": "devices",
        "driver": "GPU drivers",
        "versions": "framework versions",
        "threads": "CPU thread counts",
    }
    for key, label in labels.items():
        if a[key] != b[key]:
            warnings.append(f"the runs used different {label}: {a[key]} vs {b[key]}")
    second_by_key = {_key(r): r for r in second.results}
    rows = []
    flag_warned = False
    for record in first.results:
        other = second_by_key.get(_key(record))
        if other is None:
            continue
        if record.precision != other.precision and not flag_warned:
            warnings.append(
                f"precision flags differ ({record.benchmark} {record.framework}: "
                f"{record.precision} vs {other.precision})"
            )
            flag_warned = True
        x, y = record.metric.value, other.metric.value
        usable = ran_and_checked(record) and ran_and_checked(other)  # steady or not: the ratio shows the move
        ratio = None
        note = ""
        if usable and x and y:
            ratio = y / x
            if record.metric.name in LOWER_IS_BETTER:
                ratio = 1 / ratio
        else:
            note = "failed or wrong in one run"
        rows.append(
            {
                "benchmark": record.benchmark,
                "framework": record.framework,
                "dtype": record.dtype,
                "params": record.params,
                "metric": record.metric.name,
                "first": x,
                "second": y,
                "ratio": ratio,
                "note": note,
            }
        )
    return {"warnings": warnings, "rows": rows}
