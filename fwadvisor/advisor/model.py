"""The rule format: one model, the source of truth; `fwadvisor rules schema` exports its JSON Schema."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, field

Framework = Literal["pytorch", "tensorflow"]
Area = Literal[
    "ecosystem", "deployment", "research", "hardware", "team", "scale", "maintenance", "performance"
]
AREAS: tuple[str, ...] = Area.__args__  # type: ignore[attr-defined]
FRAMEWORKS: tuple[str, ...] = Framework.__args__  # type: ignore[attr-defined]
AnswerValue = str | list[str]


class Evidence(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A checked fact a rule rests on."""

    source: Annotated[str, Meta(min_length=5, description="URL or document the fact comes from")]
    checked: Annotated[dt.date, Meta(description="The date the fact was last checked (YYYY-MM-DD)")]
    strength: Annotated[
        Literal["H", "M", "L"],
        Meta(description="H: primary source quoted; M: secondary or indirect; L: weak"),
    ] = "H"
    fact: Annotated[str, Meta(description="The fact itself, as the source states it")] = ""


class Condition(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, frozen=True):
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
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    present: bool | None = None


QUESTION_TESTS = ("equals", "in_", "includes", "includes_all", "only", "answered")
METRIC_TESTS = ("gt", "ge", "lt", "le", "present")


class RuleTest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One case a rule must pass: with these answers (and metrics) the rule fires or it does not."""

    answers: dict[str, AnswerValue]
    fires: bool
    metrics: dict[str, float] = {}
    note: str = ""


class Rule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A transparent decision rule: when the condition holds, it adds points, a blocker or a caveat."""

    id: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, kebab-case")]
    area: Area
    when: Condition
    effect: Annotated[
        Literal["favor", "blocker", "caveat"],
        Meta(
            description="favor: `weight` points for `framework`; blocker: rules `framework` out for "
            "this project; caveat: scores nothing but is always shown"
        ),
    ]
    message: Annotated[str, Meta(min_length=20, description="What the fact is and why it matters")]
    evidence: Annotated[list[Evidence], Meta(min_length=1)]
    tests: Annotated[
        list[RuleTest], Meta(min_length=1, description="Cases that must fire and must not fire")
    ]
    framework: Framework | None = None
    weight: Annotated[
        float, Meta(ge=0, le=10, description="favor only: 1-2 preference, 3-5 strong, 6-10 decisive")
    ] = 0.0
    title: Annotated[str, Meta(description="A short label for lists; defaults to the id")] = ""


class RuleFile(msgspec.Struct, forbid_unknown_fields=True):
    """A rules file: a mapping with a top-level `rules:` list."""

    rules: list[Rule]


class Question(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    kind: Literal["one", "many"]
    area: str
    prompt: str
    help: str
    choices: dict[str, str]


class Questionnaire(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    questions: list[Question]
    priority_weights: dict[str, dict[str, float]] = {}

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


def rule_file_schema() -> dict:
    """The JSON Schema of a rules file, generated from the model above."""
    schema = msgspec.json.schema(RuleFile)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "fwadvisor rules file"
    return schema


class NextStep(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """A place to go next for the recommended framework; `when` shows it only where it applies."""

    title: str
    url: str
    why: str
    when: Condition | None = None


class Outlook(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Release cadence, maintenance signals and direction of one framework."""

    summary: str
    points: list[str]
    evidence: Annotated[list[Evidence], Meta(min_length=1)]


class Misconception(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    claim: str
    correction: str
    evidence: Annotated[list[Evidence], Meta(min_length=1)]


class Guidance(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """rules/guidance.yaml: where to go next, the outlook, and misconceptions set right."""

    next_steps: dict[Framework, list[NextStep]]
    outlook: dict[Framework, Outlook]
    misconceptions: list[Misconception]
