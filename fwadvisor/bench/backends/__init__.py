"""One backend per framework; imported only inside a worker process (never by the CLI or TUI).

A framework is two modules here, the only code that imports it:
    <framework>_adapter.py   its Adapter (fwadvisor.bench.recipes.adapter): tensors, kernels, model
                             builders, train step, epoch loop, sync, export
    <framework>_backend.py   the worker's entry: probe(), setup() (which makes the adapter) and
                             run_benchmark(), which runs the shared recipe (fwadvisor.bench.recipes)
Adding a framework means these two modules and a line in worker.BACKEND_MODULES; adding a benchmark
means one recipe.

Contract every backend module (torch_backend, tensorflow_backend) implements; the types are the
Structs of fwadvisor/profiler/protocol.py and documents.py, which the worker sends as they are:

    FRAMEWORK: str                       # "torch" or "tensorflow"

    def probe() -> protocol.Probe
        Import the framework and say what it sees, without running benchmarks: version, whether a
        GPU is available, the GPUs' names and the build ("cuda 12.8", "rocm 7.2" or "cpu").

    def setup(device: str, threads: int | None) -> protocol.Hello
        device is a protocol.DEVICE_IDS id (cpu, cuda, rocm, mps, xpu). Import the framework, set
        the CPU thread count (both intra-op and inter-op where the framework has them; None = leave
        the default), pick the device. TensorFlow enables memory growth before touching a GPU.
        Raises NotSupportedHere (device_support.py's reason) when the framework has no maintained
        path to the device, before touching it; NoGPUError when it has one but cannot use a GPU here.
        The Hello says the version, the device label
        (e.g. "cpu" or "cuda:0 NVIDIA H100 80GB HBM3"), the threads and, on a GPU, its
        documents.GpuProperties (SM count, compute capability ...; None on a CPU): the parent
        uses them to estimate the peak of a card the peak table does not know.

    def run_benchmark(benchmark: str, params: dict, dtype: str, budget_s: float) -> documents.Record
        Run one benchmark case and return a record built with records.make_record. Raises on
        failure (the worker turns the exception into an error record): ValueError for an unknown
        benchmark or a case the device cannot run, MemoryError when memory ran out.

Benchmark ids, parameters and metrics are listed in the catalogue, fwadvisor/profiler/catalog.py.
"""


class NoGPUError(RuntimeError):
    """The framework is installed but cannot use a GPU (a CPU-only build, or no driver)."""


class NotSupportedHere(RuntimeError):
    """The framework has no maintained path to the asked device at all (TensorFlow on an Apple or Intel
    GPU, JAX on Apple's GPU): not a fault but a result, said in words ("not supported here")."""
