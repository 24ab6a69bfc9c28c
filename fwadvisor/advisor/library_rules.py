"""Rules made from the library knowledge base: a key library that only one framework has is a strong,
present reason for it; a frozen or archived one is a caveat that names its replacement.

They are ordinary rules (ids `library-<id>-...`, conditions on `key_libraries`, evidence from the
knowledge base, their own test cases), so `rules check`, the what-ifs, the facts listing and every
report treat them like the hand-written ones.

Weights (hand-set, explainable; see tests/cases/ for the real decisions behind them):
- LIBRARY_WEIGHT 4, a strong reason: the real cases where a project's own library left TensorFlow
  (DeLFT after Transformers 5, kermitt2/delft#185; RL projects after TF-Agents froze) were decided by
  that library, against existing TensorFlow code (4) and skills (3). As a `need`, the past cannot
  outvote it (scoring.tally).
- A library found by `fwadvisor scan` counts by how central it is: half its weight when few files
  import it, all of it from CENTRAL_SHARE of the project's Python files on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fwadvisor.advisor.model import Condition, Library, Rule, RuleTest

LIBRARY_WEIGHT = 4.0
CENTRAL_SHARE = 0.25
RULE_PREFIX = "library-"
FRAMEWORK_NAMES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}


def library_rules(libraries: Iterable[Library]) -> list[tuple[int, Rule]]:
    """(index in the knowledge base, rule) for every library that decides something."""
    made: list[tuple[int, Rule]] = []
    for index, library in enumerate(libraries):
        rule = _rule_for(library)
        if rule is not None:
            made.append((index, rule))
    return made


def _rule_for(library: Library) -> Rule | None:
    when = Condition(question="key_libraries", includes=library.id)
    tests = [
        RuleTest(answers={"key_libraries": [library.id]}, fires=True),
        RuleTest(answers={}, fires=False),
    ]
    summary = " ".join(library.summary.split())
    if library.status in ("frozen", "archived"):
        since = f" since {library.status_since.isoformat()}" if library.status_since else ""
        return Rule(
            id=f"{RULE_PREFIX}{library.id}-{library.status}",
            area="ecosystem",
            when=when,
            effect="caveat",
            title=f"{library.name} is {library.status}",
            message=(
                f"{library.name}, one of the libraries this project depends on, is {library.status}{since}: "
                f"{summary} Plan the move to {library.replacement or 'a maintained library'} before it holds the "
                "project back; a framework choice made for it would rest on a library with no future."
            ),
            evidence=list(library.evidence),
            tests=tests,
        )
    supported = [f for f in library.frameworks if f in ("pytorch", "tensorflow")]
    if len(supported) != 1:
        return None  # both frameworks, framework-neutral, or JAX only: the library decides nothing here
    (framework,) = supported
    dropped = [d for d in library.dropped if d.framework in ("pytorch", "tensorflow")]
    why = (
        f"dropped {', '.join(FRAMEWORK_NAMES[d.framework] for d in dropped)} "
        f"({', '.join(d.date.isoformat() for d in dropped)}), so it"
        if dropped
        else "it"
    )
    other = "TensorFlow" if framework == "pytorch" else "PyTorch"
    return Rule(
        id=f"{RULE_PREFIX}{library.id}-{framework}-only",
        area="ecosystem",
        when=when,
        effect="favor",
        framework=framework,
        weight=LIBRARY_WEIGHT,
        basis="need",
        title=f"{library.name} supports only {FRAMEWORK_NAMES[framework]}",
        message=(
            f"{library.name} is one of the libraries this project depends on, and {why} supports only "
            f"{FRAMEWORK_NAMES[framework]} today: {summary} In {other} you would replace it or pin an old "
            "release, so it counts strongly, and existing code or skills do not outvote it."
        ),
        evidence=list(library.evidence),
        tests=tests,
    )


def library_id(rule_id: str) -> str | None:
    """The library a generated rule is about ("library-transformers-pytorch-only" -> "transformers")."""
    if not rule_id.startswith(RULE_PREFIX):
        return None
    rest = rule_id[len(RULE_PREFIX) :]
    for suffix in ("-pytorch-only", "-tensorflow-only", "-frozen", "-archived"):
        if rest.endswith(suffix):
            return rest[: -len(suffix)]
    return None


def centrality_factor(share: float) -> float:
    """How much of its weight a key library counts with, from the share of files importing it."""
    return 0.5 + 0.5 * min(1.0, max(0.0, share) / CENTRAL_SHARE)


def library_factors(shares: Mapping[str, float]) -> dict[str, float]:
    """Rule id -> factor for every generated library rule of a library in `shares`."""
    factors = {}
    for library, share in shares.items():
        for suffix in ("-pytorch-only", "-tensorflow-only"):
            factors[f"{RULE_PREFIX}{library}{suffix}"] = centrality_factor(share)
    return factors
