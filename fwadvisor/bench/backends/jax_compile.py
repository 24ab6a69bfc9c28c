"""What every compiled JAX record says about how it was compiled: the compilation cache and autotuning."""

from __future__ import annotations

import os

import jax

from fwadvisor.profiler.documents import Details


def compile_options() -> Details:
    """The persistent compilation cache ("off" unless configured: every compile_s is a real compile) and
    the XLA flags that steer autotuning, in words."""
    cache = jax.config.jax_compilation_cache_dir or "off"
    flags = os.environ.get("XLA_FLAGS", "").strip()
    return {
        "compilation_cache": cache,
        "autotuning": f"XLA_FLAGS={flags}" if flags else "XLA's defaults (GPU: autotune level 4; CPU: none)",
    }
