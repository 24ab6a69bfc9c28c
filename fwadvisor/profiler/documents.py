"""The profiler's data, typed: result records, worker messages, worker outcomes and the run document.

Both sides of the process boundary import this module (it imports no framework and no numpy): the
worker encodes its messages with it, the runner decodes them, and a run is saved and loaded through
`RunDocument`. Decoding validates: a wrong type, a NaN or infinite number, a negative time or a
missing field is an error that names where it is (`$.results[3].median_s`), never a crash later.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final, Literal, NamedTuple

import msgspec

from fwadvisor.errors import InputError
from fwadvisor.profiler.steadiness import MAX_DRIFT, MAX_HALF_WIDTH
from fwadvisor.safe_text import excerpt
from fwadvisor.yamlio import read_regular_file

SCHEMA_VERSION: Final = 2
# Versions this fwadvisor reads. Version 2 added machine load, GPU telemetry and expected ranges; a
# version 1 run reads as one measured with nothing known
# about the load (no record is busy). A ratio's interval is never saved: it is computed from the
# samples. A record's own verdict (the interval of its median, `unsteady`) is saved as the worker
# judged it; a record without one (saved before it existed) keeps its spread-based verdict.
READABLE_VERSIONS: Final = (1, 2)
KIND: Final = "fwadvisor-profile"
# The runner starts each worker with its own pid here; the worker compares it with its parent after
# asking to die with it: a parent already gone by then would never send the death signal.
PARENT_PID_ENV: Final = "FWADVISOR_WORKER_PARENT"
# The largest run file read: a full suite with every raw sample is a few megabytes.
MAX_RUN_BYTES: Final = 64_000_000

FrameworkId = Literal["torch", "tensorflow"]
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
    "crashed",
    "timed_out",
    "cancelled",
]
FatalKind = Literal["missing_framework", "no_gpu", "setup_failed"]


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
    params: dict[str, Any] = {}
    threads: Count | None = None
    precision: dict[str, Any] = {}
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
    cancelled: bool = False
    curve: list[CurvePoint] = []  # practice benchmarks only: one point per epoch
    extra: dict[str, Any] = {}
    # True when the sampling ran past its budget (up to a few times it) because the number was unsteady.
    sampling_extended: bool = False
    # Set by the parent from its load samples: a number measured while the machine was busy is no
    # evidence. busy_reason says why in words ("other processes used 180% CPU during this case").
    machine_busy: bool = False
    busy_reason: str | None = None
    load: RecordLoad | None = None
    gpu_telemetry: GpuTelemetry | None = None  # GPU cases only
    expected: Expected | None = None  # GPU cases of a card profiles/gpus.yaml has a range for


class CaseKey(NamedTuple):
    """What identifies a case everywhere: its benchmark, dtype and params (JSON with sorted keys).

    Both frameworks' records of one case share it; what tells a run's records apart is the key and
    the framework. The case's human-readable text (catalog.shape_text) is for display only:
    two shapes can read alike.
    """

    benchmark: str
    dtype: str
    params: bytes


def case_key(benchmark: str, dtype: str | None, params: dict[str, Any]) -> CaseKey:
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
    CANCELLED = "cancelled"


# The mark each status gets next to a number, wherever a number is shown.
STATUS_MARKS = {
    ResultStatus.OK: "",
    ResultStatus.WIDE_SPREAD: "~",
    ResultStatus.WRONG: "≠",
    ResultStatus.BUSY: "!",
    ResultStatus.FAILED: "✗",
    ResultStatus.SKIPPED: "–",
    ResultStatus.CANCELLED: "…",
}
STATUS_WORDS = {
    ResultStatus.OK: "ok",
    ResultStatus.WIDE_SPREAD: "unsteady (its median uncertain by over 5%)",
    ResultStatus.WRONG: "wrong result (failed its reference check)",
    ResultStatus.BUSY: "measured while other processes were busy",
    ResultStatus.FAILED: "failed",
    ResultStatus.SKIPPED: "skipped",
    ResultStatus.CANCELLED: "cancelled",
}


def classify(record: Record) -> ResultStatus:
    if record.cancelled:
        return ResultStatus.CANCELLED
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
    return classify(record) in (ResultStatus.OK, ResultStatus.WIDE_SPREAD, ResultStatus.BUSY)


# Worker -> parent messages, one JSON object per line, told apart by their "type".
class Hello(msgspec.Struct, tag="hello", tag_field="type", kw_only=True):
    framework: FrameworkId
    framework_version: str
    device: str
    threads: Count | None = None
    gpu_properties: GpuProperties | None = None
    # The framework's build, as it reports it: {"cuda": "12.8", "cudnn": "91002", "build": "cuda"}
    # (torch.version.cuda, torch.backends.cudnn.version(), tf.sysconfig.get_build_info()); text only.
    build: dict[str, str] = {}


class Start(msgspec.Struct, tag="start", tag_field="type", kw_only=True):
    index: Count
    benchmark: str
    dtype: str | None = None


class Result(msgspec.Struct, tag="result", tag_field="type", kw_only=True):
    index: Count
    record: Record


class Fatal(msgspec.Struct, tag="fatal", tag_field="type", kw_only=True):
    kind: FatalKind
    error: str
    hint: str | None = None


class Probe(msgspec.Struct, tag="probe", tag_field="type", kw_only=True):
    framework: FrameworkId
    framework_version: str
    gpu_available: bool
    gpu_devices: list[str] = []
    build: str = "cpu"


class Done(msgspec.Struct, tag="done", tag_field="type"):
    pass


WorkerMessage = Hello | Start | Result | Fatal | Probe | Done


class BenchmarkCase(msgspec.Struct, frozen=True, kw_only=True):
    """One case the parent sends a worker on stdin."""

    benchmark: str
    params: dict[str, Any]
    dtype: str | None
    budget_s: Seconds


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
    params: dict[str, Any] = {}
    metric: str
    speed: Measured
    low: Measured | None = None
    high: Measured | None = None
    usable: bool = False


class MachineSample(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One sample of the machine while a run goes on, for the app's live line (not saved)."""

    other_cpu_percent: Measured | None = None
    steal_percent: Measured | None = None
    sm_clock_mhz: Measured | None = None
    memory_clock_mhz: Measured | None = None
    temperature_c: Measured | None = None
    power_w: Measured | None = None
    power_limit_w: Measured | None = None
    utilization_percent: Measured | None = None
    gpu_other_processes: Count = 0
    throttle_reasons: list[str] = []


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


