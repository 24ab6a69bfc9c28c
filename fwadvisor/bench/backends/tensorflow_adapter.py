"""TensorFlow's adapter: the framework operations the recipes (fwadvisor.bench.recipes) are written against.

Plain, idiomatic TensorFlow 2: NHWC tensors, ops run eagerly unless said otherwise (train steps in
tf.function, XLA for the compiled run), Keras models with the shared NumPy weights set in (under a
mixed_bfloat16 / mixed_float16 policy for mixed precision), SGD custom training loops and a SavedModel
export. `sync` is tf.test.experimental.sync_devices(), called outside
tf.function as it must be. Imported through tensorflow_backend, which quiets TensorFlow's logging and
pins Keras to TensorFlow before TensorFlow loads.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

import numpy as np
import tensorflow as tf

from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends.tensorflow_copies import TensorFlowCopyParts
from fwadvisor.bench.backends.tensorflow_keras import keras
from fwadvisor.bench.backends.tensorflow_transformer import TensorFlowTransformerParts
from fwadvisor.bench.recipes.adapter import EpochResult, Fitter, ImageLayout, Trainer
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details, PrecisionFlags

FRAMEWORK: Final = "tensorflow"
TENSORFLOW_DTYPES: dict[str, tf.DType] = {
    "fp32": tf.float32,
    "tf32": tf.float32,
    "fp16": tf.float16,
    "bf16": tf.bfloat16,
}
# Mixed precision: the Keras dtype policy models are built under (float32 variables, narrow compute).
MIXED_POLICIES = {"bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
# TensorFlow runs images NHWC in every case (a case's torch_layout names PyTorch's side of the pair).
NHWC = ImageLayout("nhwc", "NHWC", "NHWC (TensorFlow's native layout)")


def first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def _sync() -> None:
    # Blocks until every pending op on every device is done (GPU kernels run asynchronously).
    tf.test.experimental.sync_devices()


def _xent(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def _compute_dtypes(model: Any, mixed: str) -> dict[str, str]:
    """The dtype each kind of layer with weights computes in. A model built outside model_precision has
    none in the mixed dtype: refused (a layer kept in float32 on purpose, e.g. an output layer, is fine)."""
    found = {type(layer).__name__: str(layer.compute_dtype) for layer in model.layers if layer.weights}
    if TENSORFLOW_DTYPES[mixed].name not in found.values():
        raise ValueError(
            f"{mixed} mixed precision, but the model's layers compute in {', '.join(sorted(set(found.values())))}: "
            "build the model inside adapter.model_precision(dtype)"
        )
    return found


class TensorFlowAdapter(TensorFlowTransformerParts, TensorFlowCopyParts):
    """TensorFlow on one device (see recipes.adapter.Adapter for what each member means)."""

    framework = FRAMEWORK
    layout = "NHWC"
    native_layout = "NHWC (TensorFlow's native layout)"
    train_mode = "tf.function"  # TF's idiomatic custom training loop (Keras fit compiles the same way)
    fit_mode = "tf.function (train step)"
    export_format = "TensorFlow SavedModel"
    export_how = "keras Model.export(format='tf_saved_model'); reloaded with tf.saved_model.load(...).serve"
    l2_cache_bytes: int | None = None  # TensorFlow does not report the L2 size

    def __init__(self, device: str, label: str, threads: int, requested_threads: int | None) -> None:
        self.device = device  # "cpu" or "cuda"
        self.tf_device = "/GPU:0" if device == "cuda" else "/CPU:0"
        self.label = label
        self.threads = threads
        self.requested_threads = requested_threads
        self.version = tf.__version__
        self.sync: Callable[[], None] = _sync
        self.lstm_kernel = "keras.layers.LSTM (cuDNN when on a GPU)" if self.cuda else "keras.layers.LSTM (CPU kernel)"

    @property
    def cuda(self) -> bool:
        return self.device == "cuda"

    @property
    def gpu(self) -> bool:
        return self.device != "cpu"

    def threads_in_use(self) -> int:
        return self.threads

    @contextlib.contextmanager
    def case_scope(self) -> Iterator[None]:
        """Every op of the case on this device; out-of-memory becomes MemoryError with a clear message."""
        try:
            with tf.device(self.tf_device):
                yield
        except tf.errors.ResourceExhaustedError as exc:
            where = "device" if self.cuda else "host"
            raise MemoryError(f"out of {where} memory: {first_line(exc)}") from exc

    def set_precision(self, dtype: str) -> PrecisionFlags:
        """TF enables TF32 by default: set it explicitly, and record what is in force (one flag for both)."""
        tf.config.experimental.enable_tensor_float_32_execution(dtype == "tf32")
        on = bool(tf.config.experimental.tensor_float_32_execution_enabled())
        return {"tf32_matmul": on, "tf32_conv": on, "dtype": dtype}

    def inference(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # eager calls with training=False keep no tape

    @contextlib.contextmanager
    def model_precision(self, dtype: str) -> Iterator[None]:
        """Keras' mixed policy while the model is built (its layers keep it); the old policy after."""
        policy = MIXED_POLICIES.get(dtype)
        if policy is None:
            yield
            return
        mixed_precision = keras().mixed_precision
        before = mixed_precision.global_policy()
        mixed_precision.set_global_policy(policy)
        try:
            yield
        finally:
            mixed_precision.set_global_policy(before)

    # ---- image layouts

    def image_layout(self, torch_layout: str | None) -> ImageLayout:
        return NHWC

    def in_layout(self, value: Any, layout: ImageLayout) -> Any:
        return value  # NHWC is TensorFlow's only layout here

    # ---- tensors

    def tensor(self, array: np.ndarray, dtype: str | None = None) -> tf.Tensor:
        constant = tf.constant(array)
        return tf.cast(constant, TENSORFLOW_DTYPES[dtype]) if dtype else constant

    def numpy(self, tensor: tf.Tensor) -> np.ndarray:
        # Upcast first (NumPy has no bfloat16; fp16/bf16 -> fp32 is exact); only ever used on small tensors.
        return tf.cast(tensor, tf.float32).numpy()

    def gather(self, tensor: tf.Tensor, indices: np.ndarray) -> np.ndarray:
        return tf.gather(tensor, tf.constant(indices)).numpy()

    def placement(self, tensor: tf.Tensor) -> str:
        return str(tensor.device)

    def random_normal(self, shapes: Sequence[tuple[int, ...]], dtype: str) -> list[tf.Tensor]:
        # Generated on the device in float32, then cast: the same recipe as the torch adapter.
        return [
            tf.cast(tf.random.stateless_normal(shape, seed=(seed, 0)), TENSORFLOW_DTYPES[dtype])
            for seed, shape in enumerate(shapes, start=1)
        ]

    def random_uniform(self, size: int) -> tf.Tensor:
        return tf.random.stateless_uniform((size,), seed=(ref.SEED, 0))

    # ---- kernels

    def matmul(self, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        return tf.matmul(a, b)

    def matmul_kernel(self, a: tf.Tensor, b: tf.Tensor) -> Kernel:
        notes: Details = {"mode": "eager", "output": "allocated per call by TF's allocator (tf.matmul has no out=)"}
        return Kernel(lambda: tf.matmul(a, b), notes)

    def conv2d(self, x: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
        return tf.nn.conv2d(x, w, strides=1, padding="SAME")

    def conv2d_kernel(self, x: tf.Tensor, w: tf.Tensor) -> Kernel:
        notes: Details = {"mode": "eager"}
        if self.cuda:
            notes["cudnn_autotune"] = os.environ.get("TF_CUDNN_USE_AUTOTUNE", "1") not in ("0", "false")
        return Kernel(lambda: tf.nn.conv2d(x, w, strides=1, padding="SAME"), notes)

    def autotune_convolutions(self) -> None:
        """TensorFlow autotunes cuDNN convolutions by default (TF_CUDNN_USE_AUTOTUNE): nothing to set."""

    def scale_kernel(self, x: tf.Tensor, factor: float) -> Kernel:
        notes: Details = {
            "mode": "eager",
            "output": "allocated per call by TF's allocator, which reuses freed buffers (TF has no out=)",
        }
        return Kernel(lambda: tf.multiply(x, factor), notes)

    def add_chain_kernel(self, start: tf.Tensor, increment: tf.Tensor, ops: int) -> Kernel:
        def chain() -> tf.Tensor:
            y = start
            for _ in range(ops):
                y = tf.add(y, increment)  # one eager op dispatch per add: plain eager mode, no tf.function
            return y

        size = int(start.shape[0])
        return Kernel(chain, {"op": f"tf.add on {size}-element tensors, {ops} per call", "mode": "eager"})

    # ---- models

    def cnn(self, weights: dict[str, np.ndarray], image: int, channels: int, classes: int) -> Any:
        """Conv-relu-pool twice, then dense (train_cnn and the practice CNN)."""
        k = keras()
        model = k.Sequential(
            [
                k.Input((image, image, channels)),
                k.layers.Conv2D(16, 3, padding="same", activation="relu"),
                k.layers.MaxPooling2D(2),
                k.layers.Conv2D(32, 3, padding="same", activation="relu"),
                k.layers.MaxPooling2D(2),
                k.layers.Flatten(),
                k.layers.Dense(classes),
            ]
        )
        model.layers[0].set_weights([weights["conv1"], weights["conv1_b"]])
        model.layers[2].set_weights([weights["conv2"], weights["conv2_b"]])
        model.layers[5].set_weights([weights["dense"], weights["dense_b"]])  # rows already in NHWC (h, w, c) order
        return model

    def lstm(self, weights: dict[str, np.ndarray], seq_len: int, features: int, hidden: int, classes: int) -> Any:
        k = keras()
        # Defaults (tanh, sigmoid, no recurrent dropout) keep Keras on its cuDNN kernel on a GPU.
        model = k.Sequential(
            [
                k.Input((seq_len, features)),
                k.layers.LSTM(hidden, unit_forget_bias=False),  # last time step
                k.layers.Dense(classes),
            ]
        )
        model.layers[0].set_weights([weights["kernel"], weights["recurrent"], weights["bias"]])
        model.layers[1].set_weights([weights["dense"], weights["dense_b"]])
        return model

    def inference_call(self, model: Any, x: tf.Tensor) -> Callable[[], tf.Tensor]:
        return lambda: model(x, training=False)

    def predict(self, model: Any, x: tf.Tensor) -> np.ndarray:
        return model(x, training=False).numpy()

    # ---- training

    def _sgd(self, model: Any, lr: float, momentum: float, loss_scaling: bool = False) -> Any:
        k = keras()
        optimizer = k.optimizers.SGD(learning_rate=lr, momentum=momentum)
        if loss_scaling:
            optimizer = k.optimizers.LossScaleOptimizer(optimizer)  # dynamic loss scale
        optimizer.build(model.trainable_variables)  # create momentum slots outside tf.function
        return optimizer

    def trainer(
        self, model: Any, x: tf.Tensor, labels: tf.Tensor, lr: float, momentum: float, mixed: str | None = None
    ) -> Trainer:
        compute_dtypes = _compute_dtypes(model, mixed) if mixed else {}
        # fp16's narrow range needs loss scaling; bf16 has float32's exponent range and needs none.
        scaled = mixed == "fp16"
        optimizer = self._sgd(model, lr, momentum, loss_scaling=scaled)

        @tf.function  # TF's idiomatic custom training loop (Keras fit compiles the same way)
        def step() -> tf.Tensor:
            with tf.GradientTape() as tape:
                loss = _xent(labels, tf.cast(model(x, training=True), tf.float32))  # the loss in float32
                target = optimizer.scale_loss(loss) if scaled else loss
            grads = tape.gradient(target, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))  # unscales
            return loss

        def loss() -> float:
            return float(_xent(labels, tf.cast(model(x, training=False), tf.float32)).numpy())

        if mixed is None:
            return Trainer(step, loss)  # the cold call of step = tracing + graph optimisation
        precision: PrecisionFlags = {
            "mixed_precision": f"Keras {MIXED_POLICIES[mixed]} policy",
            "loss_scaling": "keras LossScaleOptimizer (dynamic)" if scaled else "none (bf16 has float32's range)",
            "weights": "float32",
            "loss": "float32",
        }
        return Trainer(step, loss, precision, {"compute_dtypes": compute_dtypes})

    def fitter(self, model: Any, x_train: tf.Tensor, y_train: tf.Tensor, lr: float, momentum: float) -> Fitter:
        """A custom training loop with the step in tf.function."""
        optimizer = self._sgd(model, lr, momentum)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.int64)])  # one trace for every batch
        def step(idx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            xb, yb = tf.gather(x_train, idx), tf.gather(y_train, idx)
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = _xent(yb, logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), yb), tf.int64))
            return loss * tf.cast(tf.size(idx), tf.float32), correct

        def evaluate(x: tf.Tensor, y: tf.Tensor) -> tuple[float, float]:
            """Mean loss and accuracy over a whole set, inference mode."""
            logits = model(x, training=False)
            accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
            return float(_xent(y, logits).numpy()), float(accuracy.numpy())

        def epoch(batches: list[np.ndarray]) -> EpochResult:
            loss_sum, correct = tf.constant(0.0), tf.constant(0, tf.int64)
            _sync()
            start = time.perf_counter()
            for idx in batches:
                step_loss, step_correct = step(tf.constant(idx, tf.int64))
                loss_sum, correct = loss_sum + step_loss, correct + step_correct  # no .numpy() per step
            _sync()
            total_loss, total_correct = float(loss_sum.numpy()), int(correct.numpy())
            return EpochResult(total_loss, total_correct, time.perf_counter() - start)

        return Fitter(epoch, evaluate)

    # ---- deployment

    def export(self, model: Any, x: tf.Tensor, folder: Path) -> Path:
        artifact = folder / "practice_cnn_savedmodel"
        try:
            # Keras 3's documented route to a TensorFlow SavedModel: a `serve` endpoint with a None batch
            # dimension, loadable by tf.saved_model.load and TF Serving without Keras.
            model.export(str(artifact), format="tf_saved_model", verbose=False)
        except Exception as exc:
            raise RuntimeError(
                f"export failed: Keras could not write a TensorFlow SavedModel: {type(exc).__name__}: {first_line(exc)}"
            ) from exc
        return artifact
