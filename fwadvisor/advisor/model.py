"""The rule format: one model, the source of truth; `fwadvisor rules schema` exports its JSON Schema.

The same module declares the questionnaire and the guidance (next steps, outlook, misconceptions,
FAQ). Each is a frozen msgspec Struct that refuses unknown fields; fwadvisor.validation converts
parsed YAML into them with errors that name the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

import msgspec
from msgspec import Meta, field

from fwadvisor.validation import FileModel

Framework = Literal["pytorch", "tensorflow"]
Area = Literal["ecosystem", "deployment", "research", "hardware", "team", "scale", "maintenance", "performance"]
AREAS: tuple[str, ...] = get_args(Area)
FRAMEWORKS: tuple[str, ...] = get_args(Framework)
AnswerValue = str | list[str]


# A threshold or a test metric: NaN compares false with everything and would make a rule never
# (or always) fire without a word, and an infinity is no threshold; both fail these bounds.
FiniteNumber = Annotated[float, Meta(ge=-1e15, le=1e15, description="a finite number")]


class Release(FileModel, frozen=True):
    """A release a message names as the latest (or last, or newest) one of a package, as data.

    `fwadvisor facts --online` asks the package index for each record and reports the claims that a
    newer release has overtaken; `rules check` requires one for every such claim in a message.
    """

    package: Annotated[
        str,
        Meta(
            pattern=r"^(@[a-z0-9][a-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$",
            max_length=100,
            description="The package's name on its index (PyPI name, or npm name such as @tensorflow/tfjs)",
        ),
    ]
    ecosystem: Annotated[Literal["pypi", "npm"], Meta(description="The index the package is published on")]
    version: Annotated[
        str,
        Meta(
            pattern=r"^[0-9]+(\.[0-9]+)*[A-Za-z0-9.+-]*$",
            max_length=40,
            description="The version the message names as the latest (a pre-release such as 2.22.0rc0 says so)",
        ),
    ]
    date: Annotated[dt.date | None, Meta(description="When that version was released (YYYY-MM-DD), where known")] = None


class Evidence(FileModel, frozen=True):
    """A checked fact a rule rests on."""

    source: Annotated[str, Meta(min_length=5, description="URL or document the fact comes from")]
    checked: Annotated[dt.date, Meta(description="The date the fact was last checked (YYYY-MM-DD)")]
    strength: Annotated[
        Literal["H", "M", "L"],
        Meta(description="H: primary source quoted; M: secondary or indirect; L: weak"),
    ] = "H"
    fact: Annotated[str, Meta(description="The fact itself, as the source states it")] = ""
    release: Annotated[
        Release | None,
        Meta(description="The release this fact names as the latest of a package, so it can be checked online"),
    ] = None


class Condition(FileModel, frozen=True):
    """A node of a `when` tree: exactly one of all / any / not, or one leaf.

    A question leaf names `question` and exactly one test: equals, in, includes, includes_all,
    only, answered. A metric leaf names `metric` and one or more of gt, ge, lt, le (all must
    hold), or `present`. An unanswered question never matches a test other than `answered: false`;
    a metric that was not measured (or did not check out) never matches.
    """

    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = field(default=None, name="not")
    question: str | None = None
    equals: str | None = None
    in_: list[str] | None = field(default=None, name="in")
    includes: str | None = None
    includes_all: list[str] | None = None
    only: list[str] | None = None
    answered: bool | None = None
    metric: str | None = None
    gt: FiniteNumber | None = None
    ge: FiniteNumber | None = None
    lt: FiniteNumber | None = None
    le: FiniteNumber | None = None
    present: bool | None = None


QUESTION_TESTS = ("equals", "in_", "includes", "includes_all", "only", "answered")
METRIC_TESTS = ("gt", "ge", "lt", "le", "present")


class RuleTest(FileModel, frozen=True):
    """One case a rule must pass: with these answers (and metrics) the rule fires or it does not."""

    answers: dict[str, AnswerValue]
    fires: bool
    metrics: dict[str, FiniteNumber] = {}
    note: str = ""


class PlanPart(FileModel, frozen=True):
    """One part of a split plan: which framework covers what, and why."""

    framework: Framework
    covers: Annotated[str, Meta(min_length=5, description="What this part of the project is")]
    why: Annotated[str, Meta(min_length=10, description="Why this framework for this part")]


Effect = Literal["favor", "blocker", "caveat", "alternative", "plan"]
EFFECTS: tuple[str, ...] = get_args(Effect)


class Rule(FileModel, frozen=True):
    """A transparent decision rule: when the condition holds, it adds points, a blocker, a caveat,
    names an alternative path or splits the project into a plan."""

    id: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, kebab-case")]
    area: Area
    when: Condition
    effect: Annotated[
        Effect,
        Meta(
            description="favor: `weight` points for `framework`; blocker: rules `framework` out for "
            "this project; caveat: scores nothing but is always shown; alternative: names `option`, "
            "a path beside the two (JAX, Keras 3, MLX, ONNX), and `fits`, when it fits; plan: "
            "`parts`, a split of the project between the frameworks (the message says how they meet)"
        ),
    ]
    message: Annotated[str, Meta(min_length=20, description="What the fact is and why it matters")]
    evidence: Annotated[list[Evidence], Meta(min_length=1)]
    tests: Annotated[list[RuleTest], Meta(min_length=1, description="Cases that must fire and must not fire")]
    framework: Framework | None = None
    weight: Annotated[float, Meta(ge=0, le=10, description="favor only: 1-2 preference, 3-5 strong, 6-10 decisive")] = (
        0.0
    )
    title: Annotated[str, Meta(description="A short label for lists; defaults to the id")] = ""
    option: Annotated[str, Meta(description="alternative only: the other path, e.g. JAX")] = ""
    fits: Annotated[str, Meta(description="alternative only: when that path fits, in one sentence")] = ""
    parts: Annotated[list[PlanPart], Meta(description="plan only: two or more parts, each with its framework")] = []
    measured: Annotated[
        str,
        Meta(
            description="A sentence added to the message when a profile run measured every {placeholder} it "
            "names (metrics, inv_<metric>, the texts of advisor/metrics.py, device, suite), e.g. an "
            "alternative citing what it did on the user's machine; left out otherwise"
        ),
    ] = ""
    basis: Annotated[
        Literal["need", "past", "other"],
        Meta(
            description="favor only: need = a hard present need only this framework meets (a key library, a "
            "deployment target); past = existing code, skills or the serving stack run today; other = anything "
            "else. Points from the past never outvote another framework's hard present need."
        ),
    ] = "other"


class RuleFile(FileModel, frozen=True):
    """A rules file: a mapping with a top-level `rules:` list."""

    rules: list[Rule]


class Question(FileModel, frozen=True):
    """One question of the interview. `applies_when` (answers only, no metrics) says when the
    question makes sense at all; `applies_note` says so in words for the error message."""

    id: str
    kind: Literal["one", "many"]
    area: str
    prompt: str
    help: str
    choices: dict[str, str]
    max_choices: int | None = None  # many only
    exclusive: list[str] = []  # many only: choices that stand alone
    applies_when: Condition | None = None
    applies_note: str = ""
    example: str | list[str] | None = None  # the answers template's example (default: the first choice)
    # "libraries": the choices are the ids of rules/libraries.yaml (filled in when the questionnaire loads)
    choices_from: Literal["libraries"] | None = None

    def label(self, choice: str) -> str:
        """A choice's short name: its help text up to " - " (or the first full stop)."""
        text = self.choices.get(choice, choice)
        short = text.split(" - ", 1)[0] if " - " in text else text.rstrip(".")
        return short.strip() or choice


