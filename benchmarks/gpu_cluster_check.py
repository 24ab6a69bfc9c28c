"""The cluster suite on this machine's GPUs, through the ordinary CLI: one short table.

Runs `fwadvisor profile --suite cluster --device cuda` for PyTorch (and for TensorFlow when its GPU
build imports here), then prints, per framework:
- all_reduce: bus bandwidth (GB/s, nccl-tests formula 2(n-1)/n) per buffer size, and its share of
  nccl-tests' all_reduce_perf when that tool is on PATH;
- ddp_scaling: p50 step time and scaling efficiency t(1)/t(N) with its 95% interval, per model and N.

On a machine with one GPU there is nothing to all-reduce across: those rows say so, and ddp_scaling
runs its one-device baseline only. TensorFlow's GPU path is measured only where TensorFlow's GPU
build is installed. Exit 0 when every record checked out, 1 otherwise, 2 without a usable GPU.

    python benchmarks/gpu_cluster_check.py [--suite cluster] [--framework torch]...
    python benchmarks/gpu_cluster_check.py --run RUN.json    # the same table from a saved run
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwadvisor.profiler.documents import Record, RunDocument
from fwadvisor.profiler.run_file import load_run


def _frameworks(asked: list[str] | None) -> list[str]:
    if asked:
        return asked
    return [name for name in ("torch", "tensorflow") if importlib.util.find_spec(name) is not None]


SHORT_FRAMEWORK = {"torch": "torch", "tensorflow": "TF"}
SHORT_MODEL = {"train_cnn": "cnn", "train_transformer": "transformer"}
CLUSTER = ("all_reduce", "ddp_scaling")


def _row(record: Record) -> str:
    """One record in 80 columns: framework, the case, and its numbers (or why there are none)."""
    params = record.params
    size = f"N={params.get('world_size')}"
    if record.benchmark == "all_reduce":
        case = f"all_reduce {params.get('mebibytes')} MiB {size}" + (" 1proc" if params.get("single_process") else "")
    else:
        model = SHORT_MODEL.get(str(params.get("model")), str(params.get("model")))
        case = f"{model} {record.dtype} {size}"
    head = f"{SHORT_FRAMEWORK.get(record.framework, record.framework):<6}{case:<30}"
    if record.error or record.skipped:
        return head + "skipped" if record.skipped else head + "failed: " + (record.error or "")[:36]
    extra = record.extra
    if record.benchmark == "all_reduce":
        busbw = extra.get("busbw_gbs")
        shown = f"busbw {busbw:.3g} GB/s" if isinstance(busbw, float | int) else "busbw ?"
        share = extra.get("share_of_reference")
        if isinstance(share, float | int):
            shown += f", {share:.0%} of nccl-tests"
    else:
        shown = f"p50 {1000 * (record.median_s or 0):.3g} ms"
        efficiency = extra.get("scaling_efficiency")
        if isinstance(efficiency, float | int):
            low, high = extra.get("scaling_efficiency_low"), extra.get("scaling_efficiency_high")
            shown += f", eff {efficiency:.2f}"
            if isinstance(low, float | int) and isinstance(high, float | int):
                shown += f" ({low:.2f}-{high:.2f})"
    return head + shown + ("" if record.correct else " NOT CHECKED OUT") + (" !" if record.machine_busy else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="cluster", help="a suite name or file (default: cluster)")
    parser.add_argument("--framework", action="append", choices=("torch", "tensorflow"))
    parser.add_argument("--run", type=Path, help="print the table of a saved run (any device) instead")
    args = parser.parse_args()
    if args.run is not None:
        return _print_table(load_run(args.run))
    if shutil.which("nvidia-smi") is None:
        print("no NVIDIA driver here (nvidia-smi is not on PATH): nothing to check", file=sys.stderr)
        return 2
    frameworks = _frameworks(args.framework)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "cluster.json"
        command = [sys.executable, "-m", "fwadvisor", "profile", "--suite", args.suite, "--device", "cuda"]
        command += [item for name in frameworks for item in ("--framework", name)]
        command += ["--format", "json", "--output", str(output)]
        completed = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if completed.returncode == 2 or not output.exists():
            print(f"the profile did not run (exit {completed.returncode})", file=sys.stderr)
            return 2
        document: RunDocument = load_run(output)
    return _print_table(document)


def _print_table(document: RunDocument) -> int:
    """The run's cluster records, one line each (80 columns), and the exit code."""
    environment = document.environment
    cards = ", ".join(gpu.name or "?" for gpu in environment.gpu.gpus)
    print(f"{len(environment.gpu.gpus)} GPU(s): {cards}" if cards else f"device: {document.suite.device}")
    reference = document.collective_reference
    if reference is None:
        print("nccl-tests: all_reduce_perf not on PATH (no reference row)")
    elif reference.error:
        print(f"nccl-tests: {reference.error}")
    for framework, summary in document.workers.items():
        print(f"{framework}: {summary.framework_version or '?'} - {summary.status}")
    for record in document.results:
        if record.benchmark in CLUSTER:
            print(_row(record))
    print("! measured while other processes were busy (no evidence)")
    print("eff: scaling efficiency t(1)/t(N), same batch per device, with its 95% interval")
    if "tensorflow" not in document.workers:
        print("TensorFlow: not run here; its GPU path was not measured")
    checked = all(r.error is None and r.correct is not False for r in document.results if not r.skipped)
    return 0 if checked else 1


if __name__ == "__main__":
    raise SystemExit(main())
