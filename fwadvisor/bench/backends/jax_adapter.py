"""JAX's adapter: the framework operations the recipes (fwadvisor.bench.recipes) are written against.

Plain, idiomatic JAX: NHWC arrays on one device, kernels compiled ahead of time with
jax.jit(f).lower(args).compile() (compile time measured apart and recorded as compile_s), op-by-op
jnp calls where a recipe asks for eager work, Flax linen models (jax_models.py), Optax SGD with
momentum in a jitted train step, and jax.export for deployment.

Timing honesty: JAX dispatch is asynchronous, so a call returns before its work is done; timing
unblocked calls measures dispatch, orders of magnitude too fast. JAX has no "wait for the device"
call, only jax.block_until_ready on given arrays. So every timed call is blocked on its own output
(`timed`), as JAX's own documentation times code (`f(x).block_until_ready()`): each call the clock sees
has finished its work when it returns, and `sync()` has nothing left to wait for. A block of calls is
then the sum of whole calls, which benchmarks/timer_agreement.py checks against timeit of the same
blocked call.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final

import jax
import jax.numpy as jnp
import numpy as np

from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends import jax_models as jm
from fwadvisor.bench.backends.jax_compile import compile_options, config_value
from fwadvisor.bench.backends.jax_copies import JaxCopyParts
from fwadvisor.bench.backends.jax_training import JaxTrainingParts
from fwadvisor.bench.backends.jax_transformer import JaxTransformerParts
from fwadvisor.bench.recipes.adapter import ImageLayout
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details, PrecisionFlags

FRAMEWORK: Final = "jax"
JAX_DTYPES: dict[str, Any] = {"fp32": jnp.float32, "tf32": jnp.float32, "fp16": jnp.float16, "bf16": jnp.bfloat16}
# jax.default_matmul_precision per profiler dtype: fp32 must say "highest", because on a GPU JAX's
# default for float32 matmuls and convolutions is a TF32-like pass; bf16/fp16 inputs are already narrow.
MATMUL_PRECISION = {"fp32": "highest", "tf32": "tensorfloat32", "fp16": "default", "bf16": "default"}
NHWC = ImageLayout("nhwc", "NHWC", "NHWC (JAX's native layout)")


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class JaxAdapter(JaxTrainingParts, JaxTransformerParts, JaxCopyParts):
    """JAX on one device (see recipes.adapter.Adapter for what each member means)."""

    framework = FRAMEWORK
    layout = "NHWC"
    native_layout = "NHWC (JAX's native layout)"
    train_mode = "jax.jit (Flax linen + Optax step, compiled ahead of time)"
    fit_mode = "jax.jit (train step)"
    export_format = "jax.export (serialized StableHLO)"
    export_how = (
        "jax.export.export(jax.jit(apply)) with a symbolic batch, serialize(); reloaded with deserialize().call"
    )
    l2_cache_bytes: int | None = None  # JAX does not report the L2 size

    def __init__(self, jax_device: Any, device: str, label: str, threads: int) -> None:
        self.jax_device = jax_device
        self.device = device
        self.label = label
        self.threads = threads
        self.version = jax.__version__
        self.lstm_kernel = "Keras-layout LSTM in Flax: jax.lax.scan over time steps, compiled by XLA"
        self.sync: Callable[[], None] = self._sync
        self.matmul_precision = "default"

    @property
    def gpu(self) -> bool:
        return self.device != "cpu"

    # ---- the clock's sync

    def _sync(self) -> None:
        """Nothing to wait for: every timed call blocked on its own output before returning (`timed`)."""

    def timed(self, fn: Callable[[], Any]) -> Callable[[], Any]:
        """`fn` blocked on its output: what every Kernel's call is (see the module docstring)."""
        return lambda: jax.block_until_ready(fn())

    def threads_in_use(self) -> int:
        return self.threads

    @contextlib.contextmanager
    def case_scope(self) -> Iterator[None]:
        """Every array of the case on this device; out-of-memory becomes MemoryError with a clear message."""
        try:
            with jax.default_device(self.jax_device):
                yield
        except Exception as exc:
            if "RESOURCE_EXHAUSTED" in str(exc) or "Out of memory" in str(exc):
                where = "host" if self.device == "cpu" else "device"
                raise MemoryError(f"out of {where} memory: {first_line(exc)}") from exc
            raise

    def set_precision(self, dtype: str) -> PrecisionFlags:
        """Explicit matmul/convolution precision (jax_default_matmul_precision), recorded as in force."""
        self.matmul_precision = MATMUL_PRECISION[dtype]
        jax.config.update("jax_default_matmul_precision", self.matmul_precision)
        in_force = config_value("jax_default_matmul_precision") or "default"
        tf32 = in_force == "tensorfloat32"
        return {
            "tf32_matmul": tf32,
            "tf32_conv": tf32,
            "dtype": dtype,
            "matmul_precision": in_force,
            "x64": bool(config_value("jax_enable_x64")),
        }

    def inference(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # JAX keeps no autograd tape: gradients exist only under jax.grad

    def model_precision(self, dtype: str) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # mixed precision lives in the train step (trainer(mixed=...))

    # ---- image layouts

    def image_layout(self, torch_layout: str | None) -> ImageLayout:
        return NHWC

    def in_layout(self, value: Any, layout: ImageLayout) -> Any:
        return value  # NHWC is JAX's only layout here

    # ---- tensors

    def tensor(self, array: np.ndarray, dtype: str | None = None) -> jax.Array:
        placed = jax.device_put(array, self.jax_device)
        return placed.astype(JAX_DTYPES[dtype]) if dtype else placed

    def numpy(self, tensor: jax.Array) -> np.ndarray:
        # Upcast first (NumPy has no bfloat16; fp16/bf16 -> fp32 is exact); only ever used on small tensors.
        return np.asarray(tensor.astype(jnp.float32) if tensor.dtype != jnp.float32 else tensor)

    def gather(self, tensor: jax.Array, indices: np.ndarray) -> np.ndarray:
        return np.asarray(tensor[jnp.asarray(indices)])

    def placement(self, tensor: jax.Array) -> str:
        return ", ".join(str(d) for d in tensor.devices())

    def random_normal(self, shapes: Sequence[tuple[int, ...]], dtype: str) -> list[jax.Array]:
        # Generated on the device in float32, then cast: the same recipe as the other adapters.
        return [
            jax.random.normal(jax.random.key(seed), shape, jnp.float32).astype(JAX_DTYPES[dtype])
            for seed, shape in enumerate(shapes, start=1)
        ]

    def random_uniform(self, size: int) -> jax.Array:
        return jax.random.uniform(jax.random.key(ref.SEED), (size,), jnp.float32)

    # ---- kernels: each compiled ahead of time, its compile time apart

    def compiled(self, fn: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], Details]:
        """jax.jit(fn) lowered and compiled for these arguments now, not in the timed calls."""
        start = time.perf_counter()
        executable = jax.jit(fn).lower(*args).compile()
        notes: Details = {"mode": "jax.jit", "compile_s": time.perf_counter() - start, **compile_options()}
        return executable, notes

    def matmul(self, a: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.matmul(a, b)

    def matmul_kernel(self, a: jax.Array, b: jax.Array) -> Kernel:
        executable, notes = self.compiled(jnp.matmul, a, b)
        return Kernel(self.timed(lambda: executable(a, b)), {**notes, "output": "allocated per call by XLA"})

    def conv2d(self, x: jax.Array, w: jax.Array) -> jax.Array:
        return _conv_same(x, w)

    def conv2d_kernel(self, x: jax.Array, w: jax.Array) -> Kernel:
        executable, notes = self.compiled(_conv_same, x, w)
        return Kernel(self.timed(lambda: executable(x, w)), {**notes, "op": "jax.lax.conv_general_dilated, SAME"})

    def autotune_convolutions(self) -> None:
        """XLA autotunes GPU convolutions while compiling (recorded as `autotuning`): nothing to set."""

    def scale_kernel(self, x: jax.Array, factor: float) -> Kernel:
        executable, notes = self.compiled(lambda v: v * factor, x)
        return Kernel(self.timed(lambda: executable(x)), {**notes, "output": "allocated per call by XLA"})

    def add_chain_kernel(self, start: jax.Array, increment: jax.Array, ops: int) -> Kernel:
        def chain() -> jax.Array:
            y = start
            for _ in range(ops):
                y = jnp.add(y, increment)  # one op-by-op dispatch per add: JAX's eager mode, no jit around it
            return y

        size = int(start.shape[0])
        notes: Details = {"op": f"jnp.add on {size}-element arrays, {ops} per call", "mode": "op-by-op"}
        return Kernel(self.timed(chain), notes)

    # ---- models

    def _model(self, module: Any, params: Any, kind: str) -> jm.JaxModel:
        return jm.JaxModel(module, jax.device_put(params, self.jax_device), kind)

    def cnn(self, weights: dict[str, np.ndarray], image: int, channels: int, classes: int) -> jm.JaxModel:
        return self._model(jm.Cnn(classes), jm.cnn_params(weights), "cnn")

    def lstm(
        self, weights: dict[str, np.ndarray], seq_len: int, features: int, hidden: int, classes: int
    ) -> jm.JaxModel:
        return self._model(jm.LstmClassifier(hidden, classes), jm.lstm_params(weights), "lstm")

    def inference_call(self, model: jm.JaxModel, x: jax.Array) -> Callable[[], jax.Array]:
        # Op-by-op: Flax's apply without jax.jit dispatches each primitive on its own (JAX's eager mode).
        return self.timed(lambda: model.apply(model.params, x))

    def predict(self, model: jm.JaxModel, x: jax.Array) -> np.ndarray:
        return np.asarray(jax.jit(model.apply)(model.params, x))


def _conv_same(x: jax.Array, w: jax.Array) -> jax.Array:
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
