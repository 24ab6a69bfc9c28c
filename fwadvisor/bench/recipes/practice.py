"""Recipes for the practice suite: real training on scikit-learn's digits, and a deployment round trip.

practice_cnn and practice_rnn train a small model for some epochs on the same split, in the same
shuffled order, from the same weights, with the same optimiser in every framework; their metric is
the final test accuracy and their record carries the per-epoch curve. export_roundtrip saves the CNN
that practice_cnn trained as a deployment artifact and reloads it in a fresh process
(roundtrip.py), checking that it computes what the in-memory model computes.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fwadvisor.bench import reference as ref
from fwadvisor.bench import roundtrip
from fwadvisor.bench.recipes import digits
from fwadvisor.bench.recipes.adapter import Adapter, Model, Tensor
from fwadvisor.bench.recipes.skeleton import Outcome
from fwadvisor.profiler.documents import Details
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.timing import Timing


@dataclass
class Trained:
    """The CNN practice_cnn trained, kept in the worker for export_roundtrip."""

    model: Model
    split: digits.DigitsSplit
    settings: dict[str, int]


# By framework: a worker runs one framework, but a test process may hold both.
_TRAINED: dict[str, Trained] = {}


@dataclass(frozen=True)
class _Fit:
    curve: list[dict[str, float]]
    initial_loss: float  # over the whole training set, before training
    final_loss: float  # and after


def _fit(
    adapter: Adapter,
    model: Model,
    train: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor],
    train_size: int,
    settings: dict[str, int],
) -> _Fit:
    """Mini-batches in the shared shuffled order, one curve point per epoch."""
    fitter = adapter.fitter(model, *train, digits.PRACTICE_LR, digits.PRACTICE_MOMENTUM)
    initial_loss, _ = fitter.evaluate(*train)
    curve: list[dict[str, float]] = []
    for epoch in range(1, settings["epochs"] + 1):
        batches = digits.full_batches(digits.epoch_order(train_size, epoch, settings["seed"]), settings["batch"])
        result = fitter.epoch(batches)
        seen = sum(len(batch) for batch in batches)
        _, test_accuracy = fitter.evaluate(*test)
        curve.append(
            {
                "epoch": epoch,
                "train_loss": result.loss_sum / seen,
                "train_accuracy": result.correct / seen,
                "test_accuracy": test_accuracy,
                "seconds": result.seconds,
            }
        )
    final_loss, _ = fitter.evaluate(*train)
    return _Fit(curve, initial_loss, final_loss)


def curve_timing(curve: list[dict[str, float]]) -> Timing:
    """A Timing over the epochs: epoch 1 (tf.function tracing, first-touch allocations) is the cold call,
    kept out of the steady-state samples as the timing rules ask; a one-epoch run has only that sample."""
    seconds = [float(point["seconds"]) for point in curve]
    return Timing(cold_s=seconds[0], samples=seconds[1:] or seconds, calls_per_sample=1)


def practice_extra(split: digits.DigitsSplit, settings: dict[str, int], fit: _Fit, layout: str) -> Details:
    """What a practice record says about how it trained (the same words in every framework)."""
    return {
        "data": "scikit-learn load_digits: 8x8 handwritten digits, pixels / 16 -> [0, 1] (ships with "
        "scikit-learn, no download)",
        "split": {
            **split.summary(),
            "test_percent": settings["test_percent"],
            "stratified": True,
            "seed": settings["seed"],
        },
        "optimizer": digits.PRACTICE_OPTIMIZER,
        "lr": digits.PRACTICE_LR,
        "momentum": digits.PRACTICE_MOMENTUM,
        "batch": settings["batch"],
        "epochs": settings["epochs"],
        "seed": settings["seed"],
        "init": digits.PRACTICE_INIT,
        "layout": layout,
        "batches": "seeded NumPy shuffle per epoch, shared by both frameworks; full batches only",
        "initial_loss": fit.initial_loss,
        "final_loss": fit.final_loss,
        "losses": "initial_loss / final_loss: mean cross-entropy over the whole training set, before and "
        "after training",
        "curve": "train_loss / train_accuracy: running mean over the epoch's steps; test_accuracy: after "
        "the epoch; seconds: the epoch's training steps only (evaluation excluded)",
        "timing": "median_s / spread_s: seconds per epoch over epochs 2..N; cold_s: epoch 1; repeats: "
        "all epochs; wide_spread and unsteady stay false (the metric is an accuracy, not a time)",
    }


def _outcome(adapter: Adapter, fit: _Fit, reference_loss: float, extra: Details) -> Outcome:
    accuracy = fit.curve[-1]["test_accuracy"]
    check = digits.practice_check(fit.initial_loss, fit.final_loss, accuracy, reference_loss)
    return Outcome(
        curve_timing(fit.curve),
        ("test accuracy", accuracy),
        check,
        {"mode": adapter.fit_mode, **extra},
        curve=fit.curve,
    )


def _train_cnn(adapter: Adapter, settings: dict[str, int]) -> tuple[Trained, _Fit, float]:
    split = digits.digits_split(settings["test_percent"], settings["seed"])
    w = digits.practice_cnn_weights(settings["seed"])
    model = adapter.cnn(w, digits.PRACTICE_SIDE, 1, digits.PRACTICE_CLASSES)
    images = ref.IMAGE_AXES[adapter.layout]
    train = adapter.tensor(ref.to_layout(split.x_train, images)), adapter.tensor(split.y_train)
    test = adapter.tensor(ref.to_layout(split.x_test, images)), adapter.tensor(split.y_test)
    fit = _fit(adapter, model, train, test, len(split.y_train), settings)
    reference_loss = ref.cnn_loss_ref(w, split.x_train, split.y_train)
    return Trained(model, split, dict(settings)), fit, reference_loss


def practice_cnn(adapter: Adapter, case: Case) -> Outcome:
    settings = digits.practice_settings("practice_cnn", case.params)
    trained, fit, reference_loss = _train_cnn(adapter, settings)
    _TRAINED[adapter.framework] = trained
    return _outcome(adapter, fit, reference_loss, practice_extra(trained.split, settings, fit, adapter.layout))


def practice_rnn(adapter: Adapter, case: Case) -> Outcome:
    settings = digits.practice_settings("practice_rnn", case.params)
    split = digits.digits_split(settings["test_percent"], settings["seed"])
    w = digits.practice_lstm_weights(settings["hidden"], settings["seed"])
    side, classes = digits.PRACTICE_SIDE, digits.PRACTICE_CLASSES
    model = adapter.lstm(w, side, side, settings["hidden"], classes)
    x_train_np, x_test_np = digits.as_sequences(split.x_train), digits.as_sequences(split.x_test)
    train = adapter.tensor(x_train_np), adapter.tensor(split.y_train)
    test = adapter.tensor(x_test_np), adapter.tensor(split.y_test)
    fit = _fit(adapter, model, train, test, len(split.y_train), settings)
    extra = {**practice_extra(split, settings, fit, "batch-first (N, T, F)"), "lstm": adapter.lstm_kernel}
    return _outcome(adapter, fit, ref.lstm_loss_ref(w, x_train_np, split.y_train), extra)


def export_extra(
    adapter: Adapter,
    export_s: float,
    reloaded: roundtrip.Reloaded,
    artifact_bytes: int,
    check: ref.Check,
    rows: int,
    source: str,
) -> Details:
    """The export_roundtrip record's details."""
    return {
        "format": adapter.export_format,
        "export_s": export_s,
        "load_s": reloaded.load_s,
        "import_s": reloaded.import_s,
        "first_call_s": reloaded.first_call_s,
        "artifact_bytes": artifact_bytes,
        "max_rel_error": check.rel_error,
        "rel_limit": check.limit,
        "rows_compared": rows,
        "model": source,
        "how": adapter.export_how,
        "metric": "load s: loading the artifact in a fresh process (framework import excluded, reported as import_s)",
        "timing": "one load, one sample",
    }


