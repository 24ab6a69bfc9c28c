"""The worker protocol: what the parent sends a worker on stdin and what the worker answers on stdout.

One JSON object a line each way, told apart by their "type"; both sides import this module (it
imports no framework and no numpy). Decoding validates, as documents.py's does.
"""

from __future__ import annotations

from typing import Final

import msgspec

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import (
    ENCODER,
    CaseKey,
    Count,
    FatalKind,
    FrameworkId,
    GpuProperties,
    Record,
    Seconds,
    case_key,
)

# The runner starts each worker with its own pid here; the worker compares it with its parent after
# asking to die with it: a parent already gone by then would never send the death signal.
PARENT_PID_ENV: Final = "FWADVISOR_WORKER_PARENT"
# The device ids both sides know (the worker's --device, a backend's setup, the run's device):
# cpu, cuda (NVIDIA), rocm (AMD, torch.cuda over HIP), mps (Apple silicon), xpu (Intel GPUs).
DEVICE_IDS: Final = ("cpu", "cuda", "rocm", "mps", "xpu")


# Worker -> parent messages, one JSON object per line, told apart by their "type".
class Hello(msgspec.Struct, tag="hello", tag_field="type", kw_only=True):
    framework: FrameworkId
    framework_version: str
    device: str
    threads: Count | None = None
    gpu_properties: GpuProperties | None = None
    # The framework's build, as it reports it: {"cuda": "12.8", "cudnn": "91002", "build": "cuda"}
    # (torch.version.cuda, torch.backends.cudnn.version(), tf.sysconfig.get_build_info()); text only.
    build: dict[str, str] = {}


class Start(msgspec.Struct, tag="start", tag_field="type", kw_only=True):
    index: Count
    benchmark: str
    dtype: str | None = None


class Result(msgspec.Struct, tag="result", tag_field="type", kw_only=True):
    index: Count
    record: Record


class Fatal(msgspec.Struct, tag="fatal", tag_field="type", kw_only=True):
    kind: FatalKind
    error: str
    hint: str | None = None


class Probe(msgspec.Struct, tag="probe", tag_field="type", kw_only=True):
    framework: FrameworkId
    framework_version: str
    gpu_available: bool
    gpu_devices: list[str] = []
    build: str = "cpu"


class Done(msgspec.Struct, tag="done", tag_field="type"):
    pass


WorkerMessage = Hello | Start | Result | Fatal | Probe | Done


class Case(msgspec.Struct, frozen=True):
    """One benchmark run on one device: planned from a suite (suites.resolve_cases), sent to a worker on
    stdin, shown by the app before its numbers come. `key` is how it is known everywhere."""

    benchmark: str
    params: Params
    dtype: str
    budget_s: Seconds

    @property
    def key(self) -> CaseKey:
        return case_key(self.benchmark, self.dtype, self.params)

    def ints(self, *names: str) -> tuple[int, ...]:
        """The named params as integers (a recipe's shape), in the order asked for."""
        return tuple(int(self.params[name]) for name in names)


_MESSAGE_DECODER = msgspec.json.Decoder(WorkerMessage)


def encode_message(message: WorkerMessage) -> bytes:
    """One protocol line (without the newline). NaN and infinities become null, as JSON has neither."""
    return ENCODER.encode(message)


def decode_message(line: bytes) -> WorkerMessage:
    """Raises msgspec.DecodeError (a msgspec.ValidationError for a well-formed but wrong message)."""
    return _MESSAGE_DECODER.decode(line)
