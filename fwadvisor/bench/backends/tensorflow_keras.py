"""The Keras that TensorFlow's adapter and its parts build models with: tf.keras, refused when it runs
on another backend (KERAS_BACKEND=jax would time a different framework under TensorFlow's name)."""

from __future__ import annotations

from typing import Any

import tensorflow as tf


def keras() -> Any:
    keras = tf.keras
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"Keras runs on {keras.backend.backend()}, not TensorFlow: unset KERAS_BACKEND")
    return keras
