"""What a framework supplies to the recipes: the Adapter protocol and the small shapes it returns.

An adapter holds only framework code: NumPy arrays in and out, tensors, kernels, model builders, a
train step, an epoch loop, a device sync and an export. Everything else (dtype rules, precision
flags in the record, the NumPy check, the inputs, the timing, the metric and the record) is the
recipe's, written once. Tensors and models are the framework's own objects; the recipes never look
inside them, so they are typed `Any` here.

Conventions every adapter follows:
- dtype names are the profiler's ("fp32", "tf32", "fp16", "bf16"; catalog.DTYPES); None keeps
  the array's own dtype.
- Arrays arrive in the adapter's native `layout` (the recipes transpose with reference.IMAGE_AXES /
  FILTER_AXES); model builders take the shared NumPy weights (NHWC/HWIO, Keras' LSTM layout) and
  rearrange them as their framework needs, so each model is the same function in every framework.
- A timed call comes as a Kernel: the exact callable the clock sees (no wrapper of ours around a
  framework call), with notes for the record that only this framework can write.
- Image tensors keep their logical `layout`; how they sit in memory is an ImageLayout the case picks
  (PyTorch's channels_last keeps NCHW shapes with NHWC strides); in_layout() puts a tensor or a model
  in it. Mixed precision: models are built inside model_precision(dtype), and trainer(mixed=...) runs
  the forward pass and loss in the narrow dtype with float32 weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from fwadvisor.bench.recipes.copy_adapter import CopyAdapterPart
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.bench.recipes.transformer_adapter import TransformerAdapterPart
from fwadvisor.profiler.documents import Details, PrecisionFlags

Tensor = Any  # torch.Tensor, tf.Tensor ...
Model = Any  # torch.nn.Module, keras.Model ...


@dataclass(frozen=True)
class ImageLayout:
    """How a case's image tensors sit in memory (their shapes stay in the adapter's `layout`)."""

    name: str  # "channels_last" or "nchw" (a case's torch_layout), "nhwc" for TensorFlow
    memory: str  # element order in memory: "NHWC" or "NCHW" (the record's extra "memory_layout")
    words: str  # the record's extra "layout", e.g. "channels_last (NHWC in memory)"


@dataclass(frozen=True)
class Trainer:
    """Training steps on one fixed batch (train_cnn, train_rnn, train_transformer)."""

    step: Callable[[], Any]  # one optimiser step; returns without waiting for the device
    loss: Callable[[], float]  # the current loss on the batch, inference mode (same precision as step)
    # Mixed precision only: the flags for the record's `precision` (how the narrow dtype is applied,
    # loss scaling, the weights' dtype) and notes for its `extra` (the dtype each layer computes in).
    precision: PrecisionFlags = field(default_factory=dict)
    notes: Details = field(default_factory=dict)


@dataclass(frozen=True)
class EpochResult:
    """One epoch over the given batches: summed loss (over samples), correct predictions, seconds."""

    loss_sum: float
    correct: int
    seconds: float  # the training steps only, between two device syncs


@dataclass(frozen=True)
class Fitter:
    """Mini-batch training of one model on one training set (the practice suite)."""

    epoch: Callable[[list[np.ndarray]], EpochResult]  # index arrays of the batches, in order
    evaluate: Callable[[Tensor, Tensor], tuple[float, float]]  # (mean loss, accuracy) on a whole set


@runtime_checkable
class Adapter(TransformerAdapterPart, CopyAdapterPart, Protocol):
    """One framework on one device, set up by its backend module's setup()."""

    framework: str  # the profiler id: "torch", "tensorflow", "jax"
    version: str
    device: str  # the run's device id: "cpu", "cuda", "rocm", "mps" or "xpu"
    label: str  # "cpu" or "cuda:0 NVIDIA H100 80GB HBM3"
    threads: int  # CPU threads set up for this worker
    l2_cache_bytes: int | None  # the GPU's L2 size where the framework reports it
    layout: str  # native image layout: "NCHW" or "NHWC" (a key of reference.IMAGE_AXES)
    native_layout: str  # the record's words for it, e.g. "NCHW (torch's native layout)"
    train_mode: str  # how train steps run, e.g. "eager", "tf.function"
    fit_mode: str  # how the practice suite's training runs
    lstm_kernel: str  # which LSTM kernel runs, in words
    export_format: str  # the deployment artifact's format, in words
    export_how: str  # how it is written and reloaded, in words
    sync: Callable[[], None]  # returns when the device has finished all queued work

    @property
    def gpu(self) -> bool:
        """Whether the cases run on a GPU of any vendor (asynchronous work, GPU-only benchmarks allowed)."""
        ...

    def threads_in_use(self) -> int:
        """CPU threads the framework uses now (the record's `threads`)."""
        ...

    def case_scope(self) -> AbstractContextManager[None]:
        """Around one case: the framework's device scope; out-of-memory becomes MemoryError."""
        ...

    def set_precision(self, dtype: str) -> PrecisionFlags:
        """Set TF32 explicitly for this dtype and return the flags in force (the record's `precision`)."""
        ...

    def inference(self) -> AbstractContextManager[None]:
        """No autograd bookkeeping, where the framework has it."""
        ...

    def model_precision(self, dtype: str) -> AbstractContextManager[None]:
        """Build models inside it: for "bf16"/"fp16", Keras' mixed_bfloat16 / mixed_float16 policy (restored
        after); nothing for other dtypes or frameworks whose mixed precision lives in the train step."""
        ...

    # ---- image layouts
    def image_layout(self, torch_layout: str | None) -> ImageLayout:
        """The memory layout of a case: PyTorch honours the case's torch_layout ("channels_last", "nchw";
        None = channels_last on a GPU, NCHW on a CPU); TensorFlow is NHWC whatever the case says."""
        ...

    def in_layout(self, value: Any, layout: ImageLayout) -> Any:
        """A 4-D tensor or an image model, in that memory layout (the same object where nothing changes)."""
        ...

    # ---- tensors
    def tensor(self, array: np.ndarray, dtype: str | None = None) -> Tensor: ...
    def numpy(self, tensor: Tensor) -> np.ndarray:
        """On the host, upcast to float32 if narrower (NumPy has no bfloat16); small tensors only."""
        ...

    def gather(self, tensor: Tensor, indices: np.ndarray) -> np.ndarray:
        """Some elements of a 1-D tensor, on the host: checks a large result without copying it all."""
        ...

    def placement(self, tensor: Tensor) -> str:
        """The device a tensor lives on, in the framework's words ("cuda:0", ".../device:GPU:0")."""
        ...

    def random_normal(self, shapes: Sequence[tuple[int, ...]], dtype: str) -> list[Tensor]:
        """Timing inputs, generated on the device (seeded; the values do not matter, only the work)."""
        ...

    def random_uniform(self, size: int) -> Tensor: ...

    # ---- kernels: the small check calls the plain op, the timing a Kernel
    def matmul(self, a: Tensor, b: Tensor) -> Tensor: ...
    def matmul_kernel(self, a: Tensor, b: Tensor) -> Kernel: ...
    def conv2d(self, x: Tensor, w: Tensor) -> Tensor:
        """Stride 1, 'same' padding, native layout."""
        ...

    def conv2d_kernel(self, x: Tensor, w: Tensor) -> Kernel: ...
    def autotune_convolutions(self) -> None:
        """Let the convolution library pick its fastest algorithms (on a GPU, where that is a choice)."""
        ...

    def scale_kernel(self, x: Tensor, factor: float) -> Kernel:
        """y = x * factor over a large vector (memory traffic); the call returns y."""
        ...

    def add_chain_kernel(self, start: Tensor, increment: Tensor, ops: int) -> Kernel:
        """`ops` separate eager additions per call (dispatch overhead); the call returns the sum."""
        ...

    # ---- models, built from the shared NumPy weights, on the device
    def cnn(self, weights: dict[str, np.ndarray], image: int, channels: int, classes: int) -> Model: ...
    def lstm(self, weights: dict[str, np.ndarray], seq_len: int, features: int, hidden: int, classes: int) -> Model: ...

    def inference_call(self, model: Model, x: Tensor) -> Callable[[], Tensor]:
        """The model run eagerly in inference mode on x."""
        ...

    def predict(self, model: Model, x: Tensor) -> np.ndarray: ...

    # ---- training
    def trainer(
        self, model: Model, x: Tensor, labels: Tensor, lr: float, momentum: float, mixed: str | None = None
    ) -> Trainer:
        """SGD steps on (x, labels). mixed "bf16"/"fp16": the forward pass and loss in that dtype, float32
        weights (torch.autocast, GradScaler for fp16; Keras: the model's policy, LossScaleOptimizer for
        fp16); None: float32."""
        ...

    def fitter(self, model: Model, x_train: Tensor, y_train: Tensor, lr: float, momentum: float) -> Fitter: ...

    # ---- deployment
    def export(self, model: Model, x: Tensor, folder: Path) -> Path:
        """Write the model as a deployable artifact in `folder`; RuntimeError("export failed: ...")."""
        ...
