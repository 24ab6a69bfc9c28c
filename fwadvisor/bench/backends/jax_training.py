"""JAX's training and deployment: a mixin of JaxAdapter (trainer, fitter, export).

A train step is one jitted function (params, optimiser state, batch) -> (params, state, loss), compiled
ahead of time; the adapter keeps the state between steps (JAX arrays are immutable) and writes the
params back to the JaxModel, so a trained model is the one predict() and export() see. Optax's SGD with
momentum is PyTorch's and Keras' rule (v = mu v + g; p -= lr v).

Mixed precision (bf16/fp16): the module computes in the narrow dtype (Flax casts the float32 params
at each layer), the loss in float32. fp16 adds dynamic loss scaling, written out: the loss is multiplied
by a scale before differentiation, the gradients divided by it; a step whose gradients are not finite
is skipped and halves the scale, 2000 finite steps in a row double it (PyTorch's GradScaler defaults).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fwadvisor.bench.backends import jax_models as jm
from fwadvisor.bench.backends.jax_compile import apply, compile_options
from fwadvisor.bench.recipes.adapter import EpochResult, Fitter, Trainer
from fwadvisor.profiler.documents import Details, PrecisionFlags

NARROW = {"bf16": jnp.bfloat16, "fp16": jnp.float16}
SCALE_START, SCALE_GROWTH_STEPS = 2.0**16, 2000


def xent(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy, in float32 whatever the logits' dtype."""
    return optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), labels).mean()


def _scaled_update(
    loss_fn: Callable[[Any], jax.Array], optimizer: Any, params: Any, state: Any
) -> tuple[Any, Any, jax.Array]:
    """One fp16 step with dynamic loss scaling; `state` is (optimiser state, scale, finite steps in a row)."""
    opt_state, scale, good = state
    loss, grads = jax.value_and_grad(lambda p: loss_fn(p) * scale)(params)
    grads = jax.tree.map(lambda g: g / scale, grads)
    finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(g)) for g in jax.tree.leaves(grads)]))
    updates, stepped_state = optimizer.update(grads, opt_state, params)
    stepped = optax.apply_updates(params, updates)

    def keep(new: Any, old: Any) -> Any:
        return jax.tree.map(lambda a, b: jnp.where(finite, a, b), new, old)

    grown = jnp.where(good + 1 >= SCALE_GROWTH_STEPS, scale * 2.0, scale)
    new_scale = jnp.where(finite, grown, scale / 2.0)
    new_good = jnp.where(finite & (good + 1 < SCALE_GROWTH_STEPS), good + 1, 0)
    new_state = (keep(stepped_state, opt_state), new_scale, new_good)
    return keep(stepped, params), new_state, loss / scale


