"""One rank of a cluster-suite launch: `python -m fwadvisor.bench.cluster.rank --framework F ...`.

Started by torchrun (PyTorch, one process per device), by tf_launch.py (TensorFlow, one process per
device), or by the runner itself (TensorFlow's MirroredStrategy with --single-process, and world size
1, ddp_scaling's baseline). The cases are a JSON file (list[protocol.Case]) given by --cases. Rank 0
speaks the worker protocol on stdout exactly as bench/worker.py does (hello, start, result, fatal,
done); every other rank's stdout goes to stderr and it sends nothing, but runs every case (the
collectives need all ranks).

A case that no rank can run (wrong dtype, unknown model ...) is refused by every rank alike before
any collective, and the next case runs. An error inside a collective case ends the launch: rank 0
sends that case's error record, every failing rank exits non-zero, and the launcher stops the rest
(the parent records the cases left as not run). A rank dies with its launcher (PR_SET_PDEATHSIG)
and at once on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from fwadvisor.bench.worker import (
    EXIT_FATAL,
    Send,
    describe,
    die_with_parent,
    fatal,
    guarded_setup,
    import_backend,
    protocol_stream,
)
from fwadvisor.profiler.protocol import Case, Done, Hello, Result, Start, encode_message
from fwadvisor.profiler.records import failed_record, make_record

SIDE_MODULES = {
    "torch": "fwadvisor.bench.cluster.torch_side",
    "tensorflow": "fwadvisor.bench.cluster.tensorflow_side",
}
EXIT_CASE_FAILED = 4  # a collective case failed on this rank: the launch ends
SINGLE_PROCESS_SKIP = (
    "not measured in PyTorch: one process driving several devices is DataParallel, which PyTorch calls "
    "legacy; DistributedDataParallel (one process per device, the torchrun rows) is what it recommends"
)


def launch_rank(framework: str, single_process: bool) -> int:
    """This process's rank, from the launcher's environment (torchrun's RANK, TF_CONFIG's task index)."""
    if framework == "torch":
        return int(os.environ.get("RANK", "0"))
    if single_process or "TF_CONFIG" not in os.environ:
        return 0
    try:
        return int(json.loads(os.environ["TF_CONFIG"])["task"]["index"])
    except (KeyError, TypeError, ValueError):
        return 0  # the side's set-up says what is wrong with TF_CONFIG


def launch_world_size(framework: str, requested: int | None) -> int:
    if requested is not None:
        return requested
    if framework == "torch":
        return int(os.environ.get("WORLD_SIZE", "1"))
    try:
        return len(json.loads(os.environ["TF_CONFIG"])["cluster"]["worker"])
    except (KeyError, TypeError, ValueError):
        return 1


def _guard_process() -> None:
    # A rank under torchrun has torchrun for a parent (which fwadvisor starts through
    # profiler/exec_with_parent, so it dies with fwadvisor): only a rank the runner started itself
    # compares its parent with PARENT_PID_ENV.
    under_torchrun = "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ
    die_with_parent(started_by_runner=not under_torchrun)
    # The default action ends the process at once, even deep inside a collective, where a Python
    # handler would wait for the call to return.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _mismatch(cases: list[Case], framework: str, world_size: int, single_process: bool) -> str | None:
    for index, case in enumerate(cases):
        wanted = case.params.get("world_size")
        if wanted is not None and wanted != world_size:
            return f"case {index} ({case.benchmark}) is for world_size {wanted}; this launch has {world_size}"
        one_process = bool(case.params.get("single_process", 0))
        if framework == "tensorflow" and one_process != single_process:
            launch = "one process (MirroredStrategy)" if single_process else "one process per device"
            return f"case {index} ({case.benchmark}) has single_process={int(one_process)}; this launch is {launch}"
        if framework == "torch" and single_process and not one_process:
            return f"case {index} ({case.benchmark}) needs torchrun; this launch is one process (--single-process)"
    return None


def _skipped(hello: Hello, case: Case, why: str) -> Any:
    return make_record(
        benchmark=case.benchmark,
        framework=hello.framework,
        framework_version=hello.framework_version,
        device=hello.device,
        dtype=case.dtype,
        params=case.params,
        threads=hello.threads,
        precision={},
        timing=None,
        metric_name="",
        metric_value=None,
        correct=None,
        skipped=why,
    )


def _failed(hello: Hello, case: Case, exc: BaseException, *, refused: bool = False) -> Any:
    """The case's error record; `refused`: a case the prechecks turned down (no traceback to show)."""
    if isinstance(exc, MemoryError):
        error = f"out of memory: {exc}"
    else:
        if not refused:
            traceback.print_exc(file=sys.stderr)
        error = describe(exc)
    return failed_record(
        case.benchmark,
        hello.framework,
        error,
        device=hello.device,
        framework_version=hello.framework_version,
        params=case.params,
        dtype=case.dtype,
    )


