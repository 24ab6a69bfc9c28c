"""The cluster suite's parent side without a framework: world sizes from the machine, launch groups,
their commands, the cases file, suite errors, scaling efficiency and the nccl-tests reference."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import msgspec
import pytest

from conftest import run_cli
from fwadvisor.errors import InputError
from fwadvisor.profiler.catalog import CATALOG, CLUSTER_BENCHMARKS, param_problem, shape_text
from fwadvisor.profiler.cluster_launch import cases_file, free_loopback_port, launch_command
from fwadvisor.profiler.cluster_plan import (
    TORCH_SINGLE_PROCESS_WHY,
    LaunchGroup,
    expand_world_sizes,
    scaling_sizes,
    split_cases,
    threads_per_rank,
)
from fwadvisor.profiler.cluster_results import (
    add_reference_share,
    add_scaling_efficiency,
    parse_all_reduce_perf,
    run_reference,
)
from fwadvisor.profiler.documents import Metric, Record
from fwadvisor.profiler.plan import plan_run
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.run_environment import CpuInfo, Environment, GpuDevice, GpuInfo
from fwadvisor.profiler.suites import load_suite

CNN: dict[str, int | str] = {"model": "train_cnn", "batch": 4, "image": 8, "channels": 3, "classes": 4}


def machine(cpus: int = 2, gpus: int = 0) -> Environment:
    return Environment(
        cpu=CpuInfo(logical_cores=cpus, physical_cores=cpus),
        gpu=GpuInfo(gpus=[GpuDevice(index=i, name="NVIDIA H100") for i in range(gpus)]),
    )


def write_suite(folder: Path, entries: str, name: str = "mine") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text("name: mine\ndescription: cluster test\nbenchmarks:\n" + textwrap.dedent(entries))
    return path


def test_the_cluster_benchmarks_are_in_the_catalogue_as_launch_groups() -> None:
    assert CLUSTER_BENCHMARKS == ("all_reduce", "ddp_scaling")
    assert CATALOG["all_reduce"].no_peak and CATALOG["all_reduce"].only_dtypes == ("fp32",)
    choice = CATALOG["ddp_scaling"].choice
    assert choice is not None and tuple(choice.options) == ("train_cnn", "train_transformer")
    assert "per device" in choice.options["train_cnn"]["batch"]
    assert shape_text({**CNN, "world_size": 4}, "ddp_scaling") == "CNN b4 8²×3 →4 on 4"
    assert shape_text({"mebibytes": 64, "world_size": 2, "single_process": 1}, "all_reduce") == (
        "64 MiB on 2, one process"
    )


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"batch": 4}, "needs `model` (the training step scaled): one of train_cnn, train_transformer"),
        ({**CNN, "model": "train_rnn"}, "`model` of benchmark 'ddp_scaling' is one of train_cnn, train_transformer"),
        ({**CNN, "seq_len": 8}, "has no parameter 'seq_len'; it takes batch, channels, classes, image, model"),
        ({**CNN, "batch": "four"}, "`batch` of benchmark 'ddp_scaling' is a whole number; got 'four'"),
        ({**CNN, "world_size": 0}, "`world_size` must be greater than 0"),
    ],
)
def test_a_choice_param_is_checked_and_names_the_allowed_choices(params: dict[str, int | str], problem: str) -> None:
    found = param_problem("ddp_scaling", params)
    assert found is not None and problem in found
    assert param_problem("ddp_scaling", CNN) is None  # world_size left out: the plan fills it


def test_suite_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - benchmark: ddp_scaling
          cpu:
            params:
              model: train_lstm
              batch: 4
        """,
    )
    with pytest.raises(InputError) as info:
        load_suite(str(path))
    assert info.value.line == 7 and "one of train_cnn, train_transformer; got 'train_lstm'" in str(info.value)
    bf16 = write_suite(tmp_path, "- benchmark: all_reduce\n  cpu: {params: {mebibytes: 1}, dtypes: [bf16]}\n", "bf16")
    with pytest.raises(InputError, match="dtype 'bf16' is not allowed here; choose from fp32"):
        load_suite(str(bf16))
    result = run_cli("profile", "--suite", str(path), "--device", "cpu")
    assert result.returncode == 2 and f"{path.name}:7" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("devices", "sizes"), [(1, [1]), (2, [1, 2]), (4, [1, 2, 4]), (6, [1, 2, 4, 6])])
def test_ddp_scaling_runs_at_powers_of_two_and_every_device(devices: int, sizes: list[int]) -> None:
    assert scaling_sizes(devices) == sizes


