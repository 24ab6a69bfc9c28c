"""What was held equal, from a real run: every benchmark of the run gets its block in every report format."""

from __future__ import annotations

import json

from held_equal_helpers import _pitfall, _readable, _reports

from fwadvisor.report.held_equal import PITFALLS_TITLE, TITLE


def test_every_benchmark_of_a_real_run_gets_its_block_in_every_format(real_quick_run, tmp_path):
    reports = _reports(tmp_path, real_quick_run)
    benchmarks = list(dict.fromkeys(r.benchmark for r in real_quick_run.results))
    assert benchmarks == ["matmul", "eager_overhead", "train_cnn"]
    for fmt in ("text", "md", "html"):
        part = _readable(fmt, reports[fmt])
        for benchmark in benchmarks:
            assert f"{benchmark} (1 case)" in part, (fmt, benchmark)
        assert PITFALLS_TITLE in part, fmt
        assert "TF32: off in both" in part and "dtype: fp32" in part, fmt
        # train_cnn: eager against tf.function, and PyTorch's NCHW default against TensorFlow's NHWC.
        assert "execution: PyTorch eager, TensorFlow tf.function" in part, fmt
        assert "layout: PyTorch NCHW (PyTorch's default), TensorFlow NHWC" in part, fmt
        assert "optimiser: SGD lr 0.05 momentum 0.9" in part, fmt
    assert all(len(line) <= 100 for line in _held_lines(reports["text"])), "the terminal block fits its width"
    held = json.loads(reports["json"])["profile"]["held_equal"]
    assert [b["benchmark"] for b in held["benchmarks"]] == benchmarks
    train = held["benchmarks"][2]
    cnn = {r.framework: r for r in real_quick_run.results if r.benchmark == "train_cnn"}
    assert {"topic": "optimiser", "value": cnn["torch"].extra["optimizer"]} in train["shared"]
    assert {"topic": "threads", "value": f"{cnn['torch'].threads} in both"} in train["shared"]
    execution = next(d for d in train["by_design"] if d["topic"] == "execution")
    assert (execution["torch"], execution["tensorflow"]) == ("eager", "tf.function")
    assert train["not_equal"] == []
    assert len(held["pitfalls"]) == 6
    assert _pitfall(held, "TF32")["avoided"] is True
    assert _pitfall(held, "NCHW")["avoided"] is None  # a CPU run: no tensor cores


def _held_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == TITLE)
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("What these numbers changed"))
    return lines[start:end]