class _CpuShape(msgspec.Struct):
    model: str | None = None
    physical_cores: Count | None = None
    logical_cores: Count | None = None


class _GpuEntryShape(msgspec.Struct):
    name: str | None = None


class _GpuShape(msgspec.Struct):
    gpus: list[_GpuEntryShape] | None = None
    driver: str | None = None
    error: str | None = None


class _FrameworkShape(msgspec.Struct):
    version: str | None = None


class _EnvironmentShape(msgspec.Struct):
    """The parts of `environment` that reports and the advice read (the rest is kept as saved):
    checked on load so a hand-edited run cannot crash them (a list where a mapping belongs)."""

    cpu: _CpuShape | None = None
    gpu: _GpuShape | None = None
    frameworks: dict[str, _FrameworkShape | None] | None = None


class RunDocument(msgspec.Struct, kw_only=True):
    """A saved profile run: what `recommend --profile` and the report take as evidence."""

    schema_version: Literal[1, 2]
    kind: Literal["fwadvisor-profile"] = KIND
    fwadvisor_version: str = ""
    created: str = ""
    finished: str | None = None
    suite: SuiteInfo
    environment: dict[str, Any] = {}
    gpu_after: dict[str, Any] | None = None
    workers: dict[str, WorkerSummary] = {}
    cancelled: bool = False
    results: list[Record] = []
    load: dict[str, FrameworkLoad] = {}  # per framework; empty in version 1 runs