def test_the_plan_takes_world_sizes_from_the_devices() -> None:
    suite = load_suite("cluster")
    cpu = plan_run(suite, environment=machine(cpus=16), device="cpu")
    assert {c.params["world_size"] for c in cpu.cases if c.benchmark == "all_reduce"} == {4}  # at most 4 on a CPU
    gpu = plan_run(suite, environment=machine(gpus=8), device="cuda")
    scaling = [c.params["world_size"] for c in gpu.cases if c.benchmark == "ddp_scaling"]
    assert scaling == [1, 2, 4, 8, 1, 2, 4, 8]
    assert [c.params["mebibytes"] for c in gpu.cases if c.benchmark == "all_reduce"][:6] == [1, 4, 16, 64, 256, 1024]
    pinned = Case("all_reduce", {"mebibytes": 1, "single_process": 0, "world_size": 3}, "fp32", 1.0)
    assert expand_world_sizes([pinned], "cpu", machine(cpus=2)) == [pinned]


def test_cases_are_grouped_per_launch_and_what_no_launch_runs_is_answered() -> None:
    env = machine(cpus=1)
    cases = expand_world_sizes(
        [
            Case("eager_overhead", {"ops": 1, "size": 1}, "fp32", 1.0),
            Case("all_reduce", {"mebibytes": 1, "single_process": 0}, "fp32", 1.0),
            Case("ddp_scaling", {**CNN, "world_size": 2}, "fp32", 1.0),
            Case("ddp_scaling", dict(CNN), "fp32", 1.0),
            Case("all_reduce", {"mebibytes": 1, "single_process": 1, "world_size": 2}, "fp32", 1.0),
        ],
        "cpu",
        env,
    )
    torch = split_cases("torch", cases, "cpu", env)
    assert torch.worker_indices == [0]
    assert [(g.world_size, g.single_process, g.indices) for g in torch.groups] == [(1, False, [3]), (2, False, [2])]
    assert torch.answered[1].skipped == "an all-reduce needs at least 2 devices; this machine has 1 logical CPU device"
    assert torch.answered[4].skipped == TORCH_SINGLE_PROCESS_WHY and torch.answered[4].error is None
    tf = split_cases("tensorflow", cases, "cpu", env)
    assert [(g.world_size, g.single_process, g.label) for g in tf.groups] == [
        (1, False, "one device, no strategy"),
        (2, False, "TF_CONFIG, 2 ranks"),
        (2, True, "MirroredStrategy, one process over 2 devices"),
    ]


