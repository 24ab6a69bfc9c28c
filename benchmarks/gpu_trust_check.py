"""Is a GPU run's number normal, and was the card in a state to give it? (issue 11, on a CUDA machine)

Runs the quick suite on the GPU in one framework (torch by default: TensorFlow's GPU build is often
absent on a data-centre image), then prints per record: the number, its spread, whether the machine
was busy, the GPU clocks / temperature / power seen while it ran, whether the clocks throttled, and
whether the number fell inside the usual range for the card (profiles/gpus.yaml). Exit 0 when every
record ran; 1 when any failed; 2 when there is no usable GPU (the profiler itself says so).

    python benchmarks/gpu_trust_check.py [--framework torch] [--suite quick] [--output run.json]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwadvisor.profiler.documents import Record, classify
from fwadvisor.profiler.run_environment import GpuDevice
from fwadvisor.profiler.run_file import load_run


def _span(pair: object, unit: str) -> str:
    if pair is None:
        return "-"
    low, high = pair.min, pair.max  # type: ignore[attr-defined]
    return f"{low:.0f}{unit}" if round(low) == round(high) else f"{low:.0f}-{high:.0f}{unit}"


def _row(record: Record) -> list[str]:
    value = f"{record.metric.value:.4g} {record.metric.name}" if record.metric.value is not None else "-"
    spread = f"±{100 * record.rel_spread / 2:.1f}%" if record.rel_spread is not None else "-"
    telemetry = record.gpu_telemetry
    clocks = _span(telemetry.sm_clock_mhz, " MHz") if telemetry else "-"
    temperature = _span(telemetry.temperature_c, " C") if telemetry else "-"
    power = _span(telemetry.power_w, " W") if telemetry else "-"
    throttled = ", ".join(telemetry.throttle_reasons) if telemetry and telemetry.throttled else "no"
    expected = record.expected
    verdict = f"{expected.verdict} {expected.low:.4g}-{expected.high:.4g}" if expected else "no range"
    return [
        f"{record.benchmark} {record.dtype or ''}".strip(),
        value,
        spread,
        classify(record).value + (" (extended)" if record.sampling_extended else ""),
        "yes" if record.machine_busy else "no",
        clocks,
        temperature,
        power,
        throttled,
        verdict,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="torch", choices=("torch", "tensorflow"))
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    output = args.output or Path(tempfile.mkdtemp()) / "gpu-run.json"
    command = [
        sys.executable, "-m", "fwadvisor", "profile", "--suite", args.suite, "--framework", args.framework,
        "--device", "cuda", "--format", "json", "--output", str(output),
    ]  # fmt: skip
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode == 2 or not output.exists():
        sys.stderr.write(result.stderr)
        return 2
    document = load_run(output)
    gpu = document.environment.gpu_used() or GpuDevice()
    worker = document.workers.get(args.framework)
    print(
        f"{gpu.name or '?'}: driver {document.environment.gpu.driver}, "
        f"power limit {gpu.power_limit_w} W, PCIe gen {gpu.pcie_generation} x{gpu.pcie_width}, "
        f"{args.framework} build {worker.build if worker else '?'}"
    )
    for framework, load in document.load.items():
        print(f"{framework}: {'BUSY: ' + (load.reason or '') if load.busy else 'machine quiet'}")
    header = ["case", "number", "spread", "status", "busy", "SM clock", "temp", "power", "throttled", "expected"]
    rows = [header] + [_row(r) for r in document.results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"saved: {output}")
    return 1 if any(r.error for r in document.results) else 0


if __name__ == "__main__":
    sys.exit(main())
