"""From what the files say to answers: the signals of every file are gathered here, then each answer
is inferred with its evidence and a one-sentence reason, and checked against rules/questions.yaml.

The rules, in order of the questions:

- existing_codebase (one). Files are counted, not lines: a file importing TensorFlow, tf_keras, Keras
  or KerasHub is on the TensorFlow side, a file importing torch (torchvision, Lightning ...) on the
  PyTorch side; in a Keras 3 project a file importing both Keras and torch is Keras code on its torch
  backend, not PyTorch code. Then the first rule that holds wins:
  1. both: each side is in at least 10% of the files importing either;
  2. pytorch: the PyTorch side has more files;
  3. tensorflow_v1: TF1 idioms (Sessions, placeholders, tf.compat.v1, tf.contrib, tf.estimator,
     variable scopes ...) in at least a quarter of the TensorFlow-side files, or a TensorFlow 1.x
     release pinned (a dependency or a tensorflow/tensorflow:1.x image);
  4. tensorflow_keras3: a Keras 3 signal (keras>=3 declared, keras.ops or keras.config used, KerasHub
     imported, or KERAS_BACKEND set in code, a Dockerfile, a compose or .env file while Keras is
     imported) and at least half of the TensorFlow-side files import Keras itself (not tf.keras);
  5. tensorflow: TF2 code.
  With no framework imported anywhere, the declared dependencies decide the same way.
- model_sources (many): Hugging Face libraries -> huggingface; tensorflow_hub, kagglehub ->
  kaggle_tfhub; torchvision, timm -> torchvision_timm; KerasHub, KerasNLP, KerasCV -> keras_hub.
  own_models is never inferred (no file says a model is trained from scratch).
- serving_stack (one): the serving software with the most evidence (ties: the order of the
  questionnaire's choices). ONNX Runtime counts as serving only beside a web app, another serving
  stack or in a container file: on its own it is often a desktop or test runtime.
- deploy_targets (many), hints only: TensorFlow Lite / LiteRT -> android, edge_device; Core ML ->
  ios; TensorFlow.js -> browser; ExecuTorch -> android, ios, edge_device; a web app (FastAPI, Flask,
  Starlette, LitServe) in a project with model code, or a serving stack -> cloud_server.
- domains (many), hints from the categories of the key libraries (see DOMAIN_OF_CATEGORY).
- code_users (one): outside_users when the project is packaged (a PEP 621 name with a
  [build-system], a Poetry name unless package-mode is false, a setup.cfg or setup() name, or entry
  points) at the top of the folder or one level down; own_team and learners are never inferred.
- key_libraries (many): the knowledge-base libraries that are central, i.e. declared and imported,
  or imported by at least 5% of the Python files.
"""

from __future__ import annotations

from collections.abc import Callable

from fwadvisor.advisor.model import AnswerValue, Question
from fwadvisor.scan.collector import (
    CENTRAL_SHARE,
    KERAS_LIKE,
    MAX_EVIDENCE,
    SIGNAL_BITS,
    TF_SIDE,
    Collector,
    Signals,
    spread,
    unique,
)
from fwadvisor.scan.model import Evidence, InferredAnswer, LibraryUse, ScanResult
from fwadvisor.scan.signals import (
    BROWSER,
    EXECUTORCH,
    IOS,
    KERAS,
    KERAS3,
    KERAS_BACKEND,
    MOBILE,
    TF,
    TF1,
    TF2,
    TORCH,
    WEB,
)

BOTH_SHARE = 0.10  # each framework in at least this share of the files importing either -> both
TF1_SHARE = 0.25  # TF1 idioms in at least this share of the TensorFlow files -> tensorflow_v1
KERAS3_SHARE = 0.5  # Keras imported by at least this share of the TensorFlow files -> Keras 3
MAX_NOTES_EACH = 10

# A library category of rules/libraries.yaml -> the domains choice it hints at. Categories that are
# not a kind of data (serving, edge, training, probabilistic) hint at none.
DOMAIN_OF_CATEGORY = {
    "llm": "llm",
    "nlp": "nlp",
    "vision": "vision",
    "detection": "vision",
    "ocr": "vision",
    "medical_imaging": "vision",
    "speech_audio": "speech_audio",
    "diffusion": "generative_media",
    "tabular": "tabular",
    "reinforcement_learning": "reinforcement_learning",
    "recommender": "recommender",
    "time_series": "time_series",
    "scientific": "scientific",
    "quantum": "scientific",
    "graphs": "graphs",
}
SOURCE_NAMES = {
    "huggingface": "Hugging Face libraries",
    "kaggle_tfhub": "TF Hub / Kaggle Models",
    "torchvision_timm": "torchvision / timm",
    "keras_hub": "KerasHub / KerasNLP / KerasCV",
}
SERVING_NAMES = {
    "tf_serving": "TensorFlow Serving",
    "triton": "NVIDIA Triton",
    "kserve_or_ray": "KServe / Ray Serve",
    "vllm_or_sglang": "vLLM / SGLang",
    "onnx_runtime": "ONNX Runtime",
    "torchserve": "TorchServe",
}


