"""Recipes for small models: compiled_speedup (an MLP, eager vs compiled), train_cnn and train_rnn.

Every model is built by the adapter from the same NumPy weights (reference.py), so it is the same
function in every framework; its first loss or output is checked against NumPy float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fwadvisor.profiler import reference as ref
from fwadvisor.profiler.recipes.adapter import Adapter, Model, Tensor
from fwadvisor.profiler.recipes.skeleton import Case, Outcome
from fwadvisor.profiler.timing import measure

TRAIN_OPTIMIZER = f"SGD lr {ref.TRAIN_LR} momentum {ref.TRAIN_MOMENTUM}"
CNN_INIT = "identical Glorot-uniform weights (from NumPy), zero biases"
LSTM_INIT = "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases"


def compiled_speedup(adapter: Adapter, case: Case) -> Outcome:
    batch, features, hidden, layers = case.ints("batch", "features", "hidden", "layers")
    weights = ref.mlp_weights(features, hidden, layers)
    model = adapter.mlp(weights)
    x_np = ref.rng(ref.SEED + 3).standard_normal((batch, features), dtype=np.float32)
    x = adapter.tensor(x_np)
    eager_call = adapter.inference_call(model, x)
    compiled = adapter.compiled_call(model, x)
    with adapter.inference():
        eager = measure(eager_call, adapter.sync, case.budget_s)
        timing = measure(compiled.call, adapter.sync, case.budget_s)  # cold call = compile time
        eager_out, compiled_out = adapter.numpy(eager_call()), adapter.numpy(compiled.call())
    check = ref.combine(
        ref.check_close(eager_out, ref.mlp_ref(x_np, weights), case.dtype, what="eager"),
        ref.check_close(compiled_out, eager_out, limit=ref.COMPILED_LIMIT, against="eager output", what="compiled"),
    )
    return Outcome(
        timing,
        ("x", eager.median_s / timing.median_s),
        check,
        {
            "compile_s": timing.cold_s,
            "eager_median_s": eager.median_s,
            "compiled_median_s": timing.median_s,
            "eager_rel_spread": round(eager.rel_spread, 4),
            **compiled.notes,
        },
        paired_timing=eager,
    )


def _train(
    adapter: Adapter,
    case: Case,
    model: Model,
    x: Tensor,
    labels: Tensor,
    reference_loss: float,
    extra: dict[str, Any],
) -> Outcome:
    """Timed optimiser steps on one fixed batch; the loss must start where NumPy's does and fall."""
    trainer = adapter.trainer(model, x, labels, ref.TRAIN_LR, ref.TRAIN_MOMENTUM)
    first = trainer.loss()
    timing = measure(trainer.step, adapter.sync, case.budget_s)
    final = trainer.loss()
    check = ref.training_check(first, final, reference_loss, case.dtype)
    steps_per_s = 1.0 / timing.median_s
    return Outcome(
        timing,
        ("steps/s", steps_per_s),
        check,
        {
            "samples_per_s": steps_per_s * int(case.params["batch"]),
            "mode": adapter.train_mode,
            "first_loss": first,
            "final_loss": final,
            "steps": timing.repeats + 1,
            "optimizer": TRAIN_OPTIMIZER,
            **extra,
        },
    )


def train_cnn(adapter: Adapter, case: Case) -> Outcome:
    batch, image, channels, classes = case.ints("batch", "image", "channels", "classes")
    if ref.cnn_flat_side(image) < 1:
        raise ValueError(f"image side {image} is too small for two 2x2 max-pools (need >= 4)")
    w = ref.cnn_weights(channels, image, classes)
    model = adapter.cnn(w, image, channels, classes)
    adapter.autotune_convolutions()
    x_np, y_np = ref.synthetic_images(batch, image, channels, classes)
    x = adapter.tensor(ref.to_layout(x_np, ref.IMAGE_AXES[adapter.layout]))
    return _train(
        adapter,
        case,
        model,
        x,
        adapter.tensor(y_np),
        ref.cnn_loss_ref(w, x_np, y_np),
        {"layout": adapter.layout, "init": CNN_INIT},
    )


def train_rnn(adapter: Adapter, case: Case) -> Outcome:
    batch, seq_len, features, hidden, classes = case.ints("batch", "seq_len", "features", "hidden", "classes")
    w = ref.lstm_weights(features, hidden, classes)
    model = adapter.lstm(w, seq_len, features, hidden, classes)
    x_np, y_np = ref.synthetic_sequences(batch, seq_len, features, classes)
    return _train(
        adapter,
        case,
        model,
        adapter.tensor(x_np),
        adapter.tensor(y_np),
        ref.lstm_loss_ref(w, x_np, y_np),
        {"init": LSTM_INIT, "lstm": adapter.lstm_kernel},
    )