class Questionnaire(FileModel, frozen=True):
    questions: list[Question]
    priority_weights: dict[str, dict[str, FiniteNumber]] = {}

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


class NextStep(FileModel, frozen=True):
    """A place to go next for the recommended framework; `when` shows it only where it applies."""

    title: str
    url: str
    why: str
    when: Condition | None = None
    # Only where `why` names a release as the latest: the evidence carrying its `release` record.
    evidence: list[Evidence] | None = None


class Outlook(FileModel, frozen=True):
    """Release cadence, maintenance signals and direction of one framework."""

    summary: str
    points: list[str]
    evidence: Annotated[list[Evidence], Meta(min_length=1)]
    when: Condition | None = None  # shown only for answers it relates to (None: always)


class Misconception(FileModel, frozen=True):
    claim: str
    correction: str
    evidence: Annotated[list[Evidence], Meta(min_length=1)]
    when: Condition | None = None  # shown only for answers it relates to (None: always)


class FaqEntry(FileModel, frozen=True):
    question: str
    answer: str
    evidence: list[Evidence] = []


class Guidance(FileModel, frozen=True):
    """rules/guidance.yaml: where to go next, the outlook, misconceptions set right, and the FAQ."""

    next_steps: dict[Framework, list[NextStep]]
    outlook: dict[Framework, Outlook]
    misconceptions: list[Misconception]
    faq: list[FaqEntry] = []