def scan_result(
    collector: Collector, root: str, *, files_read: int, skipped_binary: int, skipped_large: int, stopped: bool
) -> ScanResult:
    """The answers the gathered signals give, checked against rules/questions.yaml, and the scan's notes."""
    view = _Answers(collector)
    libraries = view.library_uses()
    central = [use for use in libraries if view.is_central(use)]
    builders: list[Callable[[], InferredAnswer | None]] = [
        view.existing_codebase,
        view.model_sources,
        view.serving_stack,
        lambda: view.deploy_targets(),
        lambda: view.domains(central),
        view.code_users,
        lambda: view.key_libraries(central),
    ]
    found: dict[str, InferredAnswer] = {}
    for build in builders:
        answer = build()
        if answer is not None:
            found[answer.question] = answer
    answers = checked_answers(collector, found)
    notes = list(collector.notes) + collector.unparsed[:MAX_NOTES_EACH]
    if len(collector.unparsed) > MAX_NOTES_EACH:
        notes.append(f"... and {len(collector.unparsed) - MAX_NOTES_EACH} more files that are not valid Python 3")
    return ScanResult(
        root=root,
        answers=answers,
        libraries=libraries,
        python_files=collector.python_files,
        files_read=files_read,
        skipped_binary=skipped_binary,
        skipped_large=skipped_large,
        stopped_at_limit=stopped,
        notes=notes,
    )


def checked_answers(collector: Collector, found: dict[str, InferredAnswer]) -> dict[str, InferredAnswer]:
    """Only answers rules/questions.yaml accepts, alone and together, in questionnaire order."""
    from fwadvisor.advisor.questionnaire import check_answer, sense_problems

    by_id = collector.questionnaire.by_id()
    answers: dict[str, InferredAnswer] = {}
    for question in collector.questionnaire.questions:
        answer = found.get(question.id)
        if answer is None:
            continue
        problem = check_answer(question, answer.value)
        if problem:
            collector.notes.append(f"an inferred answer was left out: {problem}")
            continue
        answers[question.id] = answer
    while True:
        values: dict[str, AnswerValue] = {qid: a.value for qid, a in answers.items()}
        problems = [qid for qid, _ in sense_problems(values, collector.questionnaire) if qid in by_id]
        if not problems:
            return answers
        for qid in problems:
            answers.pop(qid, None)


