"""The profiler's data, typed: result records, worker outcomes and the run document.

Both sides of the process boundary import this module (it imports no framework and no numpy): the
worker's messages (protocol.py) carry its records, and a run is saved and loaded through
`RunDocument`. Decoding validates: a wrong type, a NaN or infinite number, a negative time or a
missing field is an error that names where it is (`$.results[3].median_s`), never a crash later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, NamedTuple

import msgspec

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.cluster_documents import CollectiveReference, LaunchSummary
from fwadvisor.profiler.run_environment import Environment, GpuInfo
from fwadvisor.profiler.steadiness import MAX_DRIFT, MAX_HALF_WIDTH

SCHEMA_VERSION: Final = 2
# Versions this fwadvisor reads. Version 2 added machine load, GPU telemetry and expected ranges; a
# version 1 run reads as one measured with nothing known
# about the load (no record is busy). A ratio's interval is never saved: it is computed from the
# samples. A record's own verdict (the interval of its median, `unsteady`) is saved as the worker
# judged it; a record without one (saved before it existed) keeps its spread-based verdict.
READABLE_VERSIONS: Final = (1, 2)
KIND: Final = "fwadvisor-profile"

FrameworkId = Literal["torch", "tensorflow", "jax"]
# Finite numbers only: NaN fails every bound and infinity is beyond the largest double's.
Finite = Annotated[float, msgspec.Meta(ge=-1.7e308, le=1.7e308)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=1.7e308)]
Count = Annotated[int, msgspec.Meta(ge=0)]
# A measured value (TFLOP/s, GB/s, us/op, steps/s, an accuracy, a ratio): never negative, and
# beyond 1e15 in any of these units is no measurement (a ratio of such numbers overflows).
Measured = Annotated[float, msgspec.Meta(ge=0, le=1e15)]
Fraction = Annotated[float, msgspec.Meta(ge=0, le=1)]
WorkerStatus = Literal[
    "not started",
    "ok",
    "failed",
    "missing_framework",
    "no_gpu",
    "setup_failed",
    "not_supported",
    "crashed",
    "timed_out",
    "cancelled",
]
FatalKind = Literal["missing_framework", "no_gpu", "setup_failed", "not_supported"]
# What a record says beside its number, as JSON: a precision flag is one scalar ("tf32": false,
# "mixed_precision": "torch.autocast(...)"); an `extra` detail is a scalar, a list of them, or one
# level of named scalars ("split": {"train": 1437, ...}, "compute_dtypes": {"Linear": "float16"}).
JsonScalar = str | int | float | bool | None
PrecisionFlags = dict[str, JsonScalar]
Detail = JsonScalar | list[JsonScalar] | Mapping[str, JsonScalar]
Details = dict[str, Detail]


class Metric(msgspec.Struct, frozen=True):
    name: str
    value: Measured | None = None


class Peak(msgspec.Struct, frozen=True):
    """The device's peak for a record's metric (datasheet, or estimated from GPU properties)."""

    value: Annotated[float, msgspec.Meta(gt=0, le=1.7e308)]
    unit: str
    label: str
    estimated: bool
    source: str


class GpuProperties(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a worker's framework reports about its GPU; the parent adds NVML's maximum SM clock."""

    name: str
    total_memory_bytes: Count | None = None
    sm_count: Count | None = None
    compute_capability: str | None = None
    l2_cache_bytes: Count | None = None
    max_clock_mhz: Annotated[float, msgspec.Meta(gt=0, le=1e6)] | None = None


class CurvePoint(msgspec.Struct, frozen=True):
    """One epoch of a practice benchmark's training (the fields are records.CURVE_KEYS, in order)."""

    epoch: Count
    train_loss: Finite | None  # None: the loss was not a number (training diverged)
    train_accuracy: Fraction
    test_accuracy: Fraction
    seconds: Seconds


class MinMax(msgspec.Struct, frozen=True, array_like=True):
    """The lowest and highest value of one quantity over a case, saved as [min, max]."""

    min: Finite
    max: Finite


