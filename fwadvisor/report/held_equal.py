"""What was held equal between the frameworks in a run, what differed by design, and the old pitfalls.

Read from the run's records (their dtype, params, threads, precision flags and `extra`) wherever they
record it; a fact that only the code fixes (every model starts from the same NumPy weights, every
timed block ends in a device sync) is stated as such. Headless: no framework, numpy or textual.
Every value read from a record is outside text: the renderers escape it for their format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

from fwadvisor.advisor.cluster_evidence import single_process
from fwadvisor.frameworks import PROFILER_IDS, identity
from fwadvisor.profiler.catalog import MIXED_DTYPES, TORCH_LAYOUT_PARAM, spec_of
from fwadvisor.profiler.documents import Record, RunDocument, case_key
from fwadvisor.report import record_facts

TITLE = "What was held equal"
INTRO = (
    "For each benchmark: what both frameworks shared, read from the records (the code fixes the "
    "inputs), and what differed by design."
)
# With three frameworks: "both" becomes this, in the intro and in every shared fact.
ALL_THREE = "all three"
PITFALLS_TITLE = "Pitfalls that made past comparisons unfair, and how this run avoided each"
TORCH, TENSORFLOW = "torch", "tensorflow"
# `extra` keys that must match (a difference is a flaw of the run) and keys that may differ by design.
MUST_MATCH = {
    "init": "initial weights",
    "optimizer": "optimiser",
    "data": "data",
    "batches": "batches",
    "seed": "seed",
    "gelu": "GELU",
    "layer_norm_epsilon": "LayerNorm epsilon",
}
BY_DESIGN = {
    "mode": "execution",
    "layout": "layout",
    "lstm": "LSTM kernel",
    "attention": "attention",
    "host_memory": "host memory",
    "compiled": "compiled with",
    "output": "output buffer",
}
# PyTorch's SGD keeps v = mu*v + g and steps -lr*v; Keras keeps v = mu*v - lr*g and steps +v: the same update.
MOMENTUM = "PyTorch's and Keras' SGD momentum forms give the same update at a fixed learning rate"
# Precision flags every record carries; any other flag (autocast, a Keras policy, loss scaling) is shown.
KNOWN_FLAGS = {"tf32_matmul", "tf32_conv", "dtype", "reduced_precision_reduction"}
PRECISION_TOPICS = {"weights": "weights kept in", "loss": "loss computed in"}


@dataclass(frozen=True)
class Fact:
    """Something both frameworks shared."""

    topic: str
    value: str

    def text(self) -> str:
        return f"{self.topic}: {self.value}"


@dataclass(frozen=True)
class Difference:
    """Something the frameworks did differently: per profiler id, what each did."""

    topic: str
    values: dict[str, str]
    note: str = ""

    def text(self) -> str:
        each = ", ".join(f"{identity(fw).name} {value}" for fw, value in self.values.items())
        return f"{self.topic}: {each}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class BenchmarkHeld:
    benchmark: str
    cases: int
    shared: list[Fact] = field(default_factory=list)
    by_design: list[Difference] = field(default_factory=list)
    not_equal: list[Difference] = field(default_factory=list)  # should have matched and did not
    note: str = ""  # why nothing was compared (one framework did not run it)
    everyone: str = "both"  # the frameworks compared, in words ("Same in both", "Same in all three")

    @property
    def heading(self) -> str:
        return f"{self.benchmark} ({self.cases} case{'s' if self.cases != 1 else ''})"


@dataclass(frozen=True)
class Pitfall:
    pitfall: str
    how: str  # how this run avoided it, or why it did not, or why it does not apply
    avoided: bool | None  # None: does not apply to this run

    def text(self) -> str:
        return f"{self.pitfall}: {self.how}"


class BenchmarkHeldData(TypedDict):
    """One benchmark in the JSON report's `held_equal`; a fact or difference is topic and value(s), all text."""

    benchmark: str
    cases: int
    shared: list[dict[str, str]]  # {"topic", "value"}
    by_design: list[dict[str, str]]  # {"topic", one value per profiler id, "note" where there is one}
    not_equal: list[dict[str, str]]
    note: NotRequired[str]


class PitfallData(TypedDict):
    pitfall: str
    avoided: bool | None
    how: str


class HeldEqualData(TypedDict):
    benchmarks: list[BenchmarkHeldData]
    pitfalls: list[PitfallData]


