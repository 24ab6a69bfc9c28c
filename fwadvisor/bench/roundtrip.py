"""Reload a deployment artifact in a fresh process and run it: the second half of export_roundtrip.

A model that only works in the process that saved it is not deployable, so the worker saves the trained
CNN (torch.export .pt2 / TensorFlow SavedModel / jax.export's serialized StableHLO) and starts this
module in a NEW interpreter:

    python -m fwadvisor.bench.roundtrip FRAMEWORK ARTIFACT INPUTS.npy [--output OUT.npy]
                                           [--device cpu|cuda|rocm] [--threads N]

It imports only that framework (and NumPy), loads the artifact, runs it on the saved inputs, writes the
outputs as .npy and prints ONE JSON line on stdout:

    {"load_s", "import_s", "first_call_s", "outputs_path"}      exit 0
    {"error": "what went wrong"}                                  exit 2 (a corrupt or unloadable artifact)

The worker (reload_in_fresh_process below) compares the outputs with the in-memory model's. This module's
top level imports the standard library only, so the worker may import it cheaply.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

FRAMEWORKS = ("torch", "tensorflow", "jax")
EXIT_FAILED = 2
RELOAD_TIMEOUT_S = 180.0  # a fresh TensorFlow import alone takes several seconds on a small CPU


class _ReloadLine(TypedDict, total=False):
    """The fresh process's one JSON line (the module docstring): the first four, or `error`."""

    load_s: float
    import_s: float
    first_call_s: float
    outputs_path: str
    error: str


@dataclass(frozen=True)
class Reloaded:
    """What the fresh process reported; outputs_path holds the reloaded model's outputs (.npy)."""

    load_s: float
    import_s: float
    first_call_s: float
    outputs_path: Path


# --------------------------------------------------------------------------------------------------
# Worker side


def reload_in_fresh_process(
    framework: str,
    artifact: Path,
    inputs: Path,
    *,
    device: str = "cpu",
    threads: int | None = None,
    timeout_s: float = RELOAD_TIMEOUT_S,
) -> Reloaded:
    """Run this module in a new interpreter; raises RuntimeError("reload failed: ...") with the reason."""
    cmd = [
        sys.executable,
        "-m",
        "fwadvisor.bench.roundtrip",
        framework,
        str(artifact),
        str(inputs),
        "--device",
        device,
    ]
    if threads:
        cmd += ["--threads", str(threads)]
    try:
        # No shell; stdin closed so the child can never wait on the worker's protocol stream.
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"reload failed: the fresh {framework} process did not finish within {timeout_s:g} s"
        ) from None
    message = _last_json_line(proc.stdout)
    if proc.returncode != 0 or message is None or "error" in message:
        if message and message.get("error"):
            reason = str(message["error"])
        else:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            reason = f"exit code {proc.returncode}: {tail}"
        raise RuntimeError(f"reload failed in a fresh {framework} process: {reason}")
    return Reloaded(
        float(message["load_s"]),
        float(message["import_s"]),
        float(message["first_call_s"]),
        Path(message["outputs_path"]),
    )


def _last_json_line(text: str) -> _ReloadLine | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return cast("_ReloadLine", value)  # as the child wrote it; float() and Path() check it at use
    return None


def artifact_bytes(path: Path) -> int:
    """Size on disk: the file, or the sum of every file under a directory (a SavedModel is a folder)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------------
# Fresh-process side


def _run_torch(artifact: Path, inputs: Path, device: str, threads: int | None) -> tuple[Any, float, float, float]:
    start = time.perf_counter()
    import numpy as np
    import torch

    import_s = time.perf_counter() - start
    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    module = torch.export.load(str(artifact)).module()
    load_s = time.perf_counter() - start
    kind = "cuda" if device == "rocm" else device  # ROCm's torch runs the torch.cuda API over HIP
    x = torch.from_numpy(np.load(inputs)).to(kind)
    start = time.perf_counter()
    with torch.no_grad():
        out = module(x)
    if kind != "cpu":
        getattr(torch, kind).synchronize()
    first_call_s = time.perf_counter() - start
    return out.detach().float().cpu().numpy(), import_s, load_s, first_call_s


def _run_tensorflow(artifact: Path, inputs: Path, device: str, threads: int | None) -> tuple[Any, float, float, float]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    import numpy as np
    import tensorflow as tf

    import_s = time.perf_counter() - start
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    if device == "cpu" and gpus:
        tf.config.set_visible_devices([], "GPU")
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    start = time.perf_counter()
    loaded = tf.saved_model.load(str(artifact))  # plain TensorFlow: no Keras needed to serve it
    load_s = time.perf_counter() - start
    serve = getattr(loaded, "serve", None) or loaded.signatures["serving_default"]
    x = tf.constant(np.load(inputs))
    start = time.perf_counter()
    out = serve(x)
    if isinstance(out, dict):  # a signature returns a dict of named outputs
        out = next(iter(out.values()))
    result = out.numpy()  # .numpy() waits for the result
    first_call_s = time.perf_counter() - start
    return result, import_s, load_s, first_call_s


def _run_jax(artifact: Path, inputs: Path, device: str, threads: int | None) -> tuple[Any, float, float, float]:
    # As in the worker: no 75% GPU memory grab, and a CPU reload never starts the GPU runtime.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    start = time.perf_counter()
    import jax
    import numpy as np

    import_s = time.perf_counter() - start
    if device == "cpu":
        jax.config.update("jax_platforms", "cpu")
    start = time.perf_counter()
    exported = jax.export.deserialize(bytearray(artifact.read_bytes()))  # plain JAX: no Flax needed to serve it
    load_s = time.perf_counter() - start
    x = jax.device_put(np.load(inputs), jax.devices("cpu" if device == "cpu" else "gpu")[0])
    start = time.perf_counter()
    result = np.asarray(exported.call(x))  # np.asarray waits for the result
    first_call_s = time.perf_counter() - start
    return result, import_s, load_s, first_call_s


_RUNNERS = {"torch": _run_torch, "tensorflow": _run_tensorflow, "jax": _run_jax}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fwadvisor.bench.roundtrip")
    parser.add_argument("framework", choices=FRAMEWORKS)
    parser.add_argument("artifact", type=Path, help="the .pt2 file or the SavedModel folder")
    parser.add_argument("inputs", type=Path, help="a .npy file of inputs in the framework's layout")
    parser.add_argument("--output", type=Path, default=None, help="where to write the outputs (.npy)")
    parser.add_argument("--device", choices=("cpu", "cuda", "rocm", "mps", "xpu"), default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    output = args.output or args.inputs.with_name(args.inputs.stem + "-outputs.npy")
    try:
        if not args.artifact.exists():
            raise FileNotFoundError(f"no artifact at {args.artifact}")
        runner = _RUNNERS[args.framework]
        result, import_s, load_s, first_call_s = runner(args.artifact, args.inputs, args.device, args.threads)
        import numpy as np

        np.save(output, result)
    except Exception as exc:  # any failure to load or run is the answer, reported as data, not a traceback
        text = f"{type(exc).__name__}: {exc}".strip()
        text = " ".join(text.split())  # one line, whatever the framework's message looked like
        print(json.dumps({"error": text if len(text) < 800 else text[:800] + " ..."}), flush=True)
        return EXIT_FAILED
    print(
        json.dumps({"load_s": load_s, "import_s": import_s, "first_call_s": first_call_s, "outputs_path": str(output)}),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip framework teardown, which can hang (TF, CUDA) once the answer is out
