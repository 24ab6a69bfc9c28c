"""One module per framework; imported only inside a worker process (never by the CLI or TUI).

Contract every backend module (torch_backend, tensorflow_backend) implements:

    FRAMEWORK: str                       # "torch" or "tensorflow"

    def probe() -> dict
        Import the framework and say what it sees, without running benchmarks:
        {"framework_version": str, "gpu_available": bool, "gpu_devices": [str, ...],
         "build": str}   # e.g. "cuda 12.8", "rocm 7.2" or "cpu"

    def setup(device: str, threads: int | None) -> dict
        device is "cpu" or "cuda". Import the framework, set the CPU thread count (both intra-op
        and inter-op where the framework has them; None = leave the default), pick the device.
        TensorFlow enables memory growth before touching a GPU. Raises NoGPUError when device is
        "cuda" and the framework cannot use a GPU. Returns {"framework_version": str,
        "device": str (e.g. "cpu" or "cuda:0 NVIDIA H100 80GB HBM3"), "threads": int,
        "gpu_properties": dict}   # gpu_properties: sm_count, compute capability ... ({} on CPU)

    def run_benchmark(benchmark: str, params: dict, dtype: str, budget_s: float) -> dict
        Run one benchmark case and return a record built with records.make_record. Raises on
        failure (the worker turns the exception into an error record).

Benchmark ids, parameters and metrics are listed in fwadvisor/profiler/suites.py (BENCHMARK_PARAMS).
"""


class NoGPUError(RuntimeError):
    """The framework is installed but cannot use a GPU (a CPU-only build, or no driver)."""
