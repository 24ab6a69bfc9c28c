"""What each import, package and container image says about a project: the tables behind the scan.

A signal is a short key: `fw:torch`, `fw:tf`, `fw:keras` (a framework), `tf1`, `tf2`, `keras3` (a kind
of TensorFlow code), `src:<model_sources choice>`, `serve:<serving_stack choice>`, `deploy:<hint>`,
`web` (a web framework), `keras_backend` (a KERAS_BACKEND setting) and `lib:<library id>` for the
libraries of rules/libraries.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fwadvisor.advisor.model import Library
from fwadvisor.scan.requirements import Requirement, major_bounds, normalise

TORCH, TF, KERAS = "fw:torch", "fw:tf", "fw:keras"
TF1, TF2, KERAS3 = "tf1", "tf2", "keras3"
WEB, KERAS_BACKEND = "web", "keras_backend"
MOBILE, IOS, BROWSER, EXECUTORCH = "deploy:mobile", "deploy:ios", "deploy:browser", "deploy:executorch"

# Module (or dotted prefix) -> signals. A module matches every prefix of its dotted name that is listed.
MODULES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("torch", "torchaudio", "torchtext", "lightning", "pytorch_lightning"), (TORCH,)),
    "torchvision": (TORCH, "src:torchvision_timm"),
    "timm": ("src:torchvision_timm",),
    "tensorflow": (TF,),
    "tf_keras": (TF,),
    "tensorflow.compat.v1": (TF1,),
    "tensorflow.contrib": (TF1,),
    "tensorflow.estimator": (TF1,),
    "tensorflow.lite": (MOBILE,),
    "keras": (KERAS,),
    "keras.ops": (KERAS3,),
    "keras.config": (KERAS3,),
    "keras_hub": (KERAS3, "src:keras_hub"),  # KerasHub requires Keras 3
    "keras_nlp": ("src:keras_hub",),
    "keras_cv": ("src:keras_hub",),
    **dict.fromkeys(
        ("transformers", "diffusers", "huggingface_hub", "datasets", "sentence_transformers"), ("src:huggingface",)
    ),
    "tensorflow_hub": ("src:kaggle_tfhub",),
    "kagglehub": ("src:kaggle_tfhub",),
    "tensorflow_serving": ("serve:tf_serving",),
    "tritonclient": ("serve:triton",),
    "triton_python_backend_utils": ("serve:triton",),  # a Triton Python-backend model.py
    "vllm": ("serve:vllm_or_sglang",),
    "sglang": ("serve:vllm_or_sglang",),
    "onnxruntime": ("serve:onnx_runtime",),
    "ray.serve": ("serve:kserve_or_ray",),
    "kserve": ("serve:kserve_or_ray",),
    "ts.torch_handler": ("serve:torchserve",),  # a TorchServe handler
    **dict.fromkeys(("tflite_runtime", "ai_edge_litert", "litert_torch", "ai_edge_torch"), (MOBILE,)),
    "coremltools": (IOS,),
    "tensorflowjs": (BROWSER,),
    "executorch": (EXECUTORCH,),
    **dict.fromkeys(("fastapi", "flask", "starlette", "litserve"), (WEB,)),
}

# Normalised distribution name -> signals.
PACKAGES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("torch", "torchaudio", "torchtext", "lightning", "pytorch-lightning"), (TORCH,)),
    "torchvision": (TORCH, "src:torchvision_timm"),
    "timm": ("src:torchvision_timm",),
    **dict.fromkeys(
        ("tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel", "tf-nightly"), (TF,)
    ),
    "tf-keras": (TF,),
    "keras": (KERAS,),
    "keras-hub": (KERAS3, "src:keras_hub"),
    "keras-hub-nightly": (KERAS3, "src:keras_hub"),
    "keras-nlp": ("src:keras_hub",),
    "keras-cv": ("src:keras_hub",),
    **dict.fromkeys(
        ("transformers", "diffusers", "huggingface-hub", "datasets", "sentence-transformers"), ("src:huggingface",)
    ),
    "tensorflow-hub": ("src:kaggle_tfhub",),
    "kagglehub": ("src:kaggle_tfhub",),
    "tensorflow-serving-api": ("serve:tf_serving",),
    "tensorflow-serving-api-gpu": ("serve:tf_serving",),
    "tritonclient": ("serve:triton",),
    "vllm": ("serve:vllm_or_sglang",),
    "sglang": ("serve:vllm_or_sglang",),
    "onnxruntime": ("serve:onnx_runtime",),
    "onnxruntime-gpu": ("serve:onnx_runtime",),
    "kserve": ("serve:kserve_or_ray",),
    **dict.fromkeys(("torchserve", "torch-model-archiver", "torch-workflow-archiver"), ("serve:torchserve",)),
    **dict.fromkeys(("tflite-runtime", "ai-edge-litert", "litert-torch", "ai-edge-torch"), (MOBILE,)),
    "coremltools": (IOS,),
    "tensorflowjs": (BROWSER,),
    "executorch": (EXECUTORCH,),
    **dict.fromkeys(("fastapi", "flask", "starlette", "litserve"), (WEB,)),
}
TF_PACKAGES = {name for name, keys in PACKAGES.items() if TF in keys and name != "tf-keras"}

# Container images (FROM lines, compose `image:`): a pattern on the image name -> signals.
IMAGES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"(^|/)tensorflow/serving$"), ("serve:tf_serving",)),
    (re.compile(r"tritonserver$"), ("serve:triton",)),
    (re.compile(r"(^|/)pytorch/torchserve$"), ("serve:torchserve",)),
    (re.compile(r"(^|/)(vllm/vllm-openai|lmsysorg/sglang)$"), ("serve:vllm_or_sglang",)),
    (re.compile(r"(^|/)tensorflow/tensorflow$"), (TF,)),
    (re.compile(r"(^|/)(pytorch/pytorch|nvidia/pytorch)$"), (TORCH,)),
]

# Attributes of `tensorflow` that exist only in TensorFlow 1.x (TF2 has them under tf.compat.v1 only).
TF1_ATTRIBUTES = frozenset(
    {
        "Session",
        "InteractiveSession",
        "placeholder",
        "placeholder_with_default",
        "get_variable",
        "variable_scope",
        "contrib",
        "estimator",
        "ConfigProto",
        "GPUOptions",
        "global_variables_initializer",
        "local_variables_initializer",
        "tables_initializer",
        "trainable_variables",
        "global_variables",
        "get_default_graph",
        "reset_default_graph",
        "disable_v2_behavior",
        "set_random_seed",
        "gfile",
        "logging",
        "app",
        "flags",
        "layers",
        "to_float",
        "to_int32",
        "log",
        "random_normal",
        "truncated_normal",
        "multinomial",
        "Print",
        "assign",
        "make_template",
        "AUTO_REUSE",
        "python_io",
    }
)
TF1_TRAIN = frozenset(
    {
        "Saver",
        "AdamOptimizer",
        "GradientDescentOptimizer",
        "MomentumOptimizer",
        "RMSPropOptimizer",
        "AdagradOptimizer",
        "Optimizer",
        "get_or_create_global_step",
        "get_global_step",
        "MonitoredTrainingSession",
    }
)
TF2_ATTRIBUTES = frozenset({"function", "keras", "data", "GradientTape", "Module"})


def attribute_signals(dotted: str) -> tuple[str, ...]:
    """Signals of a resolved attribute chain such as `tensorflow.compat.v1.Session` or `keras.ops.sum`."""
    parts = dotted.split(".")
    head = parts[0]
    if head == "tensorflow" and len(parts) > 1:
        second = parts[1]
        if second == "compat" and len(parts) > 2 and parts[2] == "v1":
            return (TF1,)
        if second in TF1_ATTRIBUTES:
            return (TF1,)
        if second == "train" and len(parts) > 2 and parts[2] in TF1_TRAIN:
            return (TF1,)
        if second == "summary" and len(parts) > 2 and parts[2] in ("FileWriter", "merge_all"):
            return (TF1,)
        if second == "nn" and len(parts) > 2 and parts[2] == "rnn_cell":
            return (TF1,)
        if second == "lite" or "TFLiteConverter" in parts:
            return (MOBILE,)
        if second in TF2_ATTRIBUTES:
            return (TF2,)
        return ()
    if head == "keras" and len(parts) > 1 and parts[1] in ("ops", "config"):
        return (KERAS3,)
    return ()


def image_signals(image: str) -> tuple[tuple[str, ...], Requirement | None]:
    """(signals, the framework release it pins) of a container image reference such as
    `tensorflow/tensorflow:1.12.0-gpu-py3`."""
    name, _, tag = image.partition("@")[0].partition(":")
    name = name.lower()
    for pattern, keys in IMAGES:
        if pattern.search(name):
            pinned = None
            version = re.match(r"\d+(\.\d+)*", tag)
            if version and keys == (TF,):
                pinned = Requirement("tensorflow", spec=f"=={version.group()}")
            if version and keys == (TORCH,):
                pinned = Requirement("torch", spec=f"=={version.group()}")
            return keys, pinned
    return (), None


class Matcher:
    """Maps module names and distribution names to signals, with the knowledge base's libraries."""

    def __init__(self, libraries: Sequence[Library]):
        self.library_modules: dict[str, str] = {}
        self.library_packages: dict[str, str] = {}
        for library in libraries:
            for module in library.imports:
                self.library_modules.setdefault(module, library.id)
            for package in library.packages:
                self.library_packages.setdefault(normalise(package), library.id)
        self._cache: dict[str, tuple[str, ...]] = {}

    def module(self, dotted: str) -> tuple[str, ...]:
        """Signals of an imported module (`ray.rllib.algorithms` matches a library listing `ray.rllib`)."""
        found = self._cache.get(dotted)
        if found is not None:
            return found
        keys: list[str] = []
        library = None
        name = dotted
        while True:
            keys.extend(MODULES.get(name, ()))
            if library is None:
                library = self.library_modules.get(name)
            cut = name.rfind(".")
            if cut < 0:
                break
            name = name[:cut]
        if library is not None:
            keys.append("lib:" + library)
        result = tuple(dict.fromkeys(keys))
        if len(self._cache) < 100_000:
            self._cache[dotted] = result
        return result

    def package(self, requirement: Requirement) -> tuple[str, ...]:
        keys = list(PACKAGES.get(requirement.name, ()))
        if requirement.name == "ray" and "serve" in requirement.extras:
            keys.append("serve:kserve_or_ray")
        lowest, highest = major_bounds(requirement.spec) if requirement.spec else (None, None)
        if requirement.name in TF_PACKAGES and highest is not None and highest <= 1:
            keys.append(TF1)
        if requirement.name == "keras" and lowest is not None and lowest >= 3:
            keys.append(KERAS3)
        library = self.library_packages.get(requirement.name)
        if library is not None:
            keys.append("lib:" + library)
        return tuple(dict.fromkeys(keys))
