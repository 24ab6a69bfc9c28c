"""The torch GPU paths of issue 12, on the machine's first CUDA GPU: one short table (torch only).

- conv2d bf16 channels_last (quick suite's GPU shape): our record's time per call against
  triton.testing.do_bench of the same call (goal: within 10%), and the NCHW record beside it (what
  PyTorch's default costs);
- train_transformer bf16 mixed precision (batch 32, seq 512, width 1024, 16 heads): TFLOP/s achieved
  and percent of the card's dense bf16 peak (profiles/gpus.yaml);
- host_to_device and device_to_host, pinned and pageable: GB/s and share of the PCIe link (NVML).

TensorFlow's GPU paths are not exercised here (run `fwadvisor profile --device cuda` where TensorFlow's
GPU build is installed). Exit 0 when every record checked out, 1 otherwise, 2 without a usable GPU.

    python benchmarks/gpu_check.py [--budget 1.0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwadvisor.profiler.documents import Record

CONV = {"batch": 64, "height": 56, "width": 56, "channels_in": 128, "channels_out": 128, "kernel": 3}
TRANSFORMER = {"batch": 32, "seq_len": 512, "width": 1024, "heads": 16, "mlp": 4096, "classes": 10}
COPY_MB = 256


def _conv_against_do_bench(backend: Any, budget_s: float) -> tuple[Record, Record, float]:
    """Our channels_last and NCHW records, and do_bench's seconds for the same channels_last call."""
    import torch
    import torch.nn.functional as F
    import triton.testing

    channels_last = backend.run_benchmark("conv2d", {**CONV, "torch_layout": "channels_last"}, "bf16", budget_s)
    nchw = backend.run_benchmark("conv2d", {**CONV, "torch_layout": "nchw"}, "bf16", budget_s)
    torch.backends.cudnn.benchmark = True  # as the adapter sets it for convolutions
    x = torch.randn(CONV["batch"], CONV["channels_in"], CONV["height"], CONV["width"], device="cuda")
    w = torch.randn(CONV["channels_out"], CONV["channels_in"], CONV["kernel"], CONV["kernel"], device="cuda")
    x = x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    w = w.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    reference_ms = triton.testing.do_bench(lambda: F.conv2d(x, w, padding="same"), warmup=50, rep=500)
    return channels_last, nchw, reference_ms / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per case (the suites' 1.0)")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(f"no usable CUDA GPU for torch {torch.__version__}: nothing to check", file=sys.stderr)
        return 2
    from fwadvisor.bench.backends import torch_backend as backend
    from fwadvisor.profiler.environment import gpu_info
    from fwadvisor.profiler.pcie import add_link_share
    from fwadvisor.profiler.peaks import peak_for, percent_of_peak
    from fwadvisor.profiler.run_environment import Environment

    hello = backend.setup("cuda", None)
    print(f"{hello.device}, torch {hello.framework_version}")
    rows: list[tuple[str, str, str]] = []
    records: list[Record] = []

    channels_last, nchw, reference_s = _conv_against_do_bench(backend, args.budget)
    records += [channels_last, nchw]
    ours_s = channels_last.median_s or float("nan")
    rows.append(
        (
            "conv2d bf16 channels_last",
            f"{channels_last.metric.value:.1f} {channels_last.metric.name}",
            f"ours/do_bench time {ours_s / reference_s:.3f} (goal within 10%)",
        )
    )
    rows.append(
        (
            "conv2d bf16 NCHW",
            f"{nchw.metric.value:.1f} {nchw.metric.name}",
            f"channels_last/NCHW throughput {(channels_last.metric.value or 0) / (nchw.metric.value or 1):.2f}x",
        )
    )

    transformer = backend.run_benchmark("train_transformer", TRANSFORMER, "bf16", args.budget)
    records.append(transformer)
    rate, unit = transformer.extra.get("flop_rate"), transformer.extra.get("flop_rate_unit", "TFLOP/s")
    peak = peak_for(transformer.device, "flops", "bf16")
    share = percent_of_peak(rate, unit, peak) if rate is not None and peak is not None else None
    peak_text = f"{share:.0f}% of the dense bf16 peak ({peak.value:g} {peak.unit})" if share and peak else "no peak"
    rows.append(
        (
            "train_transformer bf16 step",
            f"{transformer.metric.value:.2f} steps/s, {rate:.1f} {unit}" if rate is not None else "no rate",
            peak_text,
        )
    )

    copies = [
        backend.run_benchmark(name, {"megabytes": COPY_MB, "pinned": pinned}, "fp32", args.budget)
        for name in ("host_to_device", "device_to_host")
        for pinned in (1, 0)
    ]
    add_link_share(copies, Environment(gpu=gpu_info()))
    records += copies
    for record in copies:
        link = record.extra.get("pcie_link", "link unknown")
        share_of_link = record.extra.get("share_of_link")
        rows.append(
            (
                f"{record.benchmark} {'pinned' if record.params.get('pinned') else 'pageable'}",
                f"{record.metric.value:.1f} GB/s" if record.metric.value is not None else "failed",
                f"{100 * share_of_link:.0f}% of {link}" if share_of_link is not None else str(link),
            )
        )

    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    bad = [r for r in records if r.error or r.correct is not True]
    for record in bad:
        print(f"NOT OK: {record.benchmark} {record.params}: {record.error or record.check}")
    print("TensorFlow's GPU paths were not run by this script.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
