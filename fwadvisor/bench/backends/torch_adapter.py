"""PyTorch's adapter: the framework operations the recipes (fwadvisor.bench.recipes) are written against.

Plain, idiomatic PyTorch: NCHW tensors (channels_last in memory where a case asks, the default on a
GPU), eager mode, nn.Module models with the shared NumPy weights copied in, SGD training loops (under
torch.autocast for mixed precision), torch.compile and torch.export. CPU ops are synchronous; CUDA
kernels run asynchronously, so `sync` is torch.cuda.synchronize on a GPU.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
import torch.nn.functional as F  # the conventional alias
from torch import nn

from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends.torch_copies import TorchCopyParts
from fwadvisor.bench.backends.torch_devices import LSTM_KERNELS, empty_cache, synchronizer
from fwadvisor.bench.backends.torch_transformer import TorchTransformerParts
from fwadvisor.bench.recipes.adapter import EpochResult, Fitter, ImageLayout, Trainer
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details, PrecisionFlags

FRAMEWORK: Final = "torch"
TORCH_DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "tf32": torch.float32,  # float32 tensors with TF32 math allowed (set_precision)
    "fp16": torch.float16,
    "bf16": torch.bfloat16,
}

# Mixed precision: the dtype torch.autocast runs the forward pass in.
AUTOCAST_DTYPES: dict[str, torch.dtype] = {"bf16": torch.bfloat16, "fp16": torch.float16}
# Memory layouts of image tensors (a case's torch_layout): the shapes stay NCHW either way.
LAYOUTS: dict[str, ImageLayout] = {
    "channels_last": ImageLayout("channels_last", "NHWC", "channels_last (NHWC in memory)"),
    "nchw": ImageLayout("nchw", "NCHW", "NCHW (PyTorch's default memory format)"),
}
MEMORY_FORMATS: dict[str, torch.memory_format] = {
    "channels_last": torch.channels_last,
    "nchw": torch.contiguous_format,
}


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _no_sync() -> None:
    """CPU ops are synchronous in PyTorch: when the call returns the work is done."""


class LSTMClassifier(nn.Module):
    """LSTM over the sequence, its last time step into a Linear layer."""

    def __init__(self, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def _compute_dtypes(model: nn.Module, x: torch.Tensor) -> dict[str, str]:
    """The dtype each kind of layer with weights returns, from one forward pass: autocast decides it per op
    (cuDNN LSTMs, for one, run in fp16 under any CUDA autocast dtype: aten/src/ATen/cudnn/AutocastRNN.cpp)."""
    seen: dict[str, str] = {}

    def note(module: nn.Module, _inputs: Any, output: Any) -> None:
        out = output[0] if isinstance(output, tuple) else output
        seen.setdefault(type(module).__name__, str(out.dtype).removeprefix("torch."))

    handles = [m.register_forward_hook(note) for m in model.modules() if next(m.parameters(False), None) is not None]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def _copy(param: torch.Tensor, array: np.ndarray) -> None:
    param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


class TorchAdapter(TorchTransformerParts, TorchCopyParts):
    """PyTorch on one device (see recipes.adapter.Adapter for what each member means)."""

    framework = FRAMEWORK
    layout = "NCHW"
    native_layout = "NCHW (torch's native layout)"
    train_mode = "eager"
    fit_mode = "eager"
    export_format = "torch.export .pt2"
    export_how = (
        "torch.export.export (dynamic batch) + torch.export.save; reloaded with torch.export.load(...).module()"
    )

    def __init__(
        self,
        device: torch.device,
        label: str,
        threads: int,
        l2_cache_bytes: int | None,
        device_id: str | None = None,
    ) -> None:
        self.torch_device = device
        # The run's device id ("rocm" where torch's own type is "cuda"); torch calls take torch_device.
        self.device = device_id or device.type
        self.label = label
        self.threads = threads
        self.l2_cache_bytes = l2_cache_bytes
        self.version = str(torch.__version__)
        # GPU kernels run asynchronously: only a synchronize makes the clock see the finished work.
        self.sync: Callable[[], None] = synchronizer(device) or _no_sync
        self.lstm_kernel = LSTM_KERNELS.get(self.device, "native CPU kernel")

    @property
    def cuda(self) -> bool:
        return self.torch_device.type == "cuda"

    @property
    def gpu(self) -> bool:
        return self.device != "cpu"

    def threads_in_use(self) -> int:
        return torch.get_num_threads()

    @contextmanager
    def case_scope(self) -> Iterator[None]:
        """Out-of-memory becomes MemoryError with a clear message; cached GPU blocks go back after."""
        try:
            yield
        except torch.cuda.OutOfMemoryError as exc:
            raise MemoryError(f"out of device memory: {first_line(exc)}") from exc
        except RuntimeError as exc:
            if "can't allocate memory" in str(exc) or "out of memory" in str(exc).lower():
                where = "device" if self.gpu else "host"
                raise MemoryError(f"out of {where} memory: {first_line(exc)}") from exc
            raise
        finally:
            empty_cache(self.torch_device)  # give cached blocks back so the next case starts clean

    def set_precision(self, dtype: str) -> PrecisionFlags:
        """Set TF32 explicitly (torch's defaults differ for matmul and cuDNN) and record what is in force."""
        tf32 = dtype == "tf32"
        # "highest" also keeps oneDNN's fp32 matmul at full precision on CPUs.
        torch.set_float32_matmul_precision("high" if tf32 else "highest")
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        precision: PrecisionFlags = {
            "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
            "tf32_conv": bool(torch.backends.cudnn.allow_tf32),
            "dtype": dtype,
        }
        if dtype == "fp16":
            precision["reduced_precision_reduction"] = bool(
                torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction
            )
        elif dtype == "bf16":
            precision["reduced_precision_reduction"] = bool(
                torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction
            )
        return precision

    def inference(self) -> AbstractContextManager[None]:
        return torch.no_grad()

    def model_precision(self, dtype: str) -> AbstractContextManager[None]:
        """Nothing: PyTorch's mixed precision is torch.autocast around the forward pass (trainer)."""
        return contextlib.nullcontext()

    # ---- image layouts

    def image_layout(self, torch_layout: str | None) -> ImageLayout:
        # On a GPU PyTorch users run convolutions in channels_last: NCHW halves tensor-core convolutions.
        return LAYOUTS[torch_layout or ("channels_last" if self.cuda else "nchw")]

    def in_layout(self, value: Any, layout: ImageLayout) -> Any:
        memory_format = MEMORY_FORMATS[layout.name]
        if isinstance(value, nn.Module):
            # Its 4-D weights (conv kernels). Module.to(memory_format=) is documented; the stubs lack it.
            return value.to(memory_format=memory_format)  # type: ignore[call-overload]
        return value.contiguous(memory_format=memory_format)

    # ---- tensors

    def tensor(self, array: np.ndarray, dtype: str | None = None) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(
            self.torch_device, TORCH_DTYPES[dtype] if dtype else None
        )

    def numpy(self, tensor: torch.Tensor) -> np.ndarray:
        # float() first: NumPy has no bfloat16, and an upcast of fp16/bf16 to fp32 is exact.
        return tensor.detach().float().cpu().numpy()

    def gather(self, tensor: torch.Tensor, indices: np.ndarray) -> np.ndarray:
        return self.numpy(tensor[torch.from_numpy(indices).to(self.torch_device)])

    def placement(self, tensor: torch.Tensor) -> str:
        return str(tensor.device)

    def _generator(self) -> torch.Generator:
        return torch.Generator(device=self.torch_device).manual_seed(ref.SEED)

    def random_normal(self, shapes: Sequence[tuple[int, ...]], dtype: str) -> list[torch.Tensor]:
        gen = self._generator()
        return [
            torch.randn(*shape, generator=gen, device=self.torch_device).to(TORCH_DTYPES[dtype]) for shape in shapes
        ]

    def random_uniform(self, size: int) -> torch.Tensor:
        return torch.rand(size, generator=self._generator(), device=self.torch_device)

    # ---- kernels

    def matmul(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b

    def matmul_kernel(self, a: torch.Tensor, b: torch.Tensor) -> Kernel:
        out = torch.empty(a.shape[0], b.shape[1], device=self.torch_device, dtype=a.dtype)
        # Preallocated: time the GEMM, not malloc.
        return Kernel(lambda: torch.matmul(a, b, out=out), {"output": "preallocated (out=)"})

    def conv2d(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, w, padding="same")

    def conv2d_kernel(self, x: torch.Tensor, w: torch.Tensor) -> Kernel:
        cudnn_benchmark = bool(torch.backends.cudnn.benchmark) if self.cuda else None
        return Kernel(lambda: F.conv2d(x, w, padding="same"), {"cudnn_benchmark": cudnn_benchmark})

    def autotune_convolutions(self) -> None:
        if self.cuda:
            # Let cuDNN pick the fastest algorithm (autotuning lands in the cold call), as TF does by default.
            torch.backends.cudnn.benchmark = True

    def scale_kernel(self, x: torch.Tensor, factor: float) -> Kernel:
        y = torch.empty_like(x)
        # Writing into a preallocated output measures memory traffic; a fresh 100 MB tensor per call would
        # mostly measure page faults on a CPU (mmap'ed allocations are zeroed by the kernel on first touch).
        return Kernel(lambda: torch.mul(x, factor, out=y), {"output": "preallocated (out=)"})

    def add_chain_kernel(self, start: torch.Tensor, increment: torch.Tensor, ops: int) -> Kernel:
        def chain() -> torch.Tensor:
            y = start
            for _ in range(ops):
                y = torch.add(y, increment)  # one eager dispatch (and on a GPU one kernel launch) per op
            return y

        size = int(start.shape[0])
        return Kernel(chain, {"op": f"torch.add on {size}-element tensors, {ops} per call", "mode": "eager"})

    # ---- models

    def cnn(self, weights: dict[str, np.ndarray], image: int, channels: int, classes: int) -> nn.Module:
        """Conv-relu-pool twice, then dense (train_cnn and the practice CNN)."""
        side = ref.cnn_flat_side(image)
        conv1 = nn.Conv2d(channels, 16, 3, padding="same")
        conv2 = nn.Conv2d(16, 32, 3, padding="same")
        dense = nn.Linear(side * side * 32, classes)
        conv = ref.FILTER_AXES[self.layout]
        with torch.no_grad():
            _copy(conv1.weight, weights["conv1"].transpose(conv))
            _copy(conv1.get_parameter("bias"), weights["conv1_b"])
            _copy(conv2.weight, weights["conv2"].transpose(conv))
            _copy(conv2.get_parameter("bias"), weights["conv2_b"])
            # torch flattens (c, h, w); the shared kernel's rows are in TF's (h, w, c) order.
            _copy(dense.weight, ref.dense_rows_hwc_to_chw(weights["dense"], side, 32).T)
            _copy(dense.bias, weights["dense_b"])
        model = nn.Sequential(conv1, nn.ReLU(), nn.MaxPool2d(2), conv2, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), dense)
        return model.to(self.torch_device)

    def lstm(self, weights: dict[str, np.ndarray], seq_len: int, features: int, hidden: int, classes: int) -> nn.Module:
        model = LSTMClassifier(features, hidden, classes)
        with torch.no_grad():
            # Same gate order (i, f, g, o) as Keras; torch stores (4H, in) and has two biases: Keras' one
            # bias and a zero one add up to it.
            _copy(model.lstm.get_parameter("weight_ih_l0"), weights["kernel"].T)
            _copy(model.lstm.get_parameter("weight_hh_l0"), weights["recurrent"].T)
            _copy(model.lstm.get_parameter("bias_ih_l0"), weights["bias"])
            model.lstm.get_parameter("bias_hh_l0").zero_()
            _copy(model.fc.weight, weights["dense"].T)
            _copy(model.fc.bias, weights["dense_b"])
        model.to(self.torch_device)
        if self.cuda:
            model.lstm.flatten_parameters()  # contiguous weights for cuDNN after moving them
        return model

    def inference_call(self, model: nn.Module, x: torch.Tensor) -> Callable[[], torch.Tensor]:
        return lambda: model(x)

    def predict(self, model: nn.Module, x: torch.Tensor) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return self.numpy(model(x))

    # ---- training

    def trainer(
        self,
        model: nn.Module,
        x: torch.Tensor,
        labels: torch.Tensor,
        lr: float,
        momentum: float,
        mixed: str | None = None,
    ) -> Trainer:
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        autocast: Callable[[], AbstractContextManager[Any]] = (
            contextlib.nullcontext
            if mixed is None
            else functools.partial(torch.autocast, self.torch_device.type, dtype=AUTOCAST_DTYPES[mixed])
        )
        # fp16's narrow range needs loss scaling; bf16 has float32's exponent range and needs none.
        scaler = torch.amp.GradScaler(self.torch_device.type) if mixed == "fp16" else None

        def forward_loss() -> torch.Tensor:
            with autocast():
                logits = model(x)
            return F.cross_entropy(logits.float(), labels)  # the loss in float32, as in TensorFlow's step

        def loss() -> float:
            with torch.no_grad():
                return float(forward_loss())

        def step() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            batch_loss = forward_loss()
            if scaler is None:
                batch_loss.backward()
                optimizer.step()
            else:
                scaler.scale(batch_loss).backward()
                scaler.step(optimizer)  # unscales, skips the step on inf/NaN gradients
                scaler.update()
            return batch_loss  # no .item(): that would synchronise a GPU on every step

        if mixed is None:
            return Trainer(step, loss)
        precision: PrecisionFlags = {
            "mixed_precision": f"torch.autocast('{self.torch_device.type}', dtype={AUTOCAST_DTYPES[mixed]})",
            "loss_scaling": "torch.amp.GradScaler (dynamic)" if scaler else "none (bf16 has float32's range)",
            "weights": "float32",
            "loss": "float32",
        }
        with autocast():
            notes: Details = {"compute_dtypes": _compute_dtypes(model, x)}
        return Trainer(step, loss, precision, notes)

    def fitter(
        self, model: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, lr: float, momentum: float
    ) -> Fitter:
        """Eager PyTorch training, mini-batches in the order given."""
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        device, sync = self.torch_device, self.sync

        def evaluate(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
            """Mean loss and accuracy over a whole set, inference mode."""
            model.eval()
            with torch.no_grad():
                logits = model(x)
                return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())

        def epoch(batches: list[np.ndarray]) -> EpochResult:
            model.train()
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), dtype=torch.int64, device=device)
            sync()
            start = time.perf_counter()
            for idx_np in batches:
                idx = torch.from_numpy(idx_np).to(device)
                xb, yb = x_train[idx], y_train[idx]
                optimizer.zero_grad(set_to_none=True)
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
                loss.backward()
                optimizer.step()
                # Accumulate on the device: a .item() per step would synchronise a GPU every step.
                loss_sum += loss.detach() * len(idx_np)
                correct += (logits.detach().argmax(1) == yb).sum()
            total_loss, total_correct = float(loss_sum), int(correct)  # the epoch's one sync
            return EpochResult(total_loss, total_correct, time.perf_counter() - start)

        return Fitter(epoch, evaluate)

    # ---- deployment

    def export(self, model: nn.Module, x: torch.Tensor, folder: Path) -> Path:
        artifact = folder / "practice_cnn.pt2"
        try:
            # A dynamic batch dimension: the artifact serves any batch size, as a deployed model must.
            batch_dim = torch.export.Dim("batch", max=1 << 16)
            program = torch.export.export(model, (x,), dynamic_shapes=({0: batch_dim},))
            torch.export.save(program, str(artifact))
        except Exception as exc:
            raise RuntimeError(
                f"export failed: torch.export could not save the CNN: {type(exc).__name__}: {first_line(exc)}"
            ) from exc
        return artifact
