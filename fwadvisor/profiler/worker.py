"""The worker process: imports one framework, runs benchmark cases, reports JSON lines on stdout.

Started by the parent (CLI or TUI) as `python -m fwadvisor.profiler.worker --framework torch ...`
with the cases as JSON on stdin. Every message is one JSON object on one line:

    {"type": "hello", "framework", "framework_version", "device", "threads"}
    {"type": "start", "index", "benchmark", "dtype"}
    {"type": "result", "index", "record"}
    {"type": "fatal", "kind": "missing_framework" | "no_gpu" | "setup_failed", "error", "hint"}
    {"type": "probe", ...}                      (with --probe: what the framework sees, then exit)
    {"type": "done"}

The framework's own prints go to stderr, so they can never corrupt the protocol on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import traceback
from typing import Any, TextIO

BACKEND_MODULES = {
    "torch": "fwadvisor.profiler.backends.torch_backend",
    "tensorflow": "fwadvisor.profiler.backends.tensorflow_backend",
}
INSTALL_HINTS = {"torch": "pip install 'fwadvisor[torch]'", "tensorflow": "pip install 'fwadvisor[tensorflow]'"}
EXIT_FATAL = 3


def _protocol_stream() -> TextIO:
    """A private copy of stdout for messages; fd 1 then points at stderr for everything else."""
    stream = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _die_with_parent() -> None:
    # If the parent is killed outright, the kernel ends this worker too: no orphan keeps the GPU.
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        except OSError:
            pass


def _import_backend(framework: str, send) -> Any | None:
    try:
        return importlib.import_module(BACKEND_MODULES[framework])
    except ImportError as exc:
        send(
            {
                "type": "fatal",
                "kind": "missing_framework",
                "error": f"{framework} cannot be imported: {exc}",
                "hint": f"install it with: {INSTALL_HINTS[framework]}",
            }
        )
        return None


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) < 600 else text[:600] + " ..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fwadvisor.profiler.worker")
    parser.add_argument("--framework", choices=sorted(BACKEND_MODULES), required=True)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--probe", action="store_true", help="report what the framework sees, then exit")
    args = parser.parse_args(argv)

    out = _protocol_stream()
    _die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, default=str) + "\n")
        out.flush()

    backend = _import_backend(args.framework, send)
    if backend is None:
        return EXIT_FATAL
    if args.probe:
        try:
            send({"type": "probe", "framework": args.framework, **backend.probe()})
        except Exception as exc:
            send(
                {
                    "type": "fatal",
                    "kind": "setup_failed",
                    "error": _describe(exc),
                    "hint": f"reinstall it: {INSTALL_HINTS[args.framework]}",
                }
            )
            return EXIT_FATAL
        return 0

    cases = json.loads(sys.stdin.read().strip() or "[]")
    from fwadvisor.profiler.backends import NoGPUError

    try:
        info = backend.setup(args.device, args.threads)
    except NoGPUError as exc:
        send(
            {
                "type": "fatal",
                "kind": "no_gpu",
                "error": str(exc),
                "hint": "run with --device cpu, or install a GPU build of the framework",
            }
        )
        return EXIT_FATAL
    except ImportError as exc:
        send(
            {
                "type": "fatal",
                "kind": "missing_framework",
                "error": _describe(exc),
                "hint": f"install it with: {INSTALL_HINTS[args.framework]}",
            }
        )
        return EXIT_FATAL
    except Exception as exc:
        send(
            {
                "type": "fatal",
                "kind": "setup_failed",
                "error": _describe(exc),
                "hint": f"check the installation: {INSTALL_HINTS[args.framework]}",
            }
        )
        return EXIT_FATAL
    send({"type": "hello", "framework": args.framework, **info})

    from fwadvisor.profiler.records import failed_record

    for index, case in enumerate(cases):
        send({"type": "start", "index": index, "benchmark": case["benchmark"], "dtype": case["dtype"]})
        try:
            record = backend.run_benchmark(case["benchmark"], case["params"], case["dtype"], case["budget_s"])
        except MemoryError as exc:
            record = failed_record(
                case["benchmark"],
                args.framework,
                f"out of memory: {exc}",
                device=info["device"],
                framework_version=info["framework_version"],
                params=case["params"],
                dtype=case["dtype"],
            )
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            record = failed_record(
                case["benchmark"],
                args.framework,
                _describe(exc),
                device=info["device"],
                framework_version=info["framework_version"],
                params=case["params"],
                dtype=case["dtype"],
            )
        send({"type": "result", "index": index, "record": record})
    send({"type": "done"})
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # os._exit skips framework teardown, which can hang or crash (TF, CUDA) after we are done.
    os._exit(code)
