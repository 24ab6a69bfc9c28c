"""Files that say where and how the project runs, read as data (never run): Dockerfiles (base images,
`pip install` in RUN), compose files (images), .env files (KERAS_BACKEND) and package.json
(TensorFlow.js in a browser). Each reader returns a depfiles.DepFacts, as the packaging readers do."""

from __future__ import annotations

import json
import re

from fwadvisor.scan.depfiles import Declared, DepFacts, Lines, table_at
from fwadvisor.scan.model import Evidence
from fwadvisor.scan.requirements import pip_arguments
from fwadvisor.scan.signals import BROWSER, KERAS_BACKEND, image_signals

# ---------------------------------------------------------------- Dockerfiles, compose files, .env files

_INSTALL = re.compile(
    r"(?:^|[\s;&|(])(?:\S*/)?(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|(?P<conda>conda|mamba|micromamba))"
    r"\s+install\s+"
)
_KERAS_BACKEND_SETTING = re.compile(r"\bKERAS_BACKEND\b\s*[=:\s]\s*[\"']?(jax|tensorflow|torch|numpy|openvino)\b")


def read_dockerfile(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    lines = Lines(rel, text)
    logical: list[tuple[int, str]] = []  # (first line, joined text)
    parts: list[str] = []
    starts: list[int] = []  # offset in the joined text -> physical line
    first = 0
    for number, raw in enumerate(lines.lines, start=1):
        stripped = raw.strip()
        if parts and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not parts:
            first = number
        starts.append(number)
        continued = stripped.endswith("\\")
        parts.append(stripped[:-1] if continued else stripped)
        if not continued:
            logical.append((first, "\n".join(parts)))
            parts = []
    if parts:
        logical.append((first, "\n".join(parts)))
    for first, instruction in logical:
        word, _, rest = instruction.partition(" ")
        word = word.upper()
        if word == "FROM":
            image = next((w for w in rest.split() if not w.startswith("--")), "")
            _image(facts, image, lines.evidence(first))
        elif word == "RUN":
            _installs(facts, instruction, first, lines)
        elif word in ("ENV", "ARG") and (setting := _KERAS_BACKEND_SETTING.search(instruction)):
            offset = instruction[: setting.start()].count("\n")
            facts.signals.append((KERAS_BACKEND, lines.evidence(first + offset)))
    return facts


def _image(facts: DepFacts, image: str, evidence: Evidence) -> None:
    keys, pinned = image_signals(image)
    facts.signals += [(key, evidence) for key in keys]
    if pinned is not None:
        facts.declared.append(Declared(pinned, evidence))


def _installs(facts: DepFacts, instruction: str, first: int, lines: Lines) -> None:
    """The packages of every `pip install` (and `conda install`) in a RUN instruction."""
    for found in _INSTALL.finditer(instruction):
        tail = instruction[found.end() :]
        cursor = 0
        for word, requirement in pip_arguments(tail.replace("\n", " "), conda=bool(found.group("conda"))):
            at = tail.find(word, cursor)
            cursor = at + len(word) if at >= 0 else cursor
            line = first + instruction[: found.end() + max(at, 0)].count("\n")
            if requirement is not None:
                facts.declared.append(Declared(requirement, lines.evidence(line)))


_COMPOSE_IMAGE = re.compile(r"^\s*image\s*:\s*[\"']?([^\s\"'#]+)")


def read_compose(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    lines = Lines(rel, text)
    for number, line in enumerate(lines.lines, start=1):
        found = _COMPOSE_IMAGE.match(line)
        if found:
            _image(facts, found.group(1), lines.evidence(number))
        elif _KERAS_BACKEND_SETTING.search(line):
            facts.signals.append((KERAS_BACKEND, lines.evidence(number)))
    return facts


def read_env_file(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    lines = Lines(rel, text)
    for number, line in enumerate(lines.lines, start=1):
        if not line.lstrip().startswith("#") and _KERAS_BACKEND_SETTING.search(line):
            facts.signals.append((KERAS_BACKEND, lines.evidence(number)))
    return facts


# ---------------------------------------------------------------- package.json (TensorFlow.js)


def read_package_json(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        facts.problem = f"not valid JSON ({type(exc).__name__})"
        return facts
    if not isinstance(data, dict):
        return facts
    lines = Lines(rel, text)
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        for name in table_at(data, section):
            # @tensorflow/tfjs-node runs in Node.js on a server, not in the browser
            if str(name).startswith("@tensorflow/tfjs") and not str(name).startswith("@tensorflow/tfjs-node"):
                facts.signals.append((BROWSER, lines.evidence(lines.find([f'"{name}"']))))
    return facts
