"""The quick suite on this machine's GPU of any vendor, through fwadvisor's own profile path: one check
table in 80 columns (issue 23).

For a user with an AMD (ROCm), Apple (mps), Intel (xpu) or NVIDIA (cuda) GPU: runs
`fwadvisor profile --suite quick --device DEVICE` with every installed framework (PyTorch,
TensorFlow, JAX), then prints per result: framework, benchmark and dtype, the device the number was
measured on, the value, its percent of the device's datasheet peak (profiles/gpus.yaml; "-" where the
part has no entry), and whether it checked out against the reference. A framework with no path to the
device (TensorFlow or JAX on an Apple or Intel GPU) is "not supported here", with its reason, and is
no failure. The GPU telemetry the run had (NVML, amdsmi, or none) is said under the table.

The device is found through PyTorch (torch.cuda with torch.version.hip for ROCm, torch.backends.mps,
torch.xpu), in a separate process. Exit 0 when every measured result checked out, 1 when one failed
or did not check out, 2 without such a device or when the profile could not run.

    python benchmarks/device_check.py [--device auto|rocm|mps|xpu|cuda] [--suite quick]
    python benchmarks/device_check.py --run RUN.json    # the same table from a saved run
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwadvisor.frameworks import PROFILER_IDS, identity, installed
from fwadvisor.profiler.documents import Record, RunDocument
from fwadvisor.profiler.run_file import load_run
from fwadvisor.safe_text import one_line, wrap_words

WIDTH = 80
GPU_DEVICES = ("rocm", "mps", "xpu", "cuda")  # auto takes the first one found, vendors beyond NVIDIA first
PROBE_TIMEOUT_S = 180
# Which GPU devices PyTorch sees here, one id per line (run in its own process: this one imports no
# framework). A ROCm build answers torch.cuda over HIP, told apart by torch.version.hip.
PROBE = """
import torch
if torch.cuda.is_available():
    print("rocm" if getattr(torch.version, "hip", None) else "cuda")
mps = getattr(torch.backends, "mps", None)
if mps is not None and mps.is_available():
    print("mps")
xpu = getattr(torch, "xpu", None)
if xpu is not None and xpu.is_available():
    print("xpu")
"""
DEVICE_WORDS = {"rocm": "AMD GPU (ROCm)", "mps": "Apple GPU (mps)", "xpu": "Intel GPU (xpu)", "cuda": "NVIDIA GPU"}


def devices_here() -> tuple[list[str], str | None]:
    """The GPU device ids PyTorch sees, and why none could be looked for (None when it could)."""
    if not installed("torch"):
        return [], "PyTorch is not installed, and this check finds the GPU through it"
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return [], f"PyTorch took over {PROBE_TIMEOUT_S} s to say which GPUs it sees"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return [], f"PyTorch failed while looking for a GPU: {one_line(last)[:120]}"
    return [line for line in done.stdout.split() if line in GPU_DEVICES], None


def pick_device(asked: str, found: list[str], why_not: str | None) -> tuple[str | None, str]:
    """The device to check, or None and the one line that says why there is none."""
    if why_not is not None:
        return None, f"no device to check: {why_not}"
    if asked == "auto":
        for device in GPU_DEVICES:
            if device in found:
                return device, ""
        return None, "no GPU here (no ROCm, Apple mps, Intel xpu or CUDA device that PyTorch sees): nothing to check"
    if asked not in found:
        return None, f"no {DEVICE_WORDS[asked]} here (PyTorch does not see a '{asked}' device): nothing to check"
    return asked, ""


def _short(text: str, width: int) -> str:
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "~"


def _value(record: Record) -> str:
    value = record.metric.value
    if value is None:
        return "-"
    return f"{value:.4g} {record.metric.name}"


def _check(record: Record) -> str:
    if record.error is not None:
        return "FAIL"
    if record.correct is True:
        return "ok"
    if record.correct is False:
        return "WRONG"
    return "-"  # no reference for this benchmark (a copy, a timing-only case)


def row(record: Record) -> str:
    """One result in 80 columns: framework, case, device, value, percent of peak, check."""
    framework = _short(identity(record.framework).short if record.framework in PROFILER_IDS else record.framework, 5)
    case = _short(f"{record.benchmark} {record.dtype or ''}".strip(), 22)
    device = _short(record.device, 20)
    unsupported = getattr(record, "unsupported", None)  # the run document's "not supported here" reason
    if unsupported:
        return f"{framework:<6}{case:<23}{device:<21}not supported here"
    if record.skipped is not None:
        return f"{framework:<6}{case:<23}{device:<21}skipped"
    peak = "-" if record.percent_of_peak is None else f"{record.percent_of_peak:.0f}%"
    busy = " !" if record.machine_busy else ""
    return f"{framework:<6}{case:<23}{device:<21}{_value(record):<17}{peak:>5} {_check(record):<5}".rstrip() + busy


def print_table(document: RunDocument) -> int:
    """The run's results (80 columns), its not-supported reasons and telemetry, and the exit code."""
    print(f"{'fw':<6}{'benchmark':<23}{'device':<21}{'value':<17}{'peak':>5} check")
    failed = False
    for record in document.results:
        print(row(record))
        if getattr(record, "unsupported", None) is None and record.skipped is None:
            failed = failed or record.error is not None or record.correct is False
    notes: list[str] = []
    for framework, summary in document.workers.items():
        name = identity(framework).name if framework in PROFILER_IDS else framework
        if summary.status == "not_supported":
            notes.append(f"{name}: not supported here: {one_line(summary.error or 'no reason given')}")
        elif summary.status != "ok":
            failed = True
            notes.append(f"{name}: {summary.status}: {one_line(summary.error or '')}")
    notes += sorted({one_line(load.gpu_telemetry) for load in document.load.values() if load.gpu_telemetry})
    for note in notes:
        print("\n".join(wrap_words(note, WIDTH, hang="  ")))
    print("peak: share of the datasheet peak (profiles/gpus.yaml), - where none is known")
    if any(record.machine_busy for record in document.results):
        print("! measured while other processes were busy: no evidence (see the run's load)")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=("auto", *GPU_DEVICES))
    parser.add_argument("--suite", default="quick", help="a suite name or file (default: quick)")
    parser.add_argument("--run", type=Path, help="print the table of a saved run instead")
    args = parser.parse_args()
    if args.run is not None:
        return print_table(load_run(args.run))
    found, why_not = devices_here()
    device, words = pick_device(args.device, found, why_not)
    if device is None:
        print(words, file=sys.stderr)
        return 2
    frameworks = [framework for framework in PROFILER_IDS if installed(framework)]
    print(f"checking {DEVICE_WORDS[device]} with {', '.join(identity(f).name for f in frameworks)}")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "device-check.json"
        command = [sys.executable, "-m", "fwadvisor", "profile", "--suite", args.suite, "--device", device]
        command += [item for framework in frameworks for item in ("--framework", framework)]
        command += ["--format", "json", "--output", str(output)]
        done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if done.returncode == 2 or not output.exists():
            print(f"the profile did not run (exit {done.returncode})", file=sys.stderr)
            return 2
        document = load_run(output)
    return print_table(document)


if __name__ == "__main__":
    raise SystemExit(main())
