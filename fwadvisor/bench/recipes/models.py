"""Recipes for small models: train_cnn and train_rnn (the transformer ones are in transformer.py).

On a GPU they train as GPU training runs: PyTorch's CNN in channels_last (the case's torch_layout),
and in bf16/fp16 mixed precision when the case's dtype says so (float32 weights, the forward pass and
loss in the narrow dtype); on a CPU in float32, NCHW unless the case asks for channels_last.

Every model is built by the adapter from the same NumPy weights (reference.py), so it is the same
function in every framework; its first loss or output is checked against NumPy float64.
"""

from __future__ import annotations

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench.recipes.adapter import Adapter, Model, Tensor
from fwadvisor.bench.recipes.skeleton import Outcome, case_layout, layout_extra
from fwadvisor.profiler.documents import Details
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.timing import measure

TRAIN_OPTIMIZER = f"SGD lr {ref.TRAIN_LR} momentum {ref.TRAIN_MOMENTUM}"
CNN_INIT = "identical Glorot-uniform weights (from NumPy), zero biases"
LSTM_INIT = "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases"


def _train(
    adapter: Adapter,
    case: Case,
    model: Model,
    x: Tensor,
    labels: Tensor,
    reference_loss: float,
    extra: Details,
) -> Outcome:
    """Timed optimiser steps on one fixed batch; the loss must start where NumPy's does and fall.

    A bf16/fp16 case trains in mixed precision (the model built inside adapter.model_precision); its
    first loss is checked against NumPy with that precision's tolerance.
    """
    trainer = adapter.trainer(
        model, x, labels, ref.TRAIN_LR, ref.TRAIN_MOMENTUM, mixed=dtype_rules.mixed_precision(case.dtype)
    )
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
            **trainer.notes,
        },
        precision=trainer.precision,
    )


def train_cnn(adapter: Adapter, case: Case) -> Outcome:
    batch, image, channels, classes = case.ints("batch", "image", "channels", "classes")
    if ref.cnn_flat_side(image) < 1:
        raise ValueError(f"image side {image} is too small for two 2x2 max-pools (need >= 4)")
    layout = case_layout(adapter, case)
    w = ref.cnn_weights(channels, image, classes)
    with adapter.model_precision(case.dtype):
        model = adapter.in_layout(adapter.cnn(w, image, channels, classes), layout)
    adapter.autotune_convolutions()
    x_np, y_np = ref.synthetic_images(batch, image, channels, classes)
    x = adapter.in_layout(adapter.tensor(ref.to_layout(x_np, ref.IMAGE_AXES[adapter.layout])), layout)
    return _train(
        adapter,
        case,
        model,
        x,
        adapter.tensor(y_np),
        ref.cnn_loss_ref(w, x_np, y_np),
        {**layout_extra(layout), "init": CNN_INIT},
    )


def train_rnn(adapter: Adapter, case: Case) -> Outcome:
    batch, seq_len, features, hidden, classes = case.ints("batch", "seq_len", "features", "hidden", "classes")
    w = ref.lstm_weights(features, hidden, classes)
    with adapter.model_precision(case.dtype):
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
