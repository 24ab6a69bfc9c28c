"""Copies through the real worker on a CPU: the adapter copy parts run, and a copy benchmark is refused on a CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from conftest import REPO
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.protocol import Result, decode_message

# The real worker, ended as the worker's own __main__ ends.
WORKER = """
import os, sys
from fwadvisor.bench import worker
code = worker.main(sys.argv[1:])
sys.stdout.flush()
os._exit(code)
"""


def run_worker(framework: str, cases: list[dict[str, Any]]) -> list[Record]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, "--framework", framework, "--device", "cpu", "--threads", "1"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    messages = [decode_message(line.encode()) for line in result.stdout.splitlines() if line.strip()]
    return [m.record for m in messages if isinstance(m, Result)]


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_copies_are_refused_on_a_cpu_through_the_real_worker(framework: str) -> None:
    pytest.importorskip(framework)
    cases: list[dict[str, Any]] = [
        {"benchmark": benchmark, "params": {"megabytes": 1, "pinned": pinned}, "dtype": "fp32", "budget_s": 0.05}
        for benchmark in ("host_to_device", "device_to_host")
        for pinned in (1, 0)
    ]
    records = run_worker(framework, cases)
    assert [(r.benchmark, r.params["pinned"]) for r in records] == [
        (c["benchmark"], c["params"]["pinned"]) for c in cases
    ]
    for record in records:
        assert record.framework == framework and record.device == "cpu"
        assert record.metric.value is None and record.correct is None
        assert record.error is not None and f"{record.benchmark} needs a GPU" in record.error, record.error


# The adapters' copy parts that can run on a CPU (pageable memory; TensorFlow's one path for a pinned
# request), in a fresh process: this test process imports no framework.
ADAPTER_PARTS = """
import json, sys
import numpy as np
from fwadvisor.bench.backends import {module} as backend
backend.setup("cpu", 1)
adapter = backend._ADAPTER
host = np.arange(1000, dtype=np.float32) / 7
out = {{}}
with adapter.case_scope():
    for pinned in {pinned_cases}:
        kernel = adapter.host_to_device_kernel(host, pinned)
        first, second = kernel.call(), kernel.call()
        idx = np.array([0, 123, 999])
        out[f"h2d{{int(pinned)}}"] = {{
            "equal": bool(np.array_equal(adapter.gather(second, idx), host[idx])),
            "pinned": kernel.pinned, "memory": kernel.host_memory, "op": kernel.notes["op"],
            "shares_numpy_buffer": bool(np.shares_memory(adapter.host_array(second), host)) if {is_tf} else None,
        }}
    source = adapter.tensor(host)
    for pinned in {pinned_cases}:
        kernel = adapter.device_to_host_kernel(source, pinned)
        first = adapter.host_array(kernel.call())
        second = adapter.host_array(kernel.call())
        adapter.sync()
        out[f"d2h{{int(pinned)}}"] = {{
            "equal": bool(np.array_equal(first, host) and np.array_equal(second, host)),
            "ndarray": isinstance(second, np.ndarray), "pinned": kernel.pinned, "memory": kernel.host_memory,
        }}
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("framework", "module", "pinned_cases"),
    [
        ("torch", "torch_backend", [False]),  # pin_memory needs a GPU: that path is GPU-only
        ("tensorflow", "tensorflow_backend", [False, True]),
    ],
)
def test_adapter_copy_parts_on_a_cpu(framework: str, module: str, pinned_cases: list[bool]) -> None:
    pytest.importorskip(framework)
    code = ADAPTER_PARTS.format(module=module, pinned_cases=pinned_cases, is_tf=framework == "tensorflow")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["h2d0"]["equal"] is True and out["h2d0"]["pinned"] is False
    assert out["h2d0"]["memory"] == "pageable (NumPy buffer, not pinned)"
    assert out["d2h0"]["equal"] and out["d2h0"]["ndarray"] and out["d2h0"]["pinned"] is False
    assert out["d2h0"]["memory"].startswith("pageable")
    if framework == "tensorflow":
        # No public pinned-host API: a pinned request measures the one path, and the record says so.
        # tf.constant copies the NumPy buffer on the host first (the record says its time includes that).
        assert out["h2d0"]["shares_numpy_buffer"] is False
        for key in ("h2d1", "d2h1"):
            assert out[key]["equal"] is True and out[key]["pinned"] is False
            assert "no public API for pinned host memory" in out[key]["memory"]
