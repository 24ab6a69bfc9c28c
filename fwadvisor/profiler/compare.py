"""Compare two profile runs benchmark by benchmark, warning where the runs are not like for like."""

from __future__ import annotations

import json
from typing import Any

LOWER_IS_BETTER = {"us/op", "load s"}


def _key(record: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        record["benchmark"],
        record["framework"],
        record.get("dtype") or "",
        json.dumps(record.get("params"), sort_keys=True),
    )


def _describe(doc: dict[str, Any]) -> dict[str, Any]:
    env = doc.get("environment", {})
    gpus = env.get("gpu", {}).get("gpus") or []
    return {
        "device": sorted({r.get("device") for r in doc["results"] if r.get("device") not in (None, "unknown")}),
        "driver": env.get("gpu", {}).get("driver"),
        "versions": {r["framework"]: r.get("framework_version") for r in doc["results"] if r.get("framework_version")},
        "gpu": [g.get("name") for g in gpus],
        "threads": doc.get("suite", {}).get("threads"),
    }


def compare_documents(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
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
    second_by_key = {_key(r): r for r in second["results"]}
    rows = []
    flag_warned = False
    for record in first["results"]:
        other = second_by_key.get(_key(record))
        if other is None:
            continue
        if record.get("precision") != other.get("precision") and not flag_warned:
            warnings.append(
                f"precision flags differ ({record['benchmark']} {record['framework']}: "
                f"{record.get('precision')} vs {other.get('precision')})"
            )
            flag_warned = True
        x, y = (record.get("metric") or {}).get("value"), (other.get("metric") or {}).get("value")
        usable = not (
            record.get("error") or other.get("error") or record.get("correct") is False or other.get("correct") is False
        )
        ratio = None
        note = ""
        if usable and x and y:
            ratio = y / x
            if record["metric"]["name"] in LOWER_IS_BETTER:
                ratio = 1 / ratio
        else:
            note = "failed or wrong in one run"
        rows.append(
            {
                "benchmark": record["benchmark"],
                "framework": record["framework"],
                "dtype": record.get("dtype"),
                "params": record.get("params"),
                "metric": (record.get("metric") or {}).get("name", ""),
                "first": x,
                "second": y,
                "ratio": ratio,
                "note": note,
            }
        )
    return {"warnings": warnings, "rows": rows}
