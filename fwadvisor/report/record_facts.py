"""What a run's records say about how a case ran, in words: the helpers of "what was held equal"
(held_equal.py) and its pitfalls. Headless; every value read from a record is outside text."""

from __future__ import annotations

from collections.abc import Iterable

from fwadvisor.profiler.catalog import TORCH_LAYOUT_PARAM, shape_text
from fwadvisor.profiler.documents import Record, ResultStatus, classify

TORCH = "torch"
NOT_RUN = {ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.CANCELLED}


def ran(record: Record) -> bool:
    return classify(record) not in NOT_RUN


def on_gpu(record: Record) -> bool:
    return record.device.startswith("cuda")


def words(values: Iterable[str]) -> str:
    return ", ".join(sorted(set(values)))


def flag(records: list[Record], key: str) -> str:
    seen = {r.precision.get(key) for r in records}
    if seen == {True}:
        return "on"
    if seen == {False}:
        return "off"
    return "not recorded" if seen == {None} else "mixed"


def tf32(records: list[Record]) -> str:
    matmul, conv = flag(records, "tf32_matmul"), flag(records, "tf32_conv")
    return matmul if matmul == conv else f"matmul {matmul}, conv {conv}"


def shape(record: Record) -> str:
    # Framework-specific parameters (a torch_layout, say) are not shapes: leave them out of the comparison.
    params = {k: v for k, v in record.params.items() if not k.startswith(("torch_", "tf_", "tensorflow_"))}
    return shape_text(params, record.benchmark)


def precision_flag(records: list[Record], key: str) -> str:
    return words(str(r.precision[key]) for r in records if key in r.precision)


def layout_text(framework: str, value: str) -> str:
    """A torch layout says whether it is channels_last or PyTorch's NCHW default."""
    if framework == TORCH and "channels_last" in value.lower():
        return "channels_last (NHWC in memory)"
    if framework == TORCH and value.upper().startswith("NCHW"):
        return "NCHW (PyTorch's default)"
    return value


def extra_values(records: list[Record], key: str, framework: str) -> str:
    values = [str(r.extra[key]) for r in records if key in r.extra]
    if key == "layout":
        values = [layout_text(framework, v) for v in values]
        if framework == TORCH:  # a case's torch_layout is PyTorch's alone, wherever a record carries it
            values += [
                layout_text(TORCH, str(r.params[TORCH_LAYOUT_PARAM])) for r in records if TORCH_LAYOUT_PARAM in r.params
            ]
    return words(values)