def run_cases(side: Any, hello: Hello, cases: list[Case], send: Send) -> int:
    from fwadvisor.bench.cluster import recipes

    processes = side.world_size // len(side.local_replicas)
    for index, case in enumerate(cases):
        send(Start(index=index, benchmark=case.benchmark, dtype=case.dtype))
        if hello.framework == "torch" and case.params.get("single_process", 0):
            send(Result(index=index, record=_skipped(hello, case, SINGLE_PROCESS_SKIP)))
            continue
        try:
            recipes.precheck(case, side.adapter.gpu, side.world_size)
        except (ValueError, KeyError) as exc:
            send(Result(index=index, record=_failed(hello, case, exc, refused=True)))
            continue
        try:
            with side.case_scope():
                record = recipes.RECIPES[case.benchmark](side, case)
        except Exception as exc:
            send(Result(index=index, record=_failed(hello, case, exc)))
            if processes > 1:  # the other ranks may wait in a collective this rank left: end the launch
                print(f"rank {side.rank}: {describe(exc)}: ending the launch", file=sys.stderr)
                return EXIT_CASE_FAILED
            continue
        send(Result(index=index, record=record))
    send(Done())
    # No rank leaves (and closes its connections) while another still needs it for the last case's
    # collectives. A rank may still leave this barrier while a slower one finishes it (a ring's last
    # chunk): that one's error here is harmless, every record is sent.
    with contextlib.suppress(Exception):
        side.barrier()
    return 0


@contextlib.contextmanager
def _closing(side: Any) -> Iterator[Any]:
    try:
        yield side
    finally:
        side.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fwadvisor.bench.cluster.rank")
    parser.add_argument("--framework", choices=sorted(SIDE_MODULES), required=True)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cases", type=Path, required=True, help="a JSON file: list of protocol.Case")
    parser.add_argument("--world-size", type=int, default=None, help="default: the launcher's (WORLD_SIZE, TF_CONFIG)")
    parser.add_argument("--single-process", action="store_true", help="TensorFlow's MirroredStrategy in one process")
    args = parser.parse_args(argv)

    out = protocol_stream()
    _guard_process()
    framework, single_process = args.framework, args.single_process
    rank = launch_rank(framework, single_process)
    world_size = launch_world_size(framework, args.world_size)

    def send(message: Any) -> None:
        if rank == 0:
            out.write(encode_message(message) + b"\n")
            out.flush()  # the parent sees each message as it happens

    if rank != 0:
        out.close()  # only rank 0 writes on the protocol stream
    try:
        cases = msgspec.json.decode(args.cases.read_bytes().strip() or b"[]", type=list[Case])
    except (OSError, msgspec.DecodeError) as exc:
        return fatal(send, "setup_failed", f"the cases file is not usable: {exc}", "this is a bug in fwadvisor")
    problem = _mismatch(cases, framework, world_size, single_process)
    if problem:
        return fatal(send, "setup_failed", problem, "this is a bug in fwadvisor: the parent groups cases by launch")
    if import_backend(framework, send) is None:
        return EXIT_FATAL
    made: list[Any] = []

    def setup() -> Hello:
        module = importlib.import_module(SIDE_MODULES[framework])
        if framework == "torch":
            side = module.TorchSide(args.device, args.threads, 1 if single_process else world_size)
        else:
            side = module.TensorFlowSide(args.device, args.threads, world_size, single_process)
        made.append(side)
        hello: Hello = side.hello
        return hello

    hello = guarded_setup(framework, setup, send)
    if hello is None:
        return EXIT_FATAL
    send(hello)
    with _closing(made[0]) as side:
        return run_cases(side, hello, cases, send)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit skips framework teardown, which can hang or crash (TF, CUDA, NCCL) after we are done.
    os._exit(code)