def _builtin(value: Any) -> Any:
    """What the encoder does with a type JSON lacks: NumPy scalars become numbers, anything else text."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    return str(value)


_MESSAGE_DECODER = msgspec.json.Decoder(WorkerMessage)
_ENCODER = msgspec.json.Encoder(enc_hook=_builtin)
NOT_A_RUN = 'not a profile document (made by `fwadvisor profile`): no "kind": "fwadvisor-profile" at the top'


def encode_message(message: WorkerMessage) -> bytes:
    """One protocol line (without the newline). NaN and infinities become null, as JSON has neither."""
    return _ENCODER.encode(message)


def decode_message(line: bytes) -> WorkerMessage:
    """Raises msgspec.DecodeError (a msgspec.ValidationError for a well-formed but wrong message)."""
    return _MESSAGE_DECODER.decode(line)


def encode_run(document: RunDocument) -> bytes:
    """The run as indented JSON, as it is saved."""
    return msgspec.json.format(_ENCODER.encode(document), indent=2) + b"\n"


def run_from_data(data: Any, source: Path | str = "<profile>") -> RunDocument:
    """Validate already-parsed JSON data as a run document (see load_run for the errors)."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(NOT_A_RUN, file=source)
    if "schema_version" not in data:
        raise InputError(
            f"profile document has no schema_version (this fwadvisor reads version {SCHEMA_VERSION})", file=source
        )
    _check_version(data["schema_version"], source)
    try:
        document = msgspec.convert(data, RunDocument)
    except msgspec.ValidationError as exc:
        raise InputError(_invalid_field(str(exc), data), file=source) from None
    for section, shape in (("environment", _EnvironmentShape), ("gpu_after", _GpuShape)):
        try:
            msgspec.convert(getattr(document, section) or {}, shape)
        except msgspec.ValidationError as exc:
            message = str(exc).replace("`$", f"`$.{section}", 1)
            raise InputError(_invalid_field(message, data), file=source) from None
    return document


def _check_version(version: Any, source: Path | str) -> None:
    """schema_version must be the whole number this fwadvisor reads: say plainly what else it is."""
    if isinstance(version, bool) or not isinstance(version, int):
        if isinstance(version, str) and version.strip().isdigit():
            why = f'it is text ("{excerpt(version, 20)}"): write the number {version.strip()} without quotes'
        elif isinstance(version, bool):
            why = f"got {str(version).lower()}"
        else:
            why = f"got {excerpt(repr(version), 40)}"
        raise InputError(
            f"profile schema_version must be a whole number (this fwadvisor reads {SCHEMA_VERSION}); {why}",
            file=source,
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"profile schema version {excerpt(version, 20)} is newer than this fwadvisor reads ({SCHEMA_VERSION}); "
            "upgrade fwadvisor",
            file=source,
        )
    if version < 1:
        raise InputError(
            f"profile schema version {version} is not a valid version (versions start at 1; this fwadvisor reads "
            f"{SCHEMA_VERSION})",
            file=source,
        )
    if version not in READABLE_VERSIONS:
        raise InputError(
            f"profile schema version {version} is not one this fwadvisor reads (it reads {SCHEMA_VERSION})",
            file=source,
        )


def _invalid_field(message: str, data: dict[str, Any]) -> str:
    """msgspec's message, led by the section it is in and, inside `results`, the record it is about."""
    _, found, at = message.rpartition(" - at `$")
    if not found:  # a problem with the document itself, such as a missing section
        return f"profile document is malformed: {message}"
    at = at.rstrip("`")
    section = at.lstrip(".").split(".")[0].split("[")[0]
    which = ""
    if at.startswith(".results[") and isinstance(data.get("results"), list):
        index = int(at[len(".results[") :].split("]")[0])
        record = data["results"][index] if index < len(data["results"]) else None
        if isinstance(record, dict):
            which = f" (record {index + 1}: {record.get('benchmark', '?')} in {record.get('framework', '?')})"
    return f"profile document has a malformed `{section}`{which}: {message}"


def _json_problem(raw: bytes, message: str) -> tuple[str, int | None]:
    """What is wrong with text that is not JSON, in words, and the line it is on."""
    if "truncated" in message:
        return "invalid JSON, it ends early (truncated?)", None
    at = message.rpartition("(byte ")[2].rstrip(")")
    if not at.isdigit():
        return f"invalid JSON: {message}", None
    offset = int(at)
    line = raw.count(b"\n", 0, offset) + 1
    here = raw[max(offset - 1, 0) : offset + 9]
    if any(word in here for word in (b"NaN", b"Infinity")):
        return "invalid JSON: NaN and Infinity are not numbers JSON allows (a measurement must be finite)", line
    return f"invalid JSON: {message.removeprefix('JSON is malformed: ')}", line


def load_run(path: Path) -> RunDocument:
    """Read and validate a saved run. Every problem is an InputError naming the file and the field."""
    path = Path(path)
    raw = read_regular_file(path, "profile file", MAX_RUN_BYTES)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        why, line = _json_problem(raw, str(exc))
        raise InputError(f"not a valid profile document: {why}", file=path, line=line) from None
    except RecursionError:
        raise InputError("not a valid profile document: its JSON is nested too deeply", file=path) from None
    return run_from_data(data, path)