def export_roundtrip(adapter: Adapter, case: Case) -> Outcome:
    rows = int(case.params["batch"])
    trained = _TRAINED.get(adapter.framework)
    source = "the CNN practice_cnn trained earlier in this worker"
    if trained is None:
        # Exporting untrained weights would test the format but not a model anyone deploys: train first.
        settings = digits.practice_settings("practice_cnn", digits.PRACTICE_CNN_DEFAULTS)
        trained = _train_cnn(adapter, settings)[0]
        _TRAINED[adapter.framework] = trained
        source = f"a CNN trained here first with the default practice_cnn settings {settings}"
    # A fresh copy with canonical strides: on a size-1 axis NumPy keeps the transpose's strides, which
    # torch reads as channels-last, and the in-memory call would take another kernel than the reload.
    x_np = ref.to_layout(digits.export_inputs(trained.split, rows), ref.IMAGE_AXES[adapter.layout]).copy()
    x = adapter.tensor(x_np)
    expected = adapter.predict(trained.model, x)

    with tempfile.TemporaryDirectory(prefix="fwadvisor-export-") as tmp:
        start = time.perf_counter()
        artifact = adapter.export(trained.model, x, Path(tmp))
        export_s = time.perf_counter() - start
        size = roundtrip.artifact_bytes(artifact)
        inputs = Path(tmp) / "inputs.npy"
        np.save(inputs, x_np)
        reloaded = roundtrip.reload_in_fresh_process(
            adapter.framework, artifact, inputs, device=adapter.device, threads=adapter.threads
        )
        got = np.load(reloaded.outputs_path)
    check = digits.outputs_check(got, expected)
    timing = Timing(cold_s=reloaded.load_s, samples=[reloaded.load_s], calls_per_sample=1, one_shot=True)
    return Outcome(
        timing, ("load s", reloaded.load_s), check, export_extra(adapter, export_s, reloaded, size, check, rows, source)
    )