def test_launch_commands(tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    torch = launch_command(LaunchGroup("torch", 4, False), "cpu", 1, cases, port=29511)
    start = torch.index("torch.distributed.run")
    assert torch[:3] == [sys.executable, "-m", "fwadvisor.profiler.exec_with_parent"]  # dies with us
    assert torch[start + 1 :] == [
        "--nnodes=1",
        "--nproc-per-node=4",
        "--rdzv-backend=c10d",
        "--rdzv-endpoint=127.0.0.1:29511",
        "--max-restarts=0",
        "-m",
        "fwadvisor.bench.cluster.rank",
        "--framework",
        "torch",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--cases",
        str(cases),
    ]
    tf = launch_command(LaunchGroup("tensorflow", 2, False), "cuda", None, cases)
    assert tf[1:] == [
        "-m",
        "fwadvisor.bench.cluster.tf_launch",
        "--world-size",
        "2",
        "--device",
        "cuda",
        "--cases",
        str(cases),
    ]
    one = launch_command(LaunchGroup("tensorflow", 2, True), "cpu", 2, cases)
    assert one[3:8] == ["--framework", "tensorflow", "--single-process", "--world-size", "2"]
    base = launch_command(LaunchGroup("torch", 1, False), "cpu", 2, cases)
    assert base[3:7] == ["--framework", "torch", "--world-size", "1"]
    assert [threads_per_rank(2, 4, "cpu"), threads_per_rank(8, 4, "cpu"), threads_per_rank(8, 4, "cuda")] == [1, 2, 8]


def test_a_free_loopback_port_can_be_bound_and_the_cases_file_is_private_and_removed() -> None:
    port = free_loopback_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
    case = Case("all_reduce", {"mebibytes": 1, "world_size": 2, "single_process": 0}, "fp32", 1.0)
    with cases_file([case]) as path:
        assert msgspec.json.decode(path.read_bytes(), type=list[Case]) == [case]
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not path.parent.exists()


def test_exec_with_parent_becomes_the_command_and_refuses_a_parent_that_is_not_its_own() -> None:
    command = [sys.executable, "-m", "fwadvisor.profiler.exec_with_parent", sys.executable, "-c"]
    show = "import os; print(os.environ.get('FWADVISOR_WORKER_PARENT'), os.getpid())"
    done = subprocess.run(
        [*command, show],
        capture_output=True,
        text=True,
        env={**os.environ, "FWADVISOR_WORKER_PARENT": str(os.getpid())},
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.split()[0] == "None"  # consumed: the ranks never compare
    stale = subprocess.run(
        [*command, "print('ran')"],
        capture_output=True,
        text=True,
        env={**os.environ, "FWADVISOR_WORKER_PARENT": "1"},
        timeout=60,
    )
    assert stale.returncode == 3 and "ran" not in stale.stdout
    assert signal.SIGKILL  # the death signal it asks for (read in the module's docstring)


def timed(framework: str, world: int, median: float, low: float, high: float) -> Record:
    return Record(
        benchmark="ddp_scaling",
        framework=framework,  # type: ignore[arg-type]
        dtype="fp32",
        params={**CNN, "world_size": world},
        median_s=median,
        median_low_s=low,
        median_high_s=high,
        metric=Metric("steps/s", 1 / median),
    )


def test_scaling_efficiency_against_the_same_frameworks_one_device_step() -> None:
    records = [
        timed("torch", 1, 0.10, 0.09, 0.11),
        timed("torch", 2, 0.125, 0.12, 0.13),
        timed("tensorflow", 2, 0.2, 0.19, 0.21),  # no TensorFlow baseline: no efficiency
    ]
    add_scaling_efficiency(records)
    extra = records[1].extra
    assert extra["baseline_step_s"] == 0.10 and extra["scaling_efficiency"] == 0.8
    assert extra["scaling_efficiency_low"] == round(0.09 / 0.13, 4)
    assert extra["scaling_efficiency_high"] == round(0.11 / 0.12, 4)
    assert "scaling_efficiency" not in records[0].extra and "scaling_efficiency" not in records[2].extra


# nccl-tests 2.x's all_reduce_perf on 8 GPUs (the layout of NVIDIA/nccl-tests' README and issues).
NCCL_TESTS_OUTPUT = """\
# nThread 1 nGpus 8 minBytes 1048576 maxBytes 1073741824 step: 4(factor) warmup iters: 5 iters: 20 agg iters: 1 \
validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid  41170 on    node-01 device  0 [0x18] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid  41170 on    node-01 device  1 [0x2a] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
     1048576        262144     float     sum      -1    28.15   37.25   65.19      0    27.52   38.10   66.67      0
     4194304       1048576     float     sum      -1    53.24   78.78  137.87      0    52.85   79.36  138.88      0
  1073741824     268435456     float     sum      -1   4662.1  230.31  403.04      0   4650.3  230.90  404.07    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 202.62
#
"""


def test_the_nccl_tests_table_is_parsed_in_place_and_out_of_place() -> None:
    rows = parse_all_reduce_perf(NCCL_TESTS_OUTPUT)
    assert [(r.bytes, r.in_place, r.busbw_gbs) for r in rows[:2]] == [(1048576, False, 65.19), (1048576, True, 66.67)]
    assert rows[-1].bytes == 1 << 30 and rows[-1].in_place and rows[-1].time_us == 4650.3
    flipped = NCCL_TESTS_OUTPUT.replace("out-of-place                       in-place", "in-place          out-of-place")
    assert parse_all_reduce_perf(flipped)[0].in_place


def fake_all_reduce_perf(folder: Path, output: str, code: int = 0) -> None:
    script = folder / "all_reduce_perf"
    body = f"import sys\nsys.stdout.write({output!r})\nsys.stderr.write('NCCL WARN boom\\n')\nsys.exit({code})\n"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)


def test_a_fake_all_reduce_perf_on_path_gives_each_record_its_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    fake_all_reduce_perf(tmp_path, NCCL_TESTS_OUTPUT)
    reference = run_reference(8)
    assert reference is not None and reference.error is None and len(reference.rows) == 6
    assert reference.command[1:] == ["-b", "1M", "-e", "1G", "-f", "4", "-g", "8", "-w", "5", "-n", "20"]
    record = Record(benchmark="all_reduce", framework="torch", params={"mebibytes": 4}, metric=Metric("GB/s", 111.1))
    add_reference_share([record], reference)
    assert record.extra == {"reference_busbw_gbs": 138.88, "share_of_reference": 0.8}
    fake_all_reduce_perf(tmp_path, "# nThread 1\n", code=1)
    failed = run_reference(2)
    assert failed is not None and failed.rows == [] and failed.error == "it exited with code 1: NCCL WARN boom"
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert run_reference(2) is None  # not installed: no reference, no error