LibraryFramework = Literal["pytorch", "tensorflow", "jax"]
LibraryCategory = Literal[
    "reinforcement_learning",
    "graphs",
    "vision",
    "detection",
    "ocr",
    "speech_audio",
    "nlp",
    "llm",
    "diffusion",
    "tabular",
    "probabilistic",
    "quantum",
    "scientific",
    "medical_imaging",
    "serving",
    "edge",
    "training",
    "recommender",
    "time_series",
]


class DroppedFramework(FileModel, frozen=True):
    """A framework a library supported and no longer does."""

    framework: LibraryFramework
    date: Annotated[dt.date, Meta(description="When the support was removed (the release or merge date)")]
    version: Annotated[str, Meta(description="The first release without it, e.g. 5.0.0")] = ""


class Library(FileModel, frozen=True):
    """One widely used ML library: which frameworks it supports today, and whether it is still maintained."""

    id: Annotated[
        str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, kebab-case (a choice of key_libraries)")
    ]
    name: Annotated[str, Meta(min_length=2, description="The name people know it by")]
    category: LibraryCategory
    packages: Annotated[
        list[Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]],
        Meta(min_length=1, description="Its distribution names on PyPI (what requirements files list)"),
    ]
    imports: Annotated[
        list[Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]],
        Meta(min_length=1, description="The module names code imports it by (top level, or a dotted prefix)"),
    ]
    frameworks: Annotated[
        list[LibraryFramework], Meta(description="The frameworks it supports today (empty: framework-neutral)")
    ]
    status: Annotated[
        Literal["active", "maintenance", "frozen", "archived"],
        Meta(
            description="active: new releases and features; maintenance: fixes only; frozen: no release for over "
            "a year, no announcement; archived: the repository is read-only or the project says it has ended"
        ),
    ]
    summary: Annotated[
        str, Meta(min_length=20, description="One sentence a person reads: what it is and where it stands")
    ]
    evidence: Annotated[list[Evidence], Meta(min_length=1)]
    status_since: Annotated[
        dt.date | None, Meta(description="When the status other than active began (last release, archive date)")
    ] = None
    dropped: Annotated[list[DroppedFramework], Meta(description="Frameworks it supported and removed")] = []
    replacement: Annotated[str, Meta(description="The maintained replacement, where there is one")] = ""


class LibraryFile(FileModel, frozen=True):
    """rules/libraries.yaml: the knowledge base of libraries and their framework support."""

    libraries: list[Library]


def _schema(model: type, title: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a data file's model, each docstring description as one line."""
    schema = msgspec.json.schema(model)
    for definition in schema["$defs"].values():
        if "description" in definition:
            definition["description"] = " ".join(definition["description"].split())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


def library_file_schema() -> dict[str, Any]:
    """The JSON Schema of rules/libraries.yaml, generated from the model above."""
    return _schema(LibraryFile, "fwadvisor libraries file")


def rule_file_schema() -> dict[str, Any]:
    """The JSON Schema of a rules file, generated from the model above."""
    return _schema(RuleFile, "fwadvisor rules file")
