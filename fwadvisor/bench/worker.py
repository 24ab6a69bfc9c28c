"""The worker process: imports one framework, runs benchmark cases, reports JSON lines on stdout.

Started by the parent (CLI or TUI) as `python -m fwadvisor.bench.worker --framework torch ...`
with the cases (a JSON list of protocol.Case) on stdin. Every message is one
documents.WorkerMessage, encoded as one JSON object on one line and told apart by its "type":

    hello    the framework is set up: version, device, threads, GPU properties
    start    a case begins (index, benchmark, dtype)
    result   a case's documents.Record
    fatal    the worker cannot run at all (missing_framework | no_gpu | setup_failed), with a hint,
             or the framework has no maintained path to the device (not_supported: a result, not a fault)
    probe    with --probe: what the framework sees, then exit
    done     every case has its result

The framework's own prints go to stderr, so they can never corrupt the protocol on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import IO, Any

import msgspec

from fwadvisor import parent_death
from fwadvisor.frameworks import INSTALL_HINTS
from fwadvisor.profiler.documents import FatalKind
from fwadvisor.profiler.protocol import (
    DEVICE_IDS,
    PARENT_PID_ENV,
    Case,
    Done,
    Fatal,
    Hello,
    Result,
    Start,
    WorkerMessage,
    encode_message,
)

BACKEND_MODULES = {
    "torch": "fwadvisor.bench.backends.torch_backend",
    "tensorflow": "fwadvisor.bench.backends.tensorflow_backend",
    "jax": "fwadvisor.bench.backends.jax_backend",
}
EXIT_FATAL = 3
Send = Callable[[WorkerMessage], None]


def protocol_stream() -> IO[bytes]:
    """A private copy of stdout for messages; fd 1 then points at stderr for everything else."""
    stream = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def die_with_parent(*, started_by_runner: bool = True) -> None:
    """If the parent is killed outright, the kernel ends this worker too: no orphan keeps the GPU.

    Only a process the runner started itself compares its parent with PARENT_PID_ENV (a cluster
    rank's parent is its launcher).
    """
    expected = os.environ.get(PARENT_PID_ENV) if started_by_runner else None
    parent_death.die_with_parent(expected, EXIT_FATAL)


def fatal(send: Send, kind: FatalKind, error: str, hint: str) -> int:
    send(Fatal(kind=kind, error=error, hint=hint))
    return EXIT_FATAL


def import_backend(framework: str, send: Send) -> Any | None:
    try:
        return importlib.import_module(BACKEND_MODULES[framework])
    except ImportError as exc:
        fatal(
            send,
            "missing_framework",
            f"{framework} cannot be imported: {exc}",
            f"install it with: {INSTALL_HINTS[framework]}",
        )
        return None


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) < 600 else text[:600] + " ..."


def guarded_setup(framework: str, setup: Callable[[], Hello], send: Send) -> Hello | None:
    """`setup`'s Hello, or None once a fatal message has said why it could not set up."""
    from fwadvisor.bench.backends import NoGPUError, NotSupportedHere

    hint = f"check the installation: {INSTALL_HINTS[framework]}"
    try:
        return setup()
    except NotSupportedHere as exc:
        fatal(send, "not_supported", str(exc), "the other frameworks still run on this device; --device cpu runs all")
    except NoGPUError as exc:
        fatal(send, "no_gpu", str(exc), "run with --device cpu, or install a GPU build of the framework")
    except ImportError as exc:
        fatal(send, "missing_framework", describe(exc), f"install it with: {INSTALL_HINTS[framework]}")
    except Exception as exc:
        fatal(send, "setup_failed", describe(exc), hint)
    return None


def _run_cases(backend: Any, framework: str, hello: Hello, cases: list[Case], send: Send) -> None:
    from fwadvisor.profiler.records import failed_record

    for index, case in enumerate(cases):
        send(Start(index=index, benchmark=case.benchmark, dtype=case.dtype))
        try:
            record = backend.run_benchmark(case.benchmark, case.params, case.dtype, case.budget_s)
        except Exception as exc:
            if isinstance(exc, MemoryError):
                error = f"out of memory: {exc}"
            else:
                traceback.print_exc(file=sys.stderr)
                error = describe(exc)
            record = failed_record(
                case.benchmark,
                framework,
                error,
                device=hello.device,
                framework_version=hello.framework_version,
                params=case.params,
                dtype=case.dtype,
            )
        send(Result(index=index, record=record))
    send(Done())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fwadvisor.bench.worker")
    parser.add_argument("--framework", choices=sorted(BACKEND_MODULES), required=True)
    parser.add_argument("--device", choices=DEVICE_IDS, default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--probe", action="store_true", help="report what the framework sees, then exit")
    args = parser.parse_args(argv)

    out = protocol_stream()
    die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))

    def send(message: WorkerMessage) -> None:
        out.write(encode_message(message) + b"\n")
        out.flush()  # the parent sees each message as it happens (and its silence timer restarts)

    framework = args.framework
    backend = import_backend(framework, send)
    if backend is None:
        return EXIT_FATAL
    if args.probe:
        try:
            send(backend.probe())
        except Exception as exc:
            return fatal(send, "setup_failed", describe(exc), f"reinstall it: {INSTALL_HINTS[framework]}")
        return 0
    try:
        cases = msgspec.json.decode(sys.stdin.buffer.read().strip() or b"[]", type=list[Case])
    except msgspec.DecodeError as exc:
        return fatal(send, "setup_failed", f"the cases on stdin are not valid: {exc}", "this is a bug in fwadvisor")
    hello = guarded_setup(framework, lambda: backend.setup(args.device, args.threads), send)
    if hello is None:
        return EXIT_FATAL
    send(hello)
    _run_cases(backend, framework, hello, cases, send)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # os._exit skips framework teardown, which can hang or crash (TF, CUDA) after we are done.
    os._exit(code)
