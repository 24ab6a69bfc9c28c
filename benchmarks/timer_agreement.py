"""Does the profiler's float32 matmul figure agree with the frameworks' own reference timers?

- torch: our worker's matmul record vs torch.utils.benchmark.Timer(...).blocked_autorange() on the
  same shape and thread count (goal: within 10%).
- TensorFlow: our record vs a plain loop (warm up, sync_devices, N calls, sync_devices).
- JAX: our record vs timeit of the same jitted matmul, blocked on every call
  (f(a, b).block_until_ready()), float32 at jax.default_matmul_precision("highest") (goal: within 10%).
- On an NVIDIA GPU (torch only here): matmul and bandwidth vs triton.testing.do_bench (goal: 5%),
  and bf16 matmul vs cuBLAS through torch directly (goal: at least 90%).

Each framework runs in its own process, as in the product. Usage:
    python benchmarks/timer_agreement.py [--size 512] [--threads 2] [--device cpu|cuda] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

TORCH_SNIPPET = r"""
import json, sys, msgspec, torch, torch.utils.benchmark as tb
from fwadvisor.bench.backends import torch_backend as backend
size, threads, device, budget = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
backend.setup(device, threads)
params = {"m": size, "n": size, "k": size}
ours = backend.run_benchmark("matmul", params, "fp32", budget)
torch.set_num_threads(threads)
torch.backends.cuda.matmul.allow_tf32 = False
a = torch.randn(size, size, device=device); b = torch.randn(size, size, device=device)
c = torch.empty(size, size, device=device)  # the backend writes into a preallocated output too
ref = tb.Timer("torch.matmul(a, b, out=c)", globals={"a": a, "b": b, "c": c, "torch": torch},
               num_threads=threads).blocked_autorange(min_run_time=budget)
out = {"ours_s": ours.median_s, "reference_s": ref.median, "metric": msgspec.to_builtins(ours.metric),
       "ours_spread": ours.rel_spread, "reference_iqr": ref.iqr / ref.median}
if device == "cuda":
    import triton.testing as tt
    do_bench_ms = tt.do_bench(lambda: a @ b, warmup=25, rep=200)
    out["do_bench_s"] = do_bench_ms / 1000
    bw = backend.run_benchmark("bandwidth", {"megabytes": 1024}, "fp32", budget)
    x = torch.empty(256 * 1024 * 1024, device=device)
    bw_ms = tt.do_bench(lambda: x * 2.0, warmup=25, rep=200)
    out["bandwidth_ours_gbs"] = bw.metric.value
    out["bandwidth_do_bench_gbs"] = 2 * x.numel() * 4 / (bw_ms / 1000) / 1e9
    big = {"m": 8192, "n": 8192, "k": 8192}
    bf16 = backend.run_benchmark("matmul", big, "bf16", budget)
    a16 = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    b16 = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    cublas_ms = tt.do_bench(lambda: a16 @ b16, warmup=25, rep=200)
    out["bf16_ours_tflops"] = bf16.metric.value
    out["bf16_cublas_tflops"] = 2 * 8192 ** 3 / (cublas_ms / 1000) / 1e12
print(json.dumps(out))
"""

TF_SNIPPET = r"""
import json, sys, time, os
import msgspec
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from fwadvisor.bench.backends import tensorflow_backend as backend
size, threads, device, budget = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
backend.setup(device, threads)
import tensorflow as tf
ours = backend.run_benchmark("matmul", {"m": size, "n": size, "k": size}, "fp32", budget)
tf.config.experimental.enable_tensor_float_32_execution(False)
a = tf.random.normal((size, size)); b = tf.random.normal((size, size))
for _ in range(3):
    tf.linalg.matmul(a, b)
tf.test.experimental.sync_devices()
n = max(3, int(budget / max(ours.median_s, 1e-6)))
samples = []
for _ in range(7):
    tf.test.experimental.sync_devices()
    t0 = time.perf_counter()
    for _ in range(n):
        tf.linalg.matmul(a, b)
    tf.test.experimental.sync_devices()
    samples.append((time.perf_counter() - t0) / n)
samples.sort()
print(json.dumps({"ours_s": ours.median_s, "reference_s": samples[len(samples) // 2],
                  "metric": msgspec.to_builtins(ours.metric), "ours_spread": ours.rel_spread}))
"""

JAX_SNIPPET = r"""
import json, sys, timeit
import msgspec
from fwadvisor.bench.backends import jax_backend as backend
size, threads, device, budget = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
backend.setup(device, threads)
import jax, jax.numpy as jnp
ours = backend.run_benchmark("matmul", {"m": size, "n": size, "k": size}, "fp32", budget)
with jax.default_matmul_precision("highest"):
    a = jax.random.normal(jax.random.key(1), (size, size)); b = jax.random.normal(jax.random.key(2), (size, size))
    f = jax.jit(jnp.matmul).lower(a, b).compile()
timer = timeit.Timer(lambda: f(a, b).block_until_ready())
number = max(1, int(timer.autorange()[0] * max(budget / 0.2, 1) / 7))
samples = sorted(t / number for t in timer.repeat(repeat=7, number=number))
print(json.dumps({"ours_s": ours.median_s, "reference_s": samples[len(samples) // 2],
                  "metric": msgspec.to_builtins(ours.metric), "ours_spread": ours.rel_spread}))
"""
SNIPPETS = {"torch": TORCH_SNIPPET, "tensorflow": TF_SNIPPET, "jax": JAX_SNIPPET}
REFERENCES = {
    "torch": "torch.utils.benchmark Timer",
    "tensorflow": "plain loop + sync_devices",
    "jax": "timeit, block_until_ready per call",
}


def run(snippet: str, args: argparse.Namespace) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", snippet, str(args.size), str(args.threads), args.device, str(args.budget)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--budget", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="independent process pairs; medians reported")
    parser.add_argument("--framework", action="append", choices=tuple(SNIPPETS))
    args = parser.parse_args()
    frameworks = args.framework or list(SNIPPETS)
    print(f"matmul {args.size}^3 fp32 on {args.device}, {args.threads} threads, {args.rounds} rounds")
    for framework in frameworks:
        rounds = [run(SNIPPETS[framework], args) for _ in range(args.rounds)]
        ratios = [r["ours_s"] / r["reference_s"] for r in rounds]
        reference = REFERENCES[framework]
        print(
            f"{framework:10s} ours/reference time ratio per round: "
            + ", ".join(f"{x:.3f}" for x in ratios)
            + f"  median {statistics.median(ratios):.3f} (goal 0.90-1.10) vs {reference}; "
            f"ours {statistics.median(r['metric']['value'] for r in rounds):.4g} {rounds[0]['metric']['name']}"
        )
        if framework == "torch" and args.device == "cuda":
            last = rounds[-1]
            print(f"  do_bench matmul: ours/do_bench {last['ours_s'] / last['do_bench_s']:.3f} (goal within 5%)")
            print(
                f"  bandwidth: ours {last['bandwidth_ours_gbs']:.0f} GB/s, do_bench "
                f"{last['bandwidth_do_bench_gbs']:.0f} GB/s, ratio "
                f"{last['bandwidth_ours_gbs'] / last['bandwidth_do_bench_gbs']:.3f}"
            )
            print(
                f"  bf16 8192^3: ours {last['bf16_ours_tflops']:.0f} TFLOP/s, cuBLAS via torch "
                f"{last['bf16_cublas_tflops']:.0f} TFLOP/s, "
                f"{100 * last['bf16_ours_tflops'] / last['bf16_cublas_tflops']:.0f}% (goal >= 90%)"
            )


if __name__ == "__main__":
    main()
