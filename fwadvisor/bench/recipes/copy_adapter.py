"""What an adapter supplies for the copy recipes (recipes/copies.py): a part of Adapter.

A copy's speed depends first on the host memory it reads or writes: page-locked (pinned) memory is
read directly by the GPU's copy engines; pageable memory is first staged by the driver through a
pinned buffer of its own. So each copy kernel says which host memory it used, and whether that is
what was asked for (a framework may have no public way to pin host memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fwadvisor.profiler.documents import Details


@dataclass(frozen=True)
class CopyKernel:
    """A timed copy (one per call; the call returns the copy) and the host memory it used."""

    call: Callable[[], Any]
    pinned: bool  # the host side of the copy is page-locked memory
    host_memory: str  # in words, for the record: which host memory, and why where it is not what was asked
    notes: Details = field(default_factory=dict)


class CopyAdapterPart(Protocol):
    def host_to_device_kernel(self, host: np.ndarray, pinned: bool) -> CopyKernel:
        """One copy of the 1-D float32 `host` to the device per call; the call returns the device tensor.

        pinned: copy from a page-locked copy of `host` (made once, outside the timing) where the
        framework has a public way to make one; else the framework's one path, said in host_memory.
        """
        ...

    def device_to_host_kernel(self, source: Any, pinned: bool) -> CopyKernel:
        """One copy of the device tensor `source` into host memory per call; the call returns the host copy
        (read it after a sync, through host_array)."""
        ...

    def host_array(self, copied: Any) -> np.ndarray:
        """A host copy (device_to_host_kernel's result) as a NumPy array, without copying it again."""
        ...