class _Answers(Signals):
    """The answers the signals give, one method per question."""

    def existing_codebase(self) -> InferredAnswer | None:
        bits = self.c.file_bits
        keras3 = self._keras3_signals()
        keras3_project = bool(keras3)
        tf_side = sum(1 for b in bits if b & TF_SIDE)
        keras_like = sum(1 for b in bits if b & KERAS_LIKE)
        torch_side = sum(1 for b in bits if b & SIGNAL_BITS[TORCH] and not (keras3_project and b & KERAS_LIKE))
        either = sum(1 for b in bits if b & (TF_SIDE | SIGNAL_BITS[TORCH]))
        tf1_files = sum(1 for b in bits if b & SIGNAL_BITS[TF1])
        tf1_declared = self.declared(TF1)
        if not either:
            return self._codebase_from_declarations(keras3)
        least = max(1.0, BOTH_SHARE * either)
        if tf_side >= least and torch_side >= least:
            evidence = (self.evidence(TF, 2) or self.evidence(KERAS, 2)) + self.evidence(TORCH, 2)
            why = (
                f"TensorFlow/Keras is imported in {tf_side} and PyTorch in {torch_side} of the {either} files "
                f"importing a framework: each is at least {BOTH_SHARE:.0%} of them, so the code is both."
            )
            return InferredAnswer("existing_codebase", "both", evidence, why)
        if torch_side > tf_side:
            minor = f"; TensorFlow/Keras in only {tf_side} (under {BOTH_SHARE:.0%})" if tf_side else ""
            why = f"PyTorch is imported in {torch_side} of the {either} files importing a framework{minor}."
            return InferredAnswer("existing_codebase", "pytorch", self.evidence(TORCH), why)
        if (tf1_files and tf1_files >= TF1_SHARE * tf_side) or tf1_declared:
            parts = []
            if tf1_files:
                parts.append(
                    f"TF1-style code (Sessions, placeholders, variable scopes, tf.compat.v1 or tf.contrib) is in "
                    f"{tf1_files} of the {tf_side} TensorFlow files"
                )
            if tf1_declared:
                parts.append("a TensorFlow 1.x release is pinned")
            why = (
                " and ".join(parts)[:1].upper() + " and ".join(parts)[1:] + " (TF1 wins at a quarter of the files "
                "or a 1.x pin)."
            )
            evidence = (tf1_declared[:1] + self.code_evidence(TF1))[:MAX_EVIDENCE]
            return InferredAnswer("existing_codebase", "tensorflow_v1", evidence, why)
        if keras3 and keras_like >= KERAS3_SHARE * tf_side:
            why = (
                f"Keras 3 signals ({', '.join(keras3)}) and {keras_like} of the {tf_side} TensorFlow/Keras files "
                f"import Keras itself (Keras 3 wins when at least half do)."
            )
            evidence = self.declared(KERAS3)[:1] + self.code_evidence(KERAS3) + self.evidence(KERAS_BACKEND, 1)
            return InferredAnswer("existing_codebase", "tensorflow_keras3", evidence[:MAX_EVIDENCE], why)
        tf2 = self.files(TF2)
        idioms = f", {tf2} of them with TF2 idioms (tf.function, tf.keras, tf.data)" if tf2 else ""
        why = (
            f"TensorFlow/Keras is imported in {tf_side} of the {either} files importing a framework{idioms}; "
            "TF1 idioms are in under a quarter of them and nothing says Keras 3."
        )
        evidence = (self.code_evidence(TF2)[:2] + self.evidence(TF) + self.evidence(KERAS))[:MAX_EVIDENCE]
        return InferredAnswer("existing_codebase", "tensorflow", unique(evidence), why)

    def _keras3_signals(self) -> list[str]:
        found = []
        if self.declared(KERAS3):
            found.append("Keras 3 or KerasHub declared")
        if self.files(KERAS3):
            count = self.files(KERAS3)
            found.append(f"keras.ops, keras.config or KerasHub in {count} file{'s' if count != 1 else ''}")
        if self.present(KERAS_BACKEND) and self.files(KERAS):
            found.append("KERAS_BACKEND set")
        return found

    def _codebase_from_declarations(self, keras3: list[str]) -> InferredAnswer | None:
        torch = self.declared(TORCH)
        tf = self.declared(TF) + self.declared(KERAS) + self.declared(KERAS3)
        if not torch and not tf:
            return None
        start = "No Python file imports a framework, but the dependencies declare "
        if torch and tf:
            value, why = "both", start + "both TensorFlow/Keras and PyTorch."
        elif torch:
            value, why = "pytorch", start + "PyTorch."
        elif self.declared(TF1):
            value, why = "tensorflow_v1", start + "a TensorFlow 1.x release."
        elif self.declared(KERAS3):
            value, why = "tensorflow_keras3", start + "Keras 3."
        else:
            value, why = "tensorflow", start + "TensorFlow."
        evidence = {"both": tf[:2] + torch[:2], "pytorch": torch}.get(value, self.declared(TF1) + tf)
        return InferredAnswer("existing_codebase", value, unique(evidence)[:MAX_EVIDENCE], why)

    def model_sources(self) -> InferredAnswer | None:
        chosen, evidence, reasons = [], [], []
        for choice in self.choices["model_sources"].choices:
            key = "src:" + choice
            if not self.present(key):
                continue
            chosen.append(choice)
            evidence += self.evidence(key, 2)
            files = self.files(key)
            how = f"imported in {files} file{'s' if files != 1 else ''}" if files else "declared"
            reasons.append(f"{SOURCE_NAMES.get(choice, choice)} {how} ({choice})")
        if not chosen:
            return None
        why = "Model libraries found: " + "; ".join(reasons) + "."
        return InferredAnswer("model_sources", chosen, evidence[:MAX_EVIDENCE], why)

    def _serving(self) -> list[tuple[str, int]]:
        """(serving_stack choice, how much evidence) for every stack found, most evidence first."""
        found = []
        for order, choice in enumerate(self.choices["serving_stack"].choices):
            key = "serve:" + choice
            weight = self.files(key) + len(self.declared_keys.get(key, []))
            if weight:
                found.append((choice, weight, order))
        if any(choice == "onnx_runtime" for choice, _, _ in found):
            beside = self.present(WEB) or any(c != "onnx_runtime" for c, _, _ in found)
            in_container = any(
                e.file.rsplit("/", 1)[-1].lower().count("docker") for e in self.declared("serve:onnx_runtime")
            )
            if not (beside or in_container):
                found = [f for f in found if f[0] != "onnx_runtime"]
        found.sort(key=lambda f: (-f[1], f[2]))
        return [(choice, weight) for choice, weight, _ in found]

    def serving_stack(self) -> InferredAnswer | None:
        found = self._serving()
        if not found:
            return None
        choice, _ = found[0]
        key = "serve:" + choice
        files = self.files(key)
        how = f"is imported in {files} file{'s' if files != 1 else ''}" if files else "is declared or its image is used"
        others = [c for c, _ in found[1:]]
        also = f"; also found: {', '.join(others)} (the one with the most evidence is given)" if others else ""
        why = f"{SERVING_NAMES.get(choice, choice)} {how}{also}."
        return InferredAnswer("serving_stack", choice, self.evidence(key), why)

    def deploy_targets(self) -> InferredAnswer | None:
        targets: set[str] = set()
        evidence: list[Evidence] = []
        reasons: list[str] = []
        hints = [
            (MOBILE, ("android", "edge_device"), "TensorFlow Lite / LiteRT"),
            (EXECUTORCH, ("android", "ios", "edge_device"), "ExecuTorch"),
            (IOS, ("ios",), "Core ML (coremltools)"),
            (BROWSER, ("browser",), "TensorFlow.js"),
        ]
        for key, choices, name in hints:
            if self.present(key):
                targets.update(choices)
                evidence += self.evidence(key, 2)
                reasons.append(f"{name} hints at {' and '.join(choices)}")
        model_code = any(b & (TF_SIDE | SIGNAL_BITS[TORCH]) for b in self.c.file_bits) or any(
            self.present(k) for k in self._library_and_source_keys()
        )
        serving = self._serving()
        if (self.present(WEB) and model_code) or serving:
            targets.add("cloud_server")
            if serving:
                evidence += self.evidence("serve:" + serving[0][0], 1)
                reasons.append("a serving stack hints at cloud_server (on your own machines: on_prem_server)")
            else:
                evidence += self.evidence(WEB, 2)
                reasons.append(
                    "a web app beside model code hints at cloud_server (on your own machines: on_prem_server)"
                )
        if not targets:
            return None
        ordered = [choice for choice in self.choices["deploy_targets"].choices if choice in targets]
        why = "Hints only: " + "; ".join(reasons) + "."
        return InferredAnswer("deploy_targets", ordered, unique(evidence)[:MAX_EVIDENCE], why)

    def _library_and_source_keys(self) -> list[str]:
        keys = ["lib:" + i for i in self.c.libraries] + ["src:" + c for c in SOURCE_NAMES]
        return keys + ["serve:" + c for c in SERVING_NAMES]

    def domains(self, central: list[LibraryUse]) -> InferredAnswer | None:
        found: dict[str, list[str]] = {}
        evidence: list[Evidence] = []
        for use in central:
            category = self.c.libraries[use.id].category
            domain = DOMAIN_OF_CATEGORY.get(category)
            if domain is None:
                continue
            found.setdefault(domain, []).append(f"{use.id} ({category})")
            evidence += use.evidence[:1]
        if not found:
            return None
        ordered = [choice for choice in self.choices["domains"].choices if choice in found]
        parts = [f"{', '.join(found[d])} -> {d}" for d in ordered]
        why = "A hint from the categories of the key libraries: " + "; ".join(parts) + "."
        return InferredAnswer("domains", ordered, unique(evidence)[:MAX_EVIDENCE], why)

    def code_users(self) -> InferredAnswer | None:
        if not self.c.published:
            return None
        what = sorted({w for w, _ in self.c.published}, key=lambda w: (w != "entry points", w))
        evidence = spread([e for _, e in self.c.published])
        why = (
            f"The project is packaged for others to install ({', '.join(what)}); a team that only runs it "
            "itself would answer own_team."
        )
        return InferredAnswer("code_users", "outside_users", evidence[:MAX_EVIDENCE], why)

    def key_libraries(self, central: list[LibraryUse]) -> InferredAnswer | None:
        question: Question = self.choices["key_libraries"]
        chosen = [use for use in central if use.id in question.choices]
        if not chosen:
            return None
        parts = []
        for use in chosen:
            how = f"{use.files} of {self.c.python_files} Python files ({use.share:.0%})"
            parts.append(f"{use.id}: {how}{', declared' if use.declared else ''}")
        why = (
            "Central knowledge-base libraries (declared and imported, or imported by at least "
            f"{CENTRAL_SHARE:.0%} of the Python files): " + "; ".join(parts) + "."
        )
        evidence = [e for use in chosen for e in use.evidence[:2]]
        return InferredAnswer("key_libraries", [u.id for u in chosen], evidence[:MAX_EVIDENCE], why)
