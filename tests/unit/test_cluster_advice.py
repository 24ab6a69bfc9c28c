"""Issue 22: the advice and the reports read the cluster suite's records (all_reduce, ddp_scaling).

Hand-made runs shaped as the contract says the ranks and the parent fill them (tests/cluster_runs.py):
a GPU run gives metrics, rules fire on their conservative end and every report states what the numbers
mean for "TensorFlow has the more efficient distributed training"; a CPU run gives no metric and every
report says its numbers test the plumbing, not a cluster.
"""

from __future__ import annotations

import json

import pytest
from cluster_runs import all_reduce, cluster_run, cpu_run, ddp_scaling, gpu_run, scaling
from columns_helpers import check_fits

from conftest import run_cli
from fwadvisor.advisor.cluster_evidence import CPU_PLUMBING, claim_sentence, distributed_evidence
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.evidence import evidence_from_profile
from fwadvisor.advisor.loader import load_rules
from fwadvisor.profiler.documents import encode_run
from fwadvisor.report.cluster_table import run_lines
from fwadvisor.report.profile_model import build_evidence
from fwadvisor.report.render import render

MULTI_GPU = "training_scale: multi_gpu\ndomains: [vision]\n"
CLAIM = "TensorFlow has the more efficient distributed training"
# The contract's sentence, as every report of a CPU run says it (it wraps in the text report).
CPU_WORDS = "they test that the distributed code paths work in both frameworks, not how a GPU cluster scales"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _recommend(tmp_path, document, fmt: str, width: str = "80") -> str:
    answers, run = tmp_path / "answers.yaml", tmp_path / "run.json"
    answers.write_text(MULTI_GPU)
    run.write_bytes(encode_run(document))
    result = run_cli(
        "recommend", "--answers", str(answers), "--profile", str(run), "--format", fmt, env={"COLUMNS": width}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_gpu_run_gives_scaling_and_bus_bandwidth_metrics_on_their_conservative_end():
    metrics = evidence_from_profile(gpu_run("worse")).metrics
    # PyTorch kept 0.95 of its one-GPU speed at 4 GPUs, TensorFlow 0.70; each median known to ±1%.
    assert metrics["scaling_world_size"] == 4
    assert metrics["scaling_ratio"] == pytest.approx(0.95 / 0.70)
    assert 1.25 < metrics["scaling_ratio_low"] < metrics["scaling_ratio"] < metrics["scaling_ratio_high"] < 1.45
    assert metrics["scaling_efficiency_torch"] == pytest.approx(0.95 * 0.99 / 1.01)
    assert metrics["scaling_efficiency_tensorflow"] == pytest.approx(0.70 * 0.99 / 1.01)
    # Share of nccl-tests at the largest size, low end; TensorFlow's better launcher (one process: 250 GB/s).
    assert metrics["busbw_share_torch"] == pytest.approx(340 / 360 / 1.01)
    assert metrics["busbw_share_tensorflow"] == pytest.approx(250 / 360 / 1.01)
    assert "distributed_measured_on_cpu" not in metrics
    # PyTorch's skipped one-process case is skipped by design: no gap in the run.
    assert metrics["profile_complete"] == 1


def test_the_efficiency_is_computed_from_the_baseline_when_the_run_lacks_the_parents_numbers():
    with_parent = distributed_evidence(cluster_run(*scaling({1: 0.01, 4: 0.0125}, {1: 0.02, 4: 0.03})))
    computed = distributed_evidence(
        cluster_run(*scaling({1: 0.01, 4: 0.0125}, {1: 0.02, 4: 0.03}, parent_fields=False))
    )
    for name in ("scaling_ratio", "scaling_ratio_low", "scaling_ratio_high", "scaling_efficiency_torch"):
        assert computed.metrics[name] == pytest.approx(with_parent.metrics[name])


def test_an_unusable_baseline_or_step_gives_no_scaling_metric():
    records = scaling({1: 0.01, 4: 0.0125}, {1: 0.02, 4: 0.03}, parent_fields=False)
    records[0]["machine_busy"] = True  # PyTorch's one-GPU step ran beside other processes
    assert "scaling_ratio" not in distributed_evidence(cluster_run(*records)).metrics
    records = scaling({1: 0.01, 4: 0.0125}, {1: 0.02, 4: 0.03})
    records[-1]["correct"] = False  # TensorFlow's ranks ended with different weights
    assert "scaling_ratio" not in distributed_evidence(cluster_run(*records)).metrics


def test_a_cpu_run_gives_no_distributed_metric_and_says_why():
    evidence = evidence_from_profile(cpu_run())
    names = {name for name in evidence.metrics if name.startswith(("scaling_", "busbw_"))}
    assert names == set()
    assert evidence.metrics["distributed_measured_on_cpu"] == 1
    assert evidence.details["distributed_measured_on_cpu"].startswith(CPU_PLUMBING)


@pytest.mark.parametrize(
    ("tf_scales", "words"),
    [
        ("worse", "the numbers go against it: PyTorch kept more"),
        ("better", "the numbers support it: TensorFlow kept more"),
        ("same", "the numbers cannot tell: the two efficiencies' 95% intervals overlap"),
    ],
)
def test_the_claim_is_answered_in_each_direction_and_when_the_intervals_overlap(tf_scales, words):
    sentence = claim_sentence(gpu_run(tf_scales))
    assert CLAIM in sentence and words in sentence
    assert "at 4 devices" in sentence


def test_the_claim_from_a_cpu_run_is_a_plumbing_check_and_a_run_without_cluster_records_says_nothing():
    assert "plumbing check on CPU processes, not evidence either way" in claim_sentence(cpu_run())
    assert claim_sentence(cluster_run(all_reduce("torch", 1, 10.0), all_reduce("tensorflow", 1, 9.0))) != ""
    plain = cluster_run()
    assert claim_sentence(plain) == "" and build_evidence(plain, None).cluster is None


@pytest.mark.parametrize(
    ("tf_scales", "fires", "quiet"),
    [
        ("worse", "measured-distributed-scaling-pytorch", "measured-distributed-scaling-tensorflow"),
        ("better", "measured-distributed-scaling-tensorflow", "measured-distributed-scaling-pytorch"),
        ("same", "measured-distributed-scaling-even", "measured-distributed-scaling-pytorch"),
    ],
)
def test_the_scaling_rules_fire_on_a_gpu_run(tf_scales, fires, quiet):
    rec = recommend({"training_scale": "multi_gpu"}, load_rules(), evidence=evidence_from_profile(gpu_run(tf_scales)))
    fired = {r.rule for r in rec.reasons} | {c.rule for c in rec.caveats}
    assert fires in fired and quiet not in fired
    assert "measured-distributed-on-cpu-only" not in fired
    assert rec.profile is not None and fires in {t.rule for t in rec.profile.triggered}


def test_recommend_reports_a_gpu_run_in_text_at_80_columns_and_in_json(tmp_path):
    text = _recommend(tmp_path, gpu_run("worse"), "text")
    check_fits(text, 80)
    flat = _one_line(text)
    assert "All-reduce, bus bandwidth" in flat and "All-reduce against nccl-tests" in flat
    assert "Scaling efficiency, train_cnn fp32" in flat and "bucket_cap_mb 25 (DDP's default)" in flat
    assert "bytes_per_pack 0 (TensorFlow chooses)" in flat and "TF 1 proc" in flat
    assert f'For the claim "{CLAIM}", on this machine the numbers go against it' in flat
    assert CPU_WORDS not in flat
    data = json.loads(_recommend(tmp_path, gpu_run("worse"), "json"))
    profile = data["profile"]
    assert profile["cluster"]["plumbing_only"] is False
    assert profile["metrics"]["scaling_ratio_low"] > 1.15
    assert "measured-distributed-scaling-pytorch" in {t["rule"] for t in profile["triggered"]}
    ddp = [m for m in profile["measurements"] if m["benchmark"] == "ddp_scaling"]
    assert ddp and all("extra" in m for m in ddp)


def test_recommend_reports_a_cpu_run_as_a_plumbing_check_in_text_and_json(tmp_path):
    text = _recommend(tmp_path, cpu_run(), "text")
    check_fits(text, 80)
    flat = _one_line(text)
    assert CPU_WORDS in flat and "measured-distributed-on-cpu-only" in flat
    assert "measured-distributed-scaling" not in flat
    data = json.loads(_recommend(tmp_path, cpu_run(), "json"))
    assert data["profile"]["cluster"]["plumbing"] == CPU_PLUMBING
    assert not {name for name in data["profile"]["metrics"] if name.startswith(("scaling_", "busbw_"))}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_markdown_and_html_show_the_same_cluster_section(fmt):
    rules = load_rules()
    for document, words in ((gpu_run("same"), "the numbers cannot tell"), (cpu_run(), CPU_PLUMBING)):
        evidence = evidence_from_profile(document)
        rec = recommend({"training_scale": "multi_gpu"}, rules, evidence=evidence)
        page = render(rec, fmt, profile=document, profile_path="run.json")
        assert "Distributed training: all-reduce and data-parallel scaling" in page
        assert words.replace("'", "&#x27;" if fmt == "html" else "'") in page
        assert "Step time, train_cnn fp32" in page


def test_outside_text_in_a_cluster_record_is_data_in_every_format():
    hostile = "\x1b[2Jtorchrun [bold red]x[/] \u202eevil"
    document = cluster_run(
        all_reduce("torch", 4, 10.0),
        ddp_scaling("torch", 1, 0.01),
        ddp_scaling("torch", 2, 0.011, baseline_s=0.01),
    )
    for record in document.results:
        record.extra["launcher"] = hostile
    rec = recommend({"training_scale": "multi_gpu"}, load_rules(), evidence=evidence_from_profile(document))
    for fmt in ("text", "md", "html", "json"):
        page = render(rec, fmt, profile=document, profile_path="run.json", width=80)
        assert "\x1b" not in page and "\u202e" not in page, fmt


def test_the_profile_commands_lines_under_its_table_say_what_the_cluster_numbers_are():
    cpu = run_lines(cpu_run())
    assert cpu[0] == CPU_PLUMBING and "plumbing check" in cpu[-1]
    assert any(line.startswith("Scaling efficiency at N = 2, train_cnn fp32") for line in cpu)
    gpu = run_lines(gpu_run("better"))
    assert CPU_PLUMBING not in gpu and "the numbers support it" in gpu[-1]
    assert run_lines(cluster_run()) == []