class JaxTrainingParts:
    """JaxAdapter's training members (see recipes.adapter.Adapter.trainer / fitter / export)."""

    jax_device: Any  # set by JaxAdapter
    device: str
    timed: Callable[[Callable[[], Any]], Callable[[], Any]]
    sync: Callable[[], None]

    def trainer(
        self, model: jm.JaxModel, x: jax.Array, labels: jax.Array, lr: float, momentum: float, mixed: str | None = None
    ) -> Trainer:
        module = model.module if mixed is None else model.module.clone(dtype=NARROW[mixed])
        optimizer = optax.sgd(lr, momentum=momentum)
        scaled = mixed == "fp16"  # fp16's narrow range needs loss scaling; bf16 has float32's exponent range

        def loss_fn(params: Any) -> jax.Array:
            return xent(apply(module, params, x), labels)

        def step(params: Any, state: Any) -> tuple[Any, Any, jax.Array]:
            if scaled:
                return _scaled_update(loss_fn, optimizer, params, state)
            loss, grads = jax.value_and_grad(loss_fn)(params)
            updates, state = optimizer.update(grads, state, params)
            return optax.apply_updates(params, updates), state, loss

        opt_state: Any = optimizer.init(model.params)
        if scaled:
            opt_state = (opt_state, jnp.float32(SCALE_START), jnp.int32(0))
        held = {"state": jax.device_put(opt_state, self.jax_device)}
        start = time.perf_counter()
        # On a GPU the old params and state are donated: updated in place, as PyTorch's optimiser does.
        donate = (0, 1) if self.device != "cpu" else ()
        compiled_step = jax.jit(step, donate_argnums=donate).lower(model.params, held["state"]).compile()
        compile_s = time.perf_counter() - start
        eval_loss = jax.jit(loss_fn)

        def run_step() -> jax.Array:
            model.params, held["state"], loss = compiled_step(model.params, held["state"])
            return loss  # not waited for: sync() does that for a block of steps

        def loss() -> float:
            return float(eval_loss(model.params))

        notes: Details = {
            "compile_s": compile_s,  # measured apart: the timed steps start compiled
            "train_step": "jax.jit(value_and_grad + optax.sgd), AOT-compiled",
            **compile_options(),
        }
        if mixed is None:
            return Trainer(self.timed(run_step), loss, {}, notes)
        precision: PrecisionFlags = {
            "mixed_precision": f"Flax modules with dtype={jnp.dtype(NARROW[mixed]).name}, float32 params",
            "loss_scaling": "dynamic, written out (x2 per 2000 finite steps, /2 and skip on inf/NaN)"
            if scaled
            else "none (bf16 has float32's range)",
            "weights": "float32",
            "loss": "float32",
        }
        notes["compute_dtypes"] = {"every layer": jnp.dtype(NARROW[mixed]).name, "softmax, loss": "float32"}
        return Trainer(self.timed(run_step), loss, precision, notes)

    def fitter(self, model: jm.JaxModel, x_train: jax.Array, y_train: jax.Array, lr: float, momentum: float) -> Fitter:
        """Mini-batch training with a jitted step; the batch gathered on the device from its indices."""
        optimizer = optax.sgd(lr, momentum=momentum)
        held = {"state": optimizer.init(model.params)}

        @jax.jit  # one compile: every batch has the same size (full batches only)
        def step(params: Any, state: Any, idx: jax.Array) -> tuple[Any, Any, jax.Array, jax.Array]:
            xb, yb = x_train[idx], y_train[idx]

            def loss_fn(p: Any) -> tuple[jax.Array, jax.Array]:
                logits = apply(model.module, p, xb)
                return xent(logits, yb), logits

            (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
            updates, state = optimizer.update(grads, state, params)
            correct = jnp.sum(jnp.argmax(logits, axis=1) == yb)
            return optax.apply_updates(params, updates), state, loss * idx.shape[0], correct

        @jax.jit
        def scores(params: Any, x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
            logits = apply(model.module, params, x)
            return xent(logits, y), jnp.mean(jnp.argmax(logits, axis=1) == y)

        def evaluate(x: jax.Array, y: jax.Array) -> tuple[float, float]:
            loss, accuracy = scores(model.params, x, y)
            return float(loss), float(accuracy)

        def epoch(batches: list[np.ndarray]) -> EpochResult:
            loss_sum, correct = jnp.float32(0.0), jnp.int32(0)
            jax.block_until_ready(model.params)
            start = time.perf_counter()
            for idx in batches:
                model.params, held["state"], step_loss, step_correct = step(
                    model.params, held["state"], jax.device_put(idx, self.jax_device)
                )
                loss_sum, correct = loss_sum + step_loss, correct + step_correct  # no host read per step
            jax.block_until_ready((model.params, loss_sum, correct))
            seconds = time.perf_counter() - start
            return EpochResult(float(loss_sum), int(correct), seconds)

        return Fitter(epoch, evaluate)

    def export(self, model: jm.JaxModel, x: jax.Array, folder: Path) -> Path:
        artifact = folder / "practice_cnn.jax_exported"
        try:
            params = model.params

            def serve(images: jax.Array) -> jax.Array:
                return apply(model.module, params, images)  # the trained weights become constants

            # A symbolic batch dimension: the artifact serves any batch size, as a deployed model must.
            (batch,) = jax.export.symbolic_shape("batch")
            spec = jax.ShapeDtypeStruct((batch, *x.shape[1:]), x.dtype)
            exported = jax.export.export(jax.jit(serve))(spec)
            artifact.write_bytes(exported.serialize())
        except Exception as exc:
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            reason = f"{type(exc).__name__}: {text}"
            raise RuntimeError(f"export failed: jax.export could not serialize the CNN: {reason}") from exc
        return artifact
