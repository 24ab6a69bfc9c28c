"""'Not supported here' end to end with the real TensorFlow worker (issue #23): asked for Apple's GPU,
its setup() refuses before touching any device, and the run says so for every planned case, as a
result and not a failure.

`--device mps` cannot reach a worker on a machine that is no Mac (plan_run refuses it), so the plan is
made here with the device set, and everything after it is the real thing: session, runner, worker,
backend, the saved document read back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fwadvisor.frameworks import installed
from fwadvisor.profiler.catalog import NO_TF32_SKIP, UNIFIED_MEMORY_SKIP
from fwadvisor.profiler.documents import ResultStatus, classify
from fwadvisor.profiler.plan import RunPlan
from fwadvisor.profiler.run_environment import CpuInfo, Environment
from fwadvisor.profiler.run_file import load_run
from fwadvisor.profiler.session import run_failed, run_profile, save_document
from fwadvisor.profiler.suites import load_suite, resolve_cases

pytestmark = pytest.mark.skipif(not installed("tensorflow"), reason="TensorFlow is not installed")


def test_tensorflow_on_apple_silicon_is_not_supported_in_every_record_and_the_run_does_not_fail(
    isolated_user_dirs: Path, tmp_path: Path
) -> None:
    suite = load_suite("quick")
    plan = RunPlan(
        suite=suite,
        frameworks=("tensorflow",),
        device="mps",
        cases=tuple(resolve_cases(suite, "mps")),
        environment=Environment(cpu=CpuInfo(logical_cores=2, physical_cores=2)),
        threads=1,
    )
    document = run_profile(plan)

    worker = document.workers["tensorflow"]
    assert worker.status == "not_supported", worker
    assert worker.error is not None and "tensorflow-metal stopped at 1.2.0" in worker.error
    assert len(document.results) == len(plan.cases)
    by_status = {classify(r) for r in document.results}
    assert by_status == {ResultStatus.UNSUPPORTED, ResultStatus.SKIPPED}
    for record in document.results:
        assert record.metric.value is None and record.error is None
        if record.benchmark in ("host_to_device", "device_to_host"):
            assert record.skipped == UNIFIED_MEMORY_SKIP  # answered by the parent: unified memory
        elif record.dtype == "tf32":
            assert record.skipped == NO_TF32_SKIP  # Apple's GPU has no TF32
        else:
            assert record.unsupported == worker.error and record.device == "mps"
    assert not run_failed(document)  # exit code 0: nothing failed

    output = tmp_path / "run.json"
    save_document(document, output)
    again = load_run(output)
    assert [r.unsupported for r in again.results] == [r.unsupported for r in document.results]


@pytest.mark.parametrize(
    ("device", "words"),
    [("rocm", "is not a ROCm build"), ("mps", "was built without MPS"), ("xpu", "sees no Intel GPU (torch.xpu)")],
)
def test_torch_without_the_device_says_which_build_it_needs(device: str, words: str) -> None:
    """On a machine without the GPU, the real torch backend's setup is a NoGPUError that says what is
    missing (a fault to fix, unlike TensorFlow's "not supported here")."""
    if not installed("torch"):
        pytest.skip("torch is not installed")
    import torch

    from fwadvisor.bench.backends import NoGPUError, torch_backend, torch_devices

    if torch_devices.available(device) or (device == "rocm" and torch.version.hip):
        pytest.skip(f"this torch can use {device}")
    if device == "mps" and torch.backends.mps.is_built():
        words = "cannot use MPS here"
    with pytest.raises(NoGPUError, match=words.replace("(", r"\(").replace(")", r"\)")):
        torch_backend.setup(device, None)