@dataclass(frozen=True)
class HeldEqual:
    benchmarks: list[BenchmarkHeld]
    pitfalls: list[Pitfall]
    title: str = TITLE
    intro: str = INTRO
    pitfalls_title: str = PITFALLS_TITLE

    def as_data(self) -> HeldEqualData:
        """The JSON report's structured form (framework keys are profiler ids, as in `measurements`)."""

        def differences(items: list[Difference]) -> list[dict[str, str]]:
            return [{"topic": d.topic, **d.values, **({"note": d.note} if d.note else {})} for d in items]

        def benchmark(b: BenchmarkHeld) -> BenchmarkHeldData:
            data: BenchmarkHeldData = {
                "benchmark": b.benchmark,
                "cases": b.cases,
                "shared": [{"topic": f.topic, "value": f.value} for f in b.shared],
                "by_design": differences(b.by_design),
                "not_equal": differences(b.not_equal),
            }
            if b.note:
                data["note"] = b.note
            return data

        return {
            "benchmarks": [benchmark(b) for b in self.benchmarks],
            "pitfalls": [{"pitfall": p.pitfall, "avoided": p.avoided, "how": p.how} for p in self.pitfalls],
        }


def _compare(facts: BenchmarkHeld, topic: str, values: dict[str, str], expected_equal: bool, same: str = "") -> None:
    """File one topic under shared, by design or not equal (an empty value: not recorded, nothing said)."""
    if not all(values.values()):
        return
    if len(set(values.values())) == 1:
        facts.shared.append(
            Fact(topic, same.format(next(iter(values.values())))) if same else Fact(topic, values[TORCH])
        )
    elif expected_equal:
        facts.not_equal.append(Difference(topic, values))
    else:
        facts.by_design.append(Difference(topic, values))


def _benchmark(benchmark: str, records: list[Record], frameworks: tuple[str, ...]) -> BenchmarkHeld:
    """What the frameworks that ran `benchmark` shared; `frameworks`: those that ran anything in the run."""
    by_fw = {fw: [r for r in records if r.framework == fw] for fw in frameworks}
    # A case is a dtype and its params; the framework that ran more cases (layouts, say) gives the count.
    cases = max(len({case_key(r.benchmark, r.dtype, r.params) for r in rs}) for rs in by_fw.values())
    if sum(1 for rs in by_fw.values() if rs) < 2:
        only = next(identity(fw).name for fw in frameworks if by_fw[fw])
        return BenchmarkHeld(benchmark, cases, note=f"only {only} ran it: nothing to compare")
    by_fw = {fw: rs for fw, rs in by_fw.items() if rs}  # three frameworks, one without it: the other two
    both = "both" if len(by_fw) < 3 else ALL_THREE
    facts = BenchmarkHeld(benchmark, cases, everyone=both)
    spec = spec_of(benchmark)
    if spec is not None:
        facts.shared.append(Fact("inputs", spec.inputs))
    shapes = {fw: record_facts.words(record_facts.shape(r) for r in rs) for fw, rs in by_fw.items()}
    count = len({record_facts.shape(r) for r in records})
    _compare(facts, "shapes", shapes, True, "{}" if count == 1 else f"the same {count} shapes in {both}")
    dtypes = {fw: record_facts.words(r.dtype or "" for r in rs) for fw, rs in by_fw.items()}
    training = spec is not None and spec.trains
    mixed = training and any(r.dtype in MIXED_DTYPES for r in records)
    _compare(facts, "dtype", dtypes, True, f"{{}} (mixed precision in {both})" if mixed else "{}")
    run_dtypes = sorted({r.dtype or "" for r in records})
    for dtype in run_dtypes:
        tf32 = {fw: record_facts.tf32([r for r in rs if (r.dtype or "") == dtype]) for fw, rs in by_fw.items()}
        if "not recorded" not in tf32.values():
            _compare(facts, f"TF32 ({dtype})" if len(run_dtypes) > 1 else "TF32", tf32, True, f"{{}} in {both}")
    for key in sorted({k for r in records for k in r.precision} - KNOWN_FLAGS):
        values = {fw: record_facts.precision_flag(rs, key) for fw, rs in by_fw.items()}
        topic = PRECISION_TOPICS.get(key, key.replace("_", " "))
        _compare(facts, topic, values, False, f"{{}} in {both}")
        if not all(values.values()) and any(values.values()):  # a flag of one framework's own (JAX's x64)
            facts.by_design.append(Difference(topic, {fw: value for fw, value in values.items() if value}))
    threads = {fw: record_facts.words(str(r.threads) for r in rs if r.threads is not None) for fw, rs in by_fw.items()}
    _compare(facts, "threads", threads, True, f"{{}} in {both}")
    for key, topic in MUST_MATCH.items():
        _compare(facts, topic, {fw: record_facts.extra_values(rs, key, fw) for fw, rs in by_fw.items()}, True)
    if any("momentum" in f.value for f in facts.shared if f.topic == "optimiser"):
        facts.shared.append(Fact("momentum", MOMENTUM))
    _autotuning(facts, benchmark, by_fw)
    for key, topic in BY_DESIGN.items():
        values = {fw: record_facts.extra_values(rs, key, fw) for fw, rs in by_fw.items()}
        _compare(facts, topic, values, False, f"{{}} in {both}")
    return facts


