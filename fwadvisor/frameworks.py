"""One place for each framework's identity: its ids, its product name and its colours.

The advisor speaks of "pytorch" and "tensorflow" (the verdict contract), the profiler of "torch" and
"tensorflow" (the worker contract); both ids lead to the same identity here. JAX is the profiler's third
framework ("jax" for both): the verdict stays PyTorch or TensorFlow, JAX is measured and named as the
alternative. Every report format and the app take names and colours from this module, so PyTorch is the
same orange everywhere.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    advisor_id: str  # "pytorch" | "tensorflow": recommendations, rules, scores
    profiler_id: str  # "torch" | "tensorflow": workers, records, suites
    name: str  # what a person reads
    short: str  # for narrow columns and ratio labels ("TF 1.3x")
    hex_colour: str  # HTML and SVG
    rich_colour: str  # Rich / Textual style name
    ansi_colour: str  # SGR parameters for the plain terminal report


PYTORCH = Framework("pytorch", "torch", "PyTorch", "torch", "#d9480f", "dark_orange", "38;5;208")
TENSORFLOW = Framework("tensorflow", "tensorflow", "TensorFlow", "TF", "#e8a100", "gold3", "38;5;178")
JAX = Framework("jax", "jax", "JAX", "JAX", "#7b3fe4", "medium_purple", "38;5;141")
# In the order every table and chart shows them.
ALL = (PYTORCH, TENSORFLOW, JAX)
# The frameworks the advice chooses between (the verdict contract); JAX is measured, not a verdict.
VERDICT = (PYTORCH, TENSORFLOW)
# Either id finds the framework.
BY_ID = {fw.advisor_id: fw for fw in ALL} | {fw.profiler_id: fw for fw in ALL}
PROFILER_IDS = tuple(fw.profiler_id for fw in ALL)
# Optional frameworks: a profile without --framework runs them only where they are installed.
OPTIONAL_PROFILER_IDS = ("jax",)
# The module whose presence means the framework is installed (looked up, never imported here).
IMPORT_NAMES = {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax"}
INSTALL_HINTS = {
    "torch": "pip install 'fwadvisor[torch]'",
    "tensorflow": "pip install 'fwadvisor[tensorflow]'",
    "jax": "pip install 'fwadvisor[jax]'",
}
EITHER_NAME = "Either framework"
EITHER_RICH_COLOUR = "cyan"


def installed(profiler_id: str) -> bool:
    """Whether the framework's package is importable here, found without importing it (the parent side
    never imports a framework)."""
    try:
        return importlib.util.find_spec(IMPORT_NAMES[profiler_id]) is not None
    except (ImportError, ValueError):
        return False


def default_profiler_ids() -> tuple[str, ...]:
    """What a profile runs without --framework: PyTorch and TensorFlow always (a missing one says how to
    install it), the optional ones (JAX) where they are installed."""
    return tuple(fw for fw in PROFILER_IDS if fw not in OPTIONAL_PROFILER_IDS or installed(fw))


def identity(framework_id: str) -> Framework:
    """The framework for an advisor or a profiler id; KeyError for anything else."""
    return BY_ID[framework_id]


def display_name(framework_id: str | None) -> str:
    """A person's name for an id ("either" and unknown ids are named as they are)."""
    if framework_id == "either":
        return EITHER_NAME
    found = BY_ID.get(framework_id or "")
    return found.name if found else (framework_id or "either framework")
