"""The practice suite's data: scikit-learn's handwritten digits, one split, one shuffle order and one
set of initial weights, handed as NumPy arrays to every framework; and the checks that training worked.

Pure NumPy (scikit-learn only inside digits_split, in the worker); the recipes in practice.py use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fwadvisor.bench.reference import Check, check_close, cnn_weights, lstm_weights

PRACTICE_CLASSES = 10
PRACTICE_SIDE = 8  # the digits are 8x8 images; the LSTM reads them as 8 steps of 8 pixels
# SGD with momentum, not Adam: the two frameworks' Adam differ in where epsilon goes (Keras adds it to
# sqrt(v) before bias correction, default 1e-7; torch adds it after, default 1e-8), while
# SGD+momentum is the same update in both (torch: b = mu*b + g, p -= lr*b; Keras: m = mu*m - lr*g,
# p += m; equal for a constant learning rate).
PRACTICE_LR = 0.05
PRACTICE_MOMENTUM = 0.9
PRACTICE_OPTIMIZER = f"SGD lr {PRACTICE_LR} momentum {PRACTICE_MOMENTUM} (the same update rule in both)"
PRACTICE_INIT = "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases"
# Used when export_roundtrip runs without practice_cnn before it (and as fallbacks for direct calls).
PRACTICE_CNN_DEFAULTS: dict[str, int] = {"epochs": 15, "batch": 64, "test_percent": 25, "seed": 7}
PRACTICE_RNN_DEFAULTS: dict[str, int] = {"epochs": 20, "batch": 64, "hidden": 64, "test_percent": 25, "seed": 7}


@dataclass(frozen=True)
class DigitsSplit:
    """scikit-learn's 1,797 8x8 digits, pixels scaled to [0, 1], NHWC (N, 8, 8, 1) float32."""

    x_train: np.ndarray
    y_train: np.ndarray  # int64 class ids
    x_test: np.ndarray
    y_test: np.ndarray

    def summary(self) -> dict[str, int]:
        return {"train": len(self.y_train), "test": len(self.y_test), "classes": len(np.unique(self.y_train))}


_DIGITS_CACHE: dict[tuple[int, int], DigitsSplit] = {}


def digits_split(test_percent: int, seed: int) -> DigitsSplit:
    """A seeded, stratified train/test split of the digits (the same arrays for both frameworks).

    scikit-learn is imported here, inside the worker: the data ship with it, nothing is downloaded.
    """
    key = (int(test_percent), int(seed))
    if key not in _DIGITS_CACHE:
        if not 0 < test_percent < 100:
            raise ValueError(f"test_percent must be between 1 and 99, not {test_percent}")
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        images = (digits.images / 16.0).astype(np.float32)[..., None]  # pixel values are 0..16
        labels = digits.target.astype(np.int64)
        x_train, x_test, y_train, y_test = train_test_split(
            images, labels, test_size=test_percent / 100.0, random_state=seed, stratify=labels
        )
        _DIGITS_CACHE[key] = DigitsSplit(np.ascontiguousarray(x_train), y_train, np.ascontiguousarray(x_test), y_test)
    return _DIGITS_CACHE[key]


def epoch_order(n: int, epoch: int, seed: int) -> np.ndarray:
    """The shuffled sample order of one epoch (1-based), seeded, the same in both frameworks."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def full_batches(order: np.ndarray, batch: int) -> list[np.ndarray]:
    """Index arrays of consecutive full batches; a last partial batch is dropped.

    Dropping it keeps every step the same size (a 3-image step at the same learning rate is mostly noise,
    and one batch shape means one tf.function trace); the order changes every epoch, so every image is
    still seen. A set smaller than one batch is a single step.
    """
    steps = [order[i : i + batch] for i in range(0, len(order) - batch + 1, batch)]
    return steps or [order]


def practice_settings(benchmark: str, params: Mapping[str, int | str]) -> dict[str, int]:
    """The practice case's integer settings, defaults filled in for direct calls."""
    defaults = PRACTICE_RNN_DEFAULTS if benchmark == "practice_rnn" else PRACTICE_CNN_DEFAULTS
    settings = {key: int(params.get(key, value)) for key, value in defaults.items()}
    for key, value in settings.items():
        if value <= 0:
            raise ValueError(f"{benchmark}: {key} must be a positive integer, not {value}")
    return settings


def export_inputs(split: DigitsSplit, rows: int) -> np.ndarray:
    """`rows` test images (NHWC), repeating the test set if more rows are asked than it has."""
    return np.ascontiguousarray(split.x_test[np.arange(rows) % len(split.x_test)])


def practice_cnn_weights(seed: int) -> dict[str, np.ndarray]:
    return cnn_weights(1, PRACTICE_SIDE, PRACTICE_CLASSES, seed)


def practice_lstm_weights(hidden: int, seed: int) -> dict[str, np.ndarray]:
    return lstm_weights(PRACTICE_SIDE, hidden, PRACTICE_CLASSES, seed)


def as_sequences(x_nhwc: np.ndarray) -> np.ndarray:
    """(N, 8, 8, 1) images -> (N, 8 steps, 8 features): the LSTM reads an image row by row."""
    return np.ascontiguousarray(x_nhwc[..., 0])


def practice_check(
    initial_loss: float, final_loss: float, accuracy: float, reference_loss: float, classes: int = PRACTICE_CLASSES
) -> Check:
    """Training worked: the start matches NumPy (same weights), the loss fell, accuracy beats chance."""
    start = check_close(initial_loss, reference_loss, "fp32", what="initial train loss")
    chance = 1.0 / classes
    fell = bool(np.isfinite(final_loss) and np.isfinite(initial_loss) and final_loss < initial_loss)
    above = bool(np.isfinite(accuracy) and accuracy > 2 * chance)  # twice chance: it learned something
    text = (
        f"train loss {initial_loss:.4f} -> {final_loss:.4f} ({'fell' if fell else 'did NOT fall'}); "
        f"test accuracy {accuracy:.4f} ({'above' if above else 'NOT above'} twice chance {2 * chance:.2f}); "
        f"{start.text}"
    )
    return Check(start.ok and fell and above, start.rel_error, start.limit, text)


def outputs_check(reloaded: np.ndarray, in_memory: np.ndarray, limit: float = 1e-5) -> Check:
    """A reloaded deployment artifact computes what the in-memory model computes (fp32, rel. 1e-5)."""
    return check_close(reloaded, in_memory, limit=limit, against="the in-memory model", what="reloaded outputs")
