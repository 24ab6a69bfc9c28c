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
    """The persistent compilation cache ("off" unless configured: every compile_s is a real compile) and
    the XLA flags that steer autotuning, in words."""
    cache = config_value("jax_compilation_cache_dir") or "off"
    flags = os.environ.get("XLA_FLAGS", "").strip()
    return {
        "compilation_cache": cache,
        "autotuning": f"XLA_FLAGS={flags}" if flags else "XLA's defaults (GPU: autotune level 4; CPU: none)",
    }