class GpuTelemetry(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What NVML said about the GPU while one case ran (sampled by the parent, a few times a second).

    `throttle_reasons` names the clock-limiting reasons seen during the case, leaving out the ones
    that are no slowdown (the GPU idle, application clock settings); `throttled` is True when any of
    them is a thermal, hardware or power-brake slowdown. The software power cap is listed but sets no
    flag: a data-centre card runs a heavy matmul at its power limit as a matter of course.
    """

    samples: Count = 0
    sm_clock_mhz: MinMax | None = None
    memory_clock_mhz: MinMax | None = None
    temperature_c: MinMax | None = None
    power_w: MinMax | None = None
    utilization_percent: MinMax | None = None
    throttle_reasons: list[str] = []
    throttled: bool = False


class RecordLoad(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What else the machine did while one case ran (sampled by the parent with psutil and NVML).

    CPU figures are percent of one logical CPU (200 = two CPUs busy), as top's process list shows
    them; steal is a share of all CPUs' time, as top's "st". "Other" means everything but the
    framework's worker, its children and this fwadvisor's own parent process.
    """

    samples: Count = 0
    other_cpu_percent: Measured | None = None  # mean over the case
    other_cpu_percent_max: Measured | None = None
    steal_percent: Measured | None = None  # a virtual machine's CPU taken by its host, mean
    gpu_other_processes: list[str] = []  # "pid name" of other processes using the GPU


class Expected(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a GPU number is normal for its card: the range public runs measured, and the verdict."""

    verdict: Literal["inside", "below", "above"]
    low: Measured
    high: Measured
    unit: str
    card: str
    source: str
    note: str = ""


class Record(msgspec.Struct, kw_only=True):
    """One benchmark in one framework: its number, how it was measured, and whether it counts.

    `samples_s` keeps the raw per-call seconds of each timed block (as pyperf's Run and
    torch.utils.benchmark's Measurement keep theirs), so a comparison can put an interval on a ratio.
    """

    benchmark: str
    framework: FrameworkId
    framework_version: str | None = None
    device: str = "unknown"
    dtype: str | None = None
    params: Params = {}
    threads: Count | None = None
    precision: PrecisionFlags = {}
    repeats: Count = 0
    median_s: Seconds | None = None
    # The samples' p20-p80 spread, absolute and relative to the median, and whether that passes 10%:
    # a description of the samples, shown in every table ("±"), not the verdict on the number.
    spread_s: Seconds | None = None
    rel_spread: Seconds | None = None
    wide_spread: bool = False
    # The verdict (steadiness.py): the 95% bootstrap interval of the median and how far the medians
    # of the first and second half of the samples lie apart (relative to the median). `unsteady` is
    # None on records saved before this verdict existed: they keep the one they were saved with,
    # which was a spread over 10% (wide_spread).
    median_low_s: Seconds | None = None
    median_high_s: Seconds | None = None
    halves_drift: Measured | None = None
    unsteady: bool | None = None
    cold_s: Seconds | None = None
    samples_s: list[Seconds] = []
    calls_per_sample: Count = 0
    metric: Metric = Metric("")
    percent_of_peak: Measured | None = None
    peak: Peak | None = None
    correct: bool | None = None
    check: str | None = None
    error: str | None = None
    skipped: str | None = None
    # Why the framework has no maintained path to the run's device (TensorFlow on an Apple GPU): a
    # result, not a failure; the record has no number and is never evidence.
    unsupported: str | None = None
    cancelled: bool = False
    curve: list[CurvePoint] = []  # practice benchmarks only: one point per epoch
    extra: Details = {}
    # True when the sampling ran past its budget (up to a few times it) because the number was unsteady.
    sampling_extended: bool = False
    # Set by the parent from its load samples: a number measured while the machine was busy is no
    # evidence. busy_reason says why in words ("other processes used 180% CPU during this case").
    machine_busy: bool = False
    busy_reason: str | None = None
    load: RecordLoad | None = None
    gpu_telemetry: GpuTelemetry | None = None  # GPU cases only
    expected: Expected | None = None  # GPU cases of a card profiles/gpus.yaml has a range for

    @property
    def key(self) -> CaseKey:
        """The case this record measured (both frameworks' records of one case share it)."""
        return case_key(self.benchmark, self.dtype, self.params)


class CaseKey(NamedTuple):
    """What identifies a case everywhere: its benchmark, dtype and params (JSON with sorted keys).

    Both frameworks' records of one case share it; what tells a run's records apart is the key and
    the framework. The case's human-readable text (catalog.shape_text) is for display only:
    two shapes can read alike.
    """

    benchmark: str
    dtype: str
    params: bytes


def case_key(benchmark: str, dtype: str | None, params: Params) -> CaseKey:
    """The key of a case, from the fields every record, comparison and planned case carries."""
    return CaseKey(benchmark, dtype or "", msgspec.json.encode(params, order="sorted"))


class ResultStatus(StrEnum):
    """The one classification of a result that the evidence, tables, charts and the app all use."""

    OK = "ok"
    WIDE_SPREAD = "wide_spread"
    WRONG = "wrong"
    BUSY = "busy"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNSUPPORTED = "unsupported"
    CANCELLED = "cancelled"


# The mark each status gets next to a number, wherever a number is shown.
STATUS_MARKS = {
    ResultStatus.OK: "",
    ResultStatus.WIDE_SPREAD: "~",
    ResultStatus.WRONG: "≠",
    ResultStatus.BUSY: "!",
    ResultStatus.FAILED: "✗",
    ResultStatus.SKIPPED: "–",
    ResultStatus.UNSUPPORTED: "⊘",
    ResultStatus.CANCELLED: "…",
}
STATUS_WORDS = {
    ResultStatus.OK: "ok",
    ResultStatus.WIDE_SPREAD: "unsteady (its median uncertain by over 5%)",
    ResultStatus.WRONG: "wrong result (failed its reference check)",
    ResultStatus.BUSY: "measured while other processes were busy",
    ResultStatus.FAILED: "failed",
    ResultStatus.SKIPPED: "skipped",
    ResultStatus.UNSUPPORTED: "not supported here",
    ResultStatus.CANCELLED: "cancelled",
}


def classify(record: Record) -> ResultStatus:
    if record.cancelled:
        return ResultStatus.CANCELLED
    if record.unsupported is not None:  # no number by design: neither evidence nor a failure
        return ResultStatus.UNSUPPORTED
    if record.skipped is not None:
        return ResultStatus.SKIPPED
    if record.error is not None or record.metric.value is None:
        return ResultStatus.FAILED
    if record.correct is False:
        return ResultStatus.WRONG
    if record.machine_busy:
        return ResultStatus.BUSY
    if record.unsteady or (record.unsteady is None and record.wide_spread):
        return ResultStatus.WIDE_SPREAD
    return ResultStatus.OK


# The statuses a number can still be compared with: it ran and matched its reference (ran_and_checked).
COMPARABLE: Final = frozenset({ResultStatus.OK, ResultStatus.WIDE_SPREAD, ResultStatus.BUSY})


def ratio_status_of(statuses: Iterable[ResultStatus]) -> ResultStatus:
    """How far a ratio can be trusted: as far as its most doubtful number, a busy machine before a wide
    spread (the order classify gives a record), else OK."""
    present = set(statuses)
    return next((s for s in (ResultStatus.BUSY, ResultStatus.WIDE_SPREAD) if s in present), ResultStatus.OK)


def unsteady_words(record: Record) -> str:
    """Why a number is unsteady, in words ("its median is uncertain by ±7% (95% interval)")."""
    if record.unsteady is None:  # saved before the median's interval was kept: judged by its spread
        return f"spread {record.rel_spread or 0:.0%} of the median"
    reasons = []
    median, low, high = record.median_s, record.median_low_s, record.median_high_s
    if median and low is not None and high is not None:
        half_width = (high - low) / 2 / median
        if half_width > MAX_HALF_WIDTH:
            reasons.append(f"its median is uncertain by ±{half_width:.0%} (95% interval)")
    if record.halves_drift is not None and record.halves_drift > MAX_DRIFT:
        reasons.append(f"the first and second half of its samples differ by {record.halves_drift:.0%}")
    return "; ".join(reasons) or "too few samples to say how well its median is known"


def usable_as_evidence(record: Record) -> bool:
    """A number that may back advice: it ran, checked out and its spread is not too wide."""
    return classify(record) is ResultStatus.OK


def ran_and_checked(record: Record) -> bool:
    """A number that ran and matched its reference, steady or not, busy machine or not: enough to
    compare two runs with, or for an accuracy (which depends on neither)."""
    return classify(record) in COMPARABLE


class WorkerSummary(msgspec.Struct, kw_only=True):
    """How one framework's worker ended, as saved in the run document."""

    status: WorkerStatus
    error: str | None = None
    hint: str | None = None
    returncode: int | None = None
    framework_version: str | None = None
    device: str | None = None
    wall_s: Seconds = 0.0
    stderr_tail: list[str] = []
    gpu_properties: GpuProperties | None = None
    build: dict[str, str] = {}  # from the worker's Hello
    # A framework whose cases ran in more than one launch (the cluster suite): each launch's outcome.
    launches: list[LaunchSummary] = []


class FrameworkLoad(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The machine's load around one framework's run: sampled just before its worker started and
    all through it. `busy` is True when any of its records was measured on a busy machine;
    `reason` says so in words ("other processes used 180% CPU during the PyTorch run")."""

    busy: bool
    reason: str | None = None
    samples: Count = 0
    before_other_cpu_percent: Measured | None = None
    other_cpu_percent: Measured | None = None  # mean over the run
    other_cpu_percent_max: Measured | None = None
    steal_percent: Measured | None = None
    busy_threshold_percent: Measured | None = None  # other processes above this count as busy
    busy_records: Count = 0
    gpu_other_processes: list[str] = []


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    """PyTorch against TensorFlow on one case, with a 95% interval (profiler/intervals.py).

    `speed` is how many times faster PyTorch ran than TensorFlow (above 1: PyTorch faster), from the
    two records' metrics; `low`/`high` bound it (bootstrap over the records' samples). `usable` is
    True when both records are usable as evidence.
    """

    benchmark: str
    dtype: str | None = None
    params: Params = {}
    metric: str
    speed: Measured
    low: Measured | None = None
    high: Measured | None = None
    usable: bool = False

    @property
    def key(self) -> CaseKey:
        return case_key(self.benchmark, self.dtype, self.params)


class SuiteInfo(msgspec.Struct, kw_only=True):
    name: str
    description: str = ""
    device: str = "cpu"
    threads: Count | None = None  # the CPU threads both frameworks ran with
    benchmarks: list[str] = []
    # Set when other processes were busy just before the run and fwadvisor gave both frameworks fewer
    # threads than its default (one per CPU left free): the default, and why in words.
    threads_default: Count | None = None
    threads_reason: str | None = None


class RunDocument(msgspec.Struct, kw_only=True):
    """A saved profile run: what `recommend --profile` and the report take as evidence."""

    schema_version: Literal[1, 2]
    kind: Literal["fwadvisor-profile"] = KIND
    fwadvisor_version: str = ""
    created: str = ""
    finished: str | None = None
    suite: SuiteInfo
    environment: Environment = msgspec.field(default_factory=Environment)
    gpu_after: GpuInfo | None = None  # NVML's view after a GPU run (clocks, temperature, power)
    workers: dict[str, WorkerSummary] = {}
    cancelled: bool = False
    results: list[Record] = []
    load: dict[str, FrameworkLoad] = {}  # per framework; empty in version 1 runs
    collective_reference: CollectiveReference | None = None  # nccl-tests, on a GPU where it is installed


def _builtin(value: Any) -> Any:
    """What the encoder does with a type JSON lacks: NumPy scalars become numbers, anything else text."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    return str(value)


# The one encoder of both sides: the saved run here, the worker's messages in protocol.py.
ENCODER: Final = msgspec.json.Encoder(enc_hook=_builtin)


def encode_run(document: RunDocument) -> bytes:
    """The run as indented JSON, as it is saved."""
    return msgspec.json.format(ENCODER.encode(document), indent=2) + b"\n"
