"""Small JAX helpers every JAX module uses: how a record was compiled (the compilation cache and
autotuning), jax.config values, a typed Flax apply."""

from __future__ import annotations

import os
from typing import Any, cast

import jax

from fwadvisor.profiler.documents import Details


def config_value(name: str) -> Any:
    """A jax.config option's value now (the options are attributes the type stubs do not list)."""
    return getattr(jax.config, name)


def apply(module: Any, params: Any, x: jax.Array) -> jax.Array:
    """A Flax module's output for these params (linen's apply returns Any)."""
    return cast("jax.Array", module.apply({"params": params}, x))


def compile_options() -> Details:
    """The persistent compilation cache ("off" unless configured: every compile_s is a real compile),
    autotuning in words, and the XLA flags in force (thread flags the worker set included)."""
    cache = config_value("jax_compilation_cache_dir") or "off"
    flags = os.environ.get("XLA_FLAGS", "").strip()
    level = next((f.split("=", 1)[1] for f in flags.split() if f.startswith("--xla_gpu_autotune_level=")), None)
    on_gpu = jax.default_backend() != "cpu"
    if not on_gpu:
        autotuning = "none (XLA autotunes GPU kernels only)"
    elif level is not None:
        autotuning = f"XLA GPU autotune level {level} (XLA_FLAGS)"
    else:
        autotuning = "XLA's default GPU autotuning (level 4), while compiling"
    return {"compilation_cache": cache, "autotuning": autotuning, "xla_flags": flags or "none"}
