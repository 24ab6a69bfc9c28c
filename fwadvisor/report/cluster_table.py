"""The cluster suite's part of the "Evidence" section: all-reduce bandwidth and data-parallel scaling.

Built once here as small titled tables and sentences (report.model.Table), laid out by every format
(text, Markdown, HTML) alike; the JSON report takes `cluster_data`. Each table fits 80 columns: the
all-reduce table is one row per buffer size (bus bandwidth per framework, the ratio with its interval,
TensorFlow's one-process MirroredStrategy beside them, labelled), the share of nccl-tests in a table of
its own; the scaling section is two tables per model (step times, then efficiencies), each row one N.
Launchers, backends, algorithm bandwidth and bucketing settings are sentences under their table. A run
on CPU says the contract's sentence: its numbers test the plumbing, not a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from fwadvisor.advisor.cluster_evidence import (
    ALL_REDUCE,
    CPU_PLUMBING,
    DDP_SCALING,
    SINGLE_PROCESS_LABEL,
    baselines,
    claim_sentence,
    efficiency,
    has_cluster_records,
    model_key,
    number,
    on_gpu,
    single_process,
    words,
    world_size,
)
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.catalog import shape_text
from fwadvisor.profiler.documents import STATUS_MARKS, Record, ResultStatus, RunDocument, classify, ratio_status_of
from fwadvisor.report.model import ClusterSection, Table, TitledTable
from fwadvisor.report.profile_table import rows
from fwadvisor.safe_text import NAME_CHARS, clean, cut

TITLE = "Distributed training: all-reduce and data-parallel scaling"
TF_ONE_PROCESS = "TF 1 proc"
# What each sentence under the scaling tables explains, said once.
EFFICIENCY_WORDS = (
    "Scaling efficiency = the framework's own one-device step time / its step time at N devices, with the "
    "same batch on every device (weak scaling): 1.00 is perfect; (low-high) is its 95% interval. The last "
    "column is PyTorch's efficiency over TensorFlow's (above 1: PyTorch kept more of its one-device speed)."
)
BUS_WORDS = (
    "Bus bandwidth as nccl-tests computes it: algorithm bandwidth (bytes / time of one all-reduce) x 2(n-1)/n, "
    "so it reads against the links' speed whatever the number of ranks."
)


def _label(record: Record) -> str:
    """ "PyTorch: torchrun, one process per device, gloo" (the run's words are outside text: bounded)."""
    launcher = words(record.extra, "launcher") or ("MirroredStrategy, one process" if single_process(record) else "")
    backend = words(record.extra, "backend")
    name = PYTORCH.name if record.framework == "torch" else TENSORFLOW.name
    parts = [cut(p, NAME_CHARS) for p in (launcher, f"backend {backend}" if backend else "") if p]
    return clean(f"{name}: {', '.join(parts)}" if parts else name)


def _status_text(record: Record, value: str) -> str:
    status = classify(record)
    if status is ResultStatus.OK:
        return value
    if status in (ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.CANCELLED):
        return f"{STATUS_MARKS[status]} {status.value}".strip()
    return f"{value} {STATUS_MARKS[status]}"


def _bandwidth(record: Record | None) -> str:
    if record is None:
        return "-"
    value = record.metric.value
    spread = f" ±{record.rel_spread * 50:.0f}%" if record.rel_spread is not None else ""
    return _status_text(record, f"{value:.4g}{spread}" if value is not None else "-")


def _mebibytes(record: Record) -> float:
    size = number(record.extra, "bytes")
    return size / 2**20 if size else float(record.params.get("mebibytes", 0) or 0)


def _all_reduce(records: list[Record]) -> list[TitledTable]:
    multi = [r for r in records if not single_process(r)]
    alone = [r for r in records if single_process(r) and r.framework == "tensorflow"]
    by_size: dict[float, dict[str, Record]] = {}
    for record in multi:
        by_size.setdefault(_mebibytes(record), {})[record.framework] = record
    one_process = {_mebibytes(r): r for r in alone}
    ratio = {row.key: row for row in rows(multi)}
    sizes = sorted(set(by_size) | set(one_process))
    head = ["MiB", f"{PYTORCH.name} GB/s", f"{TENSORFLOW.name} GB/s", "ahead"] + ([TF_ONE_PROCESS] if alone else [])
    body = []
    for size in sizes:
        pair = by_size.get(size, {})
        any_record = next(iter(pair.values()), None)
        row = ratio.get(any_record.key) if any_record is not None else None
        ahead = row.faster_text(short=True) if row is not None else "-"
        line = [f"{size:.4g}", _bandwidth(pair.get("torch")), _bandwidth(pair.get("tensorflow")), ahead]
        body.append(line + ([_bandwidth(one_process.get(size))] if alone else []))
    notes = [BUS_WORDS]
    if alone:
        notes.append(
            f"{TF_ONE_PROCESS}: TensorFlow's {SINGLE_PROCESS_LABEL} over the same devices, what most TensorFlow "
            "users run on one box; PyTorch has no partner for it (DDP, one process per device, is its way)."
        )
    for record in _first_per_launcher(records):
        notes.append(_launcher_sentence(record, records))
    sized = [r for r in records if number(r.extra, "reference_busbw_gbs")]
    tables = [
        TitledTable("All-reduce, bus bandwidth (SUM, fp32)", Table(head, body, frozenset(range(len(head)))), notes)
    ]
    if sized:
        tables.append(_reference_table(sized))
    return tables


def _first_per_launcher(records: Iterable[Record]) -> list[Record]:
    seen: dict[tuple[str, bool], Record] = {}
    for record in records:
        if words(record.extra, "launcher"):  # a skipped case ran no launcher
            seen.setdefault((record.framework, single_process(record)), record)
    return list(seen.values())


def _launcher_sentence(first: Record, records: list[Record]) -> str:
    """How one launcher ran: ranks, in place or not, timing, and its algorithm bandwidth at the largest size."""
    same = [r for r in records if r.framework == first.framework and single_process(r) == single_process(first)]
    extra = first.extra
    parts = [f"{world_size(first) or '?'} ranks"]
    in_place = extra.get("in_place")
    if in_place is not None:
        parts.append("in place" if in_place else "out of place (a new output tensor)")
    # The count is each case's own (rank 0 raises it within the budget), so a launcher gives a range.
    counts = sorted(n for r in same if (n := number(r.extra, "iterations")) is not None)
    if counts:
        warmup = number(extra, "warmup")
        timed = f"{counts[0]:.0f}" if counts[0] == counts[-1] else f"{counts[0]:.0f}-{counts[-1]:.0f}"
        parts.append(f"{timed} timed calls a size" + (f" after {warmup:.0f} warm-up" if warmup is not None else ""))
    if timing := words(extra, "timing"):
        parts.append(cut(timing, NAME_CHARS))
    measured = [r for r in same if number(r.extra, "algbw_gbs") is not None and classify(r) is not ResultStatus.FAILED]
    if measured:
        largest = max(measured, key=_mebibytes)
        parts.append(
            f"algorithm bandwidth {number(largest.extra, 'algbw_gbs'):.4g} GB/s at {_mebibytes(largest):.4g} MiB"
        )
    return clean(f"{_label(first)}; {'; '.join(parts)}.")


def _reference_table(records: list[Record]) -> TitledTable:
    """The share of nccl-tests' bus bandwidth per size (the distributed analogue of % of peak)."""
    by_size: dict[float, dict[str, Record]] = {}
    for record in records:
        key = "tf1" if single_process(record) else record.framework
        by_size.setdefault(_mebibytes(record), {})[key] = record
    head = ["MiB", "nccl-tests GB/s", PYTORCH.name, TENSORFLOW.name, TF_ONE_PROCESS]

    def share(record: Record | None) -> str:
        value = number(record.extra, "share_of_reference") if record is not None else None
        return _status_text(record, f"{100 * value:.0f}%") if record is not None and value is not None else "-"

    body = []
    for size in sorted(by_size):
        cells = by_size[size]
        reference = next(number(r.extra, "reference_busbw_gbs") for r in cells.values())
        body.append(
            [
                f"{size:.4g}",
                f"{reference:.4g}",
                share(cells.get("torch")),
                share(cells.get("tensorflow")),
                share(cells.get("tf1")),
            ]
        )
    note = "Each framework's bus bandwidth as a share of nccl-tests' all_reduce_perf (in-place row) on the same GPUs."
    return TitledTable("All-reduce against nccl-tests", Table(head, body, frozenset(range(5))), [note])


def _ms(seconds: float | None) -> str:
    return f"{1000 * seconds:.4g}" if seconds else "-"


def _step(record: Record | None) -> tuple[str, str]:
    if record is None:
        return "-", "-"
    return _status_text(record, _ms(record.median_s)), _ms(number(record.extra, "p90_s"))


def _scaling(records: list[Record]) -> list[TitledTable]:
    base = baselines(records)
    cases: dict[tuple[str, tuple[tuple[str, int | str], ...]], dict[int, dict[str, Record]]] = {}
    for record in records:
        if single_process(record) or (size := world_size(record)) is None:
            continue
        cases.setdefault(model_key(record)[1:], {}).setdefault(size, {})[record.framework] = record
    ratio = {row.key: row for row in rows(r for r in records if not single_process(r))}
    tables = []
    for (dtype, params), by_size in cases.items():
        model = str(dict(params).get("model", DDP_SCALING))
        shown = {k: v for k, v in params if k != "model"}
        name = clean(f"{model} {dtype}, {shape_text(shown, model)} per device")
        steps, effs = [], []
        for size in sorted(by_size):
            pair = by_size[size]
            (t50, t90), (f50, f90) = _step(pair.get("torch")), _step(pair.get("tensorflow"))
            any_record = next(iter(pair.values()))
            row = ratio.get(any_record.key)
            steps.append([str(size), t50, t90, f50, f90, row.faster_text(short=True) if row is not None else "-"])
            if size < 2:
                continue
            eff = {fw: efficiency(r, base.get(model_key(r)), shown=True) for fw, r in pair.items()}
            torch, tensorflow = eff.get("torch"), eff.get("tensorflow")
            # A doubtful step or baseline (unsteady, busy) is shown with its mark, never as a clean number.
            marks = {fw: _doubt(r, base.get(model_key(r))) for fw, r in pair.items()}
            between = "-"
            if torch is not None and tensorflow is not None:
                between = f"{torch.value / tensorflow.value:.2f}"
                if None not in (torch.low, torch.high, tensorflow.low, tensorflow.high) and tensorflow.low:
                    between += f" ({torch.low / tensorflow.high:.2f}-{torch.high / tensorflow.low:.2f})"  # type: ignore[operator]
            doubt = " ".join(dict.fromkeys(m for m in marks.values() if m))
            effs.append(
                [
                    str(size),
                    f"{torch.text()}{marks.get('torch', '')}" if torch else "-",
                    f"{tensorflow.text()}{marks.get('tensorflow', '')}" if tensorflow else "-",
                    f"{between}{' ' + doubt if doubt and between != '-' else ''}",
                ]
            )
        head = ["N", f"{PYTORCH.name} p50 ms", "p90", f"{TENSORFLOW.name} p50 ms", "p90", "steps/s ahead"]
        tables.append(TitledTable(f"Step time, {name}", Table(head, steps, frozenset(range(6))), _setup_notes(by_size)))
        if effs:
            eff_head = ["N", f"{PYTORCH.name} DDP", f"{TENSORFLOW.name} MWMS", "PyTorch/TF"]
            tables.append(
                TitledTable(
                    f"Scaling efficiency, {name}", Table(eff_head, effs, frozenset(range(4))), [EFFICIENCY_WORDS]
                )
            )
    return tables


def _doubt(record: Record, baseline: Record | None) -> str:
    """ " ~" or " !": the mark of the more doubtful of a step and its baseline ("" when both are sound)."""
    statuses = [classify(r) for r in (record, baseline) if r is not None]
    status = ratio_status_of(statuses)
    return f" {STATUS_MARKS[status]}" if STATUS_MARKS[status] else ""


def _setup_notes(by_size: dict[int, dict[str, Record]]) -> list[str]:
    """How each framework ran at its largest N: strategy, launcher, backend, global batch, bucketing."""
    notes = ["N = 1 is each framework's plain one-device step, without any strategy."]
    largest = by_size[max(by_size)]
    for framework in ("torch", "tensorflow"):
        record = largest.get(framework)
        if record is None or (world_size(record) or 0) < 2 or not words(record.extra, "strategy"):
            continue  # a launch that failed before its first step says nothing about its settings
        extra = record.extra
        parts = [p for p in (words(extra, "strategy"), words(extra, "launcher"), words(extra, "backend")) if p]
        if (batch := number(extra, "global_batch")) is not None:
            parts.append(f"global batch {batch:.0f}")
        if framework == "torch":
            cap = number(extra, "bucket_cap_mb")
            parts.append(
                f"bucket_cap_mb {cap:.4g}" + (" (DDP's default)" if cap == 25 else "")
                if cap is not None
                else "bucket_cap_mb not recorded"
            )
            if (view := extra.get("gradient_as_bucket_view")) is not None:
                parts.append(f"gradient_as_bucket_view {view}")
        else:
            pack = number(extra, "bytes_per_pack")
            parts.append(
                "bytes_per_pack not recorded"
                if pack is None
                else f"bytes_per_pack {pack:.0f}" + (" (TensorFlow chooses)" if pack == 0 else "")
            )
        name = PYTORCH.name if framework == "torch" else TENSORFLOW.name
        notes.append(clean(f"{name} at N = {world_size(record)}: {', '.join(cut(p, NAME_CHARS) for p in parts)}."))
    return notes


def _troubles(records: list[Record]) -> list[str]:
    """One sentence per record that gave no number, with why (a skipped single-process PyTorch case too)."""
    out = []
    for record in records:
        status = classify(record)
        if status not in (ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.CANCELLED):
            continue
        why = record.skipped or record.error or status.value
        size = world_size(record)
        where = f"{record.benchmark} at N = {size}" if size else record.benchmark
        out.append(clean(f"{_label(record).split(':')[0]} {where}: {status.value}: {cut(why, NAME_CHARS * 4)}"))
    return out


def cluster_section(document: RunDocument, legend: str = "") -> ClusterSection | None:
    """The section for a run holding cluster records; None when it holds none. `legend`: the marks'
    legend, for a run without a speed table to carry it."""
    if not has_cluster_records(document):
        return None
    reduce = [r for r in document.results if r.benchmark == ALL_REDUCE]
    scaling = [r for r in document.results if r.benchmark == DDP_SCALING]
    tables = (_all_reduce(reduce) if reduce else []) + (_scaling(scaling) if scaling else [])
    return ClusterSection(
        title=TITLE,
        plumbing="" if on_gpu(document) else CPU_PLUMBING,
        tables=tables,
        notes=_troubles(reduce + scaling),
        claim=claim_sentence(document),
        legend=legend,
    )


def cluster_data(document: RunDocument) -> dict[str, object] | None:
    """The JSON report's `cluster` object: the same section as data (None without cluster records)."""
    section = cluster_section(document)
    if section is None:
        return None
    return {
        "plumbing_only": not on_gpu(document),
        "plumbing": section.plumbing or None,
        "claim": section.claim,
        "tables": [
            {"title": t.title, "head": t.table.head, "rows": t.table.body, "notes": t.notes} for t in section.tables
        ],
        "notes": section.notes,
    }


def run_lines(document: RunDocument) -> list[str]:
    """Under `fwadvisor profile`'s table (which shows the cluster records as rows): the CPU sentence,
    each model's scaling efficiency at its largest N, and what the run means for the claim."""
    if not has_cluster_records(document):
        return []
    lines = [CPU_PLUMBING] if not on_gpu(document) else []
    section = cluster_section(document)
    for titled in section.tables if section is not None else []:
        if titled.title.startswith("Scaling efficiency") and titled.table.body:
            size, torch, tensorflow, between = titled.table.body[-1]
            model = titled.title.removeprefix("Scaling efficiency, ")
            lines.append(
                f"Scaling efficiency at N = {size}, {model}: {PYTORCH.name} DDP {torch}, "
                f"{TENSORFLOW.name} MultiWorkerMirroredStrategy {tensorflow}, PyTorch/TF {between} "
                "(one-device step time / step time at N; 1.00 is perfect)."
            )
    # A table cell's mark comes with its padding: one space between words in a sentence.
    return [" ".join(clean(line).split()) for line in [*lines, claim_sentence(document)] if line]
