"""The PCIe link between host and GPU: its theoretical rate, and the share of it each copy record reached.

A copy benchmark's GB/s says little on its own: 25 GB/s is most of a gen4 x16 link and under half of a
gen5 x16 one. NVML reports the link's generation and width (environment.gpu_info); this module turns
them into the link's rate and writes, parent side after the run, what share of it each copy reached.

The rate is the raw transfer rate per lane after line encoding, per direction: the ceiling the
physical layer allows. Packet framing (TLP headers, DLLP acknowledgements) takes a further 5-15%, so
a well-fed copy reaches about 80-90% of it, never 100%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from fwadvisor.profiler.catalog import HOST_LINK_BENCHMARKS
from fwadvisor.profiler.documents import Details, Record
from fwadvisor.profiler.run_environment import Environment, GpuDevice

# Transfer rate per lane (GT/s) and line encoding (payload bits, line bits) of each PCIe generation.
# Gen 6 sends 256-byte FLITs of which 242 bytes carry packets and link-layer data (the rest is CRC and
# FEC); its PAM4 signalling carries 2 bits per symbol, already counted in the 64 GT/s.
TRANSFER_RATES_GT_S: Final[dict[int, float]] = {1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0, 6: 64.0}
ENCODINGS: Final[dict[int, tuple[int, int]]] = {
    1: (8, 10),
    2: (8, 10),
    3: (128, 130),
    4: (128, 130),
    5: (128, 130),
    6: (242, 256),
}
RATE_SOURCE: Final = (
    "PCI-SIG PCI Express Base Specifications 1.0-6.0: 2.5, 5, 8, 16, 32, 64 GT/s per lane; 8b/10b encoding "
    "(gen 1-2), 128b/130b (gen 3-5), 242B/256B FLIT (gen 6); per direction, before packet overhead"
)
MAX_WIDTH: Final = 32  # the widest link the specification defines
# NVML describes NVIDIA cards only. An AMD card (ROCm runs the cuda API, so its records may read
# "cuda:0 AMD Instinct ...") or an Intel one has a PCIe link too, but nothing here reads it: said,
# never taken from the NVIDIA card that may sit beside it. Apple's mps GPU has no host link at all
# (unified memory), so its copy records get no link words.
NOT_NVML_DEVICES: Final = ("rocm", "xpu")
NOT_NVML_NAMES: Final = ("amd ", "instinct", "radeon", "intel")
NOT_READ_LINK: Final = "unknown (NVML reads NVIDIA cards' links only; this GPU's link was not read)"


def lane_rate_gb_s(generation: int) -> float | None:
    """One lane's rate in GB/s (1e9 bytes per second) per direction after encoding; None if unknown."""
    if generation not in TRANSFER_RATES_GT_S:
        return None
    payload, line = ENCODINGS[generation]
    return TRANSFER_RATES_GT_S[generation] * payload / line / 8


def link_rate_gb_s(generation: int, width: int) -> float | None:
    """A link's rate in GB/s per direction after encoding (gen4 x16: 31.5); None for an unknown link."""
    lane = lane_rate_gb_s(generation)
    if lane is None or not 1 <= width <= MAX_WIDTH:
        return None
    return lane * width


@dataclass(frozen=True)
class PcieLink:
    generation: int
    width: int
    rate_gb_s: float

    @property
    def text(self) -> str:
        """'gen4 x16, 31.51 GB/s'"""
        rate = f"{self.rate_gb_s:.2f}".rstrip("0").rstrip(".")
        return f"gen{self.generation} x{self.width}, {rate} GB/s"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def pcie_link(generation: Any, width: Any) -> PcieLink | None:
    """The link NVML describes (its readings may be missing or odd in a saved file: None then)."""
    gen, lanes = _count(generation), _count(width)
    if gen is None or lanes is None:
        return None
    rate = link_rate_gb_s(gen, lanes)
    return PcieLink(gen, lanes, rate) if rate is not None else None


def _same_card(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _gpu_for(device: str, gpus: list[GpuDevice]) -> GpuDevice | None:
    """NVML's entry for the card a record ran on: by name ("cuda:0 NVIDIA H100 ..."), else the first."""
    name = device.split(" ", 1)[1] if " " in device else ""
    named = [gpu for gpu in gpus if name and _same_card(gpu.name or "", name)]
    found = named or gpus
    return found[0] if found else None


def link_share_extra(rate_gb_s: float, gpu: GpuDevice) -> Details:
    """What a copy record's extra says about the link: the link, its rate, and the share reached.

    The share is taken of the maximum link (NVML: the fastest the card and its slot allow), since the
    current reading drops while the GPU idles (to save power) and the environment is read before the
    run; the current reading is kept next to it. With no maximum, the current link is used.
    """
    current = pcie_link(gpu.pcie_generation, gpu.pcie_width)
    maximum = pcie_link(gpu.pcie_generation_max, gpu.pcie_width_max)
    link = maximum or current
    if link is None:
        return {"pcie_link": "unknown (NVML reported no PCIe generation and width)"}
    share = rate_gb_s / link.rate_gb_s
    extra: Details = {
        "pcie_link": link.text,
        "pcie_link_current": current.text if current is not None else "unknown",
        "share_of_link": round(share, 3),
        "pcie_rate_source": RATE_SOURCE,
    }
    if share > 1:
        # No PCIe copy beats its link: the bytes did not all cross it (a cached copy), or the host link
        # is not PCIe (Grace Hopper's NVLink-C2C), which NVML's PCIe readings do not describe.
        extra["share_of_link_note"] = "above the PCIe link's rate: the copy did not cross this link in full"
    return extra


def add_link_share(records: Iterable[Record], environment: Environment) -> None:
    """Parent side, after the run: each measured GPU copy record gets its PCIe link and share of it.

    Reads environment.gpu.gpus (environment.gpu_info). Records of other benchmarks, failed or
    skipped ones, and CPU runs are left as they are.
    """
    gpus = environment.gpu.gpus
    for record in records:
        value = record.metric.value
        if record.benchmark not in HOST_LINK_BENCHMARKS or record.metric.name != "GB/s" or value is None or value <= 0:
            continue
        device = record.device.lower()
        if device.startswith(NOT_NVML_DEVICES) or (
            device.startswith("cuda") and any(name in device for name in NOT_NVML_NAMES)
        ):
            record.extra = {**record.extra, "pcie_link": NOT_READ_LINK}
            continue
        if not device.startswith("cuda"):  # the CPU; mps (unified memory: no host link)
            continue
        gpu = _gpu_for(record.device, gpus)
        extra = link_share_extra(value, gpu) if gpu is not None else {"pcie_link": "unknown (NVML lists no GPU)"}
        record.extra = {**record.extra, **extra}