def _autotuning(facts: BenchmarkHeld, benchmark: str, by_fw: dict[str, list[Record]]) -> None:
    """cuDNN autotuning on a GPU: from conv2d's records, or for train_cnn from the code (it turns it on)."""
    gpu = {fw: [r for r in rs if record_facts.on_gpu(r)] for fw, rs in by_fw.items()}
    if not all(gpu.values()):
        return
    recorded = {TORCH: "cudnn_benchmark", TENSORFLOW: "cudnn_autotune"}
    if set(by_fw) != set(recorded):  # cuDNN's autotuning is PyTorch's and TensorFlow's; JAX's is XLA's
        return
    values = {
        fw: record_facts.words(("on" if r.extra[recorded[fw]] else "off") for r in gpu[fw] if recorded[fw] in r.extra)
        for fw in by_fw
    }
    if all(values.values()):
        _compare(facts, "cuDNN autotuning", values, True, "{} in both, in the untimed first call")
    elif benchmark == "train_cnn":
        facts.shared.append(Fact("cuDNN autotuning", "on in both (torch.backends.cudnn.benchmark; TF's default)"))


def held_equal(document: RunDocument) -> HeldEqual | None:
    """The run's "what was held equal"; None when no benchmark ran in either framework."""
    # TensorFlow's one-process MirroredStrategy cases have no PyTorch partner by design: shown alone.
    ran = [r for r in document.results if record_facts.ran(r) and not single_process(r)]
    order = list(dict.fromkeys(r.benchmark for r in ran))
    if not order:
        return None
    frameworks = tuple(fw for fw in PROFILER_IDS if any(r.framework == fw for r in ran))
    blocks = [_benchmark(name, [r for r in ran if r.benchmark == name], frameworks) for name in order]
    if len(frameworks) < 3:
        return HeldEqual(blocks, pitfalls(ran, blocks))
    intro = INTRO.replace("both frameworks", "the three frameworks")
    return HeldEqual(blocks, pitfalls(ran, blocks), intro=intro)


def _has_layout(record: Record) -> bool:
    text = f"{record.extra.get('layout', '')} {record.params.get(TORCH_LAYOUT_PARAM, '')}".upper()
    return any(word in text for word in ("NCHW", "NHWC", "CHANNELS_LAST"))


def _layout_pitfall(ran: list[Record]) -> Pitfall:
    name = "NCHW against NHWC on tensor cores"
    convs = [r for r in ran if _has_layout(r)]
    torch_gpu = [r for r in convs if r.framework == TORCH and record_facts.on_gpu(r)]
    if not convs:
        return Pitfall(name, "no convolution in this run", None)
    if not torch_gpu:
        return Pitfall(
            name,
            "a CPU run, no tensor cores: each framework ran its usual CPU layout (PyTorch NCHW, TensorFlow NHWC)",
            None,
        )
    layouts = {record_facts.extra_values([r], "layout", TORCH) for r in torch_gpu}
    if any("channels_last" in text for text in layouts):
        also = "; its NCHW default was measured too, as its own row" if any("NCHW" in t for t in layouts) else ""
        return Pitfall(name, f"PyTorch ran channels_last (NHWC in memory), as TensorFlow runs NHWC{also}", True)
    return Pitfall(
        name,
        "not avoided: PyTorch ran NCHW, its default, against TensorFlow's NHWC; on tensor cores that can halve "
        "PyTorch's convolution speed",
        False,
    )


