"""Recipes for the transformer workloads: train_transformer and compiled_speedup.

train_transformer: training steps of one pre-norm encoder block with a classifier head
(reference_transformer.py has the function), SGD with momentum as train_cnn, mixed precision on a GPU
when the case asks for bf16/fp16. compiled_speedup: the block's MLP half (LayerNorm, GEMM, GELU, GEMM,
residual add: elementwise work a compiler can fuse) in inference, eager against the framework's
compiler, compile time apart. Both build their models from the same NumPy weights in every framework
and check them against a NumPy float64 forward pass.
"""

from __future__ import annotations

import numpy as np

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.bench.recipes.skeleton import Outcome
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.timing import measure

TRAIN_OPTIMIZER = f"SGD lr {ref.TRAIN_LR} momentum {ref.TRAIN_MOMENTUM}"


def train_transformer(adapter: Adapter, case: Case) -> Outcome:
    batch, seq_len, width, heads, mlp, classes = case.ints("batch", "seq_len", "width", "heads", "mlp", "classes")
    tref.check_shape(width, heads)
    weights = tref.transformer_weights(width, heads, mlp, classes)
    with adapter.model_precision(case.dtype):
        model = adapter.transformer(weights, seq_len, heads, classes)
    x_np, y_np = ref.synthetic_sequences(batch, seq_len, width, classes)
    mixed = dtype_rules.mixed_precision(case.dtype)
    trainer = adapter.trainer(
        model, adapter.tensor(x_np), adapter.tensor(y_np), ref.TRAIN_LR, ref.TRAIN_MOMENTUM, mixed=mixed
    )
    first = trainer.loss()
    # A large case's float64 forward pass would take longer than the benchmark: its first samples
    # (independent of the others) are checked instead, through the trainer's own loss path.
    checked = tref.check_samples(batch, seq_len, width, mlp, classes)
    if checked < batch:
        x_part, y_part = adapter.tensor(x_np[:checked]), adapter.tensor(y_np[:checked])
        first_checked = adapter.trainer(model, x_part, y_part, ref.TRAIN_LR, ref.TRAIN_MOMENTUM, mixed=mixed).loss()
    timing = measure(trainer.step, adapter.sync, case.budget_s)
    final = trainer.loss()
    reference_loss = tref.transformer_loss_ref(weights, x_np[:checked], y_np[:checked], heads)
    if checked < batch:
        what = f"first loss on the first {checked} of {batch} samples"
        check = ref.combine(
            tref.loss_fell(first, final), ref.check_close(first_checked, reference_loss, case.dtype, what=what)
        )
    else:
        check = ref.training_check(first, final, reference_loss, case.dtype)
    steps_per_s = 1.0 / timing.median_s
    flops = tref.train_flops(batch, seq_len, width, mlp, classes)
    rate_unit, rate = ref.flops_metric(adapter.gpu, flops, timing.median_s)
    return Outcome(
        timing,
        ("steps/s", steps_per_s),
        check,
        {
            "samples_per_s": steps_per_s * batch,
            "tokens_per_s": steps_per_s * batch * seq_len,
            "flops_per_step": flops,
            "flops_formula": tref.FLOPS_FORMULA,
            "flop_rate": rate,
            "flop_rate_unit": rate_unit,
            "mode": adapter.train_mode,
            "attention": adapter.attention,
            "gelu": tref.GELU,
            "layer_norm_epsilon": tref.LN_EPSILON,
            "first_loss": first,
            "final_loss": final,
            "checked_samples": checked,
            "steps": timing.repeats + 1,
            "optimizer": TRAIN_OPTIMIZER,
            "init": tref.INIT,
            **trainer.notes,
        },
        precision=trainer.precision,
    )


def compiled_speedup(adapter: Adapter, case: Case) -> Outcome:
    """The MLP half of the block, x + MLP(LN(x)), in the case dtype: eager time / compiled time."""
    batch, seq_len, width, mlp = case.ints("batch", "seq_len", "width", "mlp")
    weights = tref.mlp_block_weights(width, mlp)
    model = adapter.mlp_block(weights, case.dtype)
    x_np = ref.rng(ref.SEED + 3).standard_normal((batch, seq_len, width), dtype=np.float32)
    x = adapter.tensor(x_np, case.dtype)
    eager_call = adapter.inference_call(model, x)
    compiled = adapter.compiled_block(model, x)
    tokens = min(seq_len, tref.CHECK_TOKENS)
    with adapter.inference():
        eager = measure(eager_call, adapter.sync, case.budget_s)
        timing = measure(compiled.call, adapter.sync, case.budget_s)  # cold call = compile time
        eager_out = adapter.leading_tokens(eager_call(), tokens)
        compiled_out = adapter.leading_tokens(compiled.call(), tokens)
    # Compiled code may fuse and reorder: in fp32 it must agree closely with eager; in a narrower dtype,
    # within the rounding that dtype allows.
    compiled_limit = ref.COMPILED_LIMIT if case.dtype == "fp32" else ref.REL_LIMITS[case.dtype]
    check = ref.combine(
        ref.check_close(eager_out, tref.mlp_block_ref(weights, x_np[0, :tokens]), case.dtype, what="eager"),
        ref.check_close(compiled_out, eager_out, limit=compiled_limit, against="eager output", what="compiled"),
    )
    flops = tref.mlp_block_flops(batch, seq_len, width, mlp)
    rate_unit, eager_rate = ref.flops_metric(adapter.gpu, flops, eager.median_s)
    compiled_rate = ref.flops_metric(adapter.gpu, flops, timing.median_s)[1]
    return Outcome(
        timing,
        ("x", eager.median_s / timing.median_s),
        check,
        {
            "compile_s": timing.cold_s,
            "eager_median_s": eager.median_s,
            "compiled_median_s": timing.median_s,
            "eager_rel_spread": round(eager.rel_spread, 4),
            "workload": "x + Dense(GELU(Dense(LayerNorm(x)))): a transformer block's MLP half, inference",
            "flops_per_call": flops,
            "flops_formula": tref.MLP_BLOCK_FLOPS_FORMULA,
            "eager_flop_rate": eager_rate,
            "compiled_flop_rate": compiled_rate,
            "flop_rate_unit": rate_unit,
            "checked_tokens": tokens,
            **compiled.notes,
        },
        paired_timing=eager,
    )