def _tf32_pitfall(ran: list[Record], blocks: list[BenchmarkHeld]) -> Pitfall:
    name = "TF32 on in one framework and off in the other"
    wrong = [b.benchmark for b in blocks if any(d.topic.startswith("TF32") for d in b.not_equal)]
    if wrong:
        return Pitfall(name, f"not avoided in {', '.join(wrong)}: the records' TF32 flags differ", False)
    dtypes = sorted({r.dtype or "" for r in ran})
    states = {dtype: record_facts.tf32([r for r in ran if (r.dtype or "") == dtype]) for dtype in dtypes}
    if all(state == "not recorded" for state in states.values()):
        return Pitfall(name, "the records carry no TF32 flags (a run made before they were recorded)", None)
    said = ", ".join(f"{state} for {dtype}" if len(states) > 1 else state for dtype, state in states.items())
    return Pitfall(name, f"set explicitly in both before every case, as the records show: TF32 {said} in both", True)


def _dtype_pitfall(ran: list[Record], blocks: list[BenchmarkHeld]) -> Pitfall:
    name = "fp32 in one framework against mixed precision in the other"
    wrong = [b.benchmark for b in blocks if any(d.topic in ("dtype", "shapes") for d in b.not_equal)]
    if wrong:
        return Pitfall(name, f"not avoided in {', '.join(wrong)}: the two frameworks ran different cases", False)
    mixed = any(f.topic == "dtype" and "mixed" in f.value for b in blocks for f in b.shared)
    how = f"each row pairs the same dtype in both ({record_facts.words(r.dtype for r in ran if r.dtype)})"
    return Pitfall(name, how + ("; bf16/fp16 training is mixed precision in both" if mixed else ""), True)


def _sync_pitfall(ran: list[Record]) -> Pitfall:
    if any(record_facts.on_gpu(r) for r in ran):
        how = (
            "every timed block ends in a device sync: torch.cuda.synchronize() in PyTorch, "
            "tf.test.experimental.sync_devices() in TensorFlow"
        )
    else:
        how = "every timed block ends in a sync: PyTorch's CPU ops return finished, TensorFlow calls sync_devices()"
    return Pitfall("timing without a device sync", how, True)


def _compile_pitfall(ran: list[Record]) -> Pitfall:
    how = "the first call (tracing, tf.function and XLA, torch.compile) is timed apart and kept out of the median"
    compiled = [
        f"{identity(r.framework).name} {r.benchmark} {float(seconds):.3g} s"
        for r in ran
        if isinstance(seconds := r.extra.get("compile_s"), int | float)
    ]
    traced = [
        f"TensorFlow's first {r.benchmark} step, with its tracing, took {r.cold_s:.3g} s"
        for r in ran
        if r.framework == TENSORFLOW and r.extra.get("mode") == "tf.function" and r.cold_s is not None
    ]
    if compiled or traced:
        how += f" ({'; '.join(compiled or traced[:1])})"
    return Pitfall("counting compile time", how, True)


def _autotune_pitfall(blocks: list[BenchmarkHeld], ran: list[Record]) -> Pitfall:
    name = "first-call autotuning in the timing"
    if not any(record_facts.on_gpu(r) for r in ran):
        return Pitfall(name, "a CPU run, no cuDNN; the first call is still timed apart", None)
    off = [b.benchmark for b in blocks if any(d.topic == "cuDNN autotuning" for d in b.not_equal)]
    if off:
        return Pitfall(
            name, f"not held equal in {', '.join(off)}: cuDNN autotuning was on in one framework only", False
        )
    return Pitfall(
        name, "cuDNN autotuning on in both where there are convolutions; it runs in the first call, timed apart", True
    )


def pitfalls(ran: list[Record], blocks: list[BenchmarkHeld]) -> list[Pitfall]:
    """The six pitfalls of past TF-vs-PyTorch comparisons (shared/benchmarking.md), each as this run met it."""
    return [
        _layout_pitfall(ran),
        _tf32_pitfall(ran, blocks),
        _dtype_pitfall(ran, blocks),
        _sync_pitfall(ran),
        _compile_pitfall(ran),
        _autotune_pitfall(blocks, ran),
    ]
