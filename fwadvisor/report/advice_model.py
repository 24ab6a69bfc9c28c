"""The advice of a Recommendation as the report model (report.model): built once, rendered per format.

Everything the text, Markdown and HTML reports say about the advice is decided here: which sections
there are and in which order, their titles, which items each lists (blockers, the split plan, the
reasons by area, caveats, other paths, the what-ifs worth showing, where to go next, the outlook and
the misconceptions) and what each item is made of. A renderer only lays the sections out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fwadvisor.advisor.engine import Recommendation, evidence_refs
from fwadvisor.report import content as c
from fwadvisor.report.model import Group, Item, Measured, Report, RunShown, Score, Section, Table, Verdict

if TYPE_CHECKING:
    from fwadvisor.report.model import EvidenceSection

TITLE = "fwadvisor recommendation"
PLAN_INTRO = "One framework for everything is the wrong shape here"


def build_report(rec: Recommendation, measured: EvidenceSection | None = None, replaced: Sequence[str] = ()) -> Report:
    """The whole report of `rec`; `measured` is the "Evidence from this machine" section of a
    profile run (profile_model.evidence_for), placed after the what-ifs; `replaced` the ids of
    rules that the user's rules replaced (RuleSet.replaced), named under the verdict."""
    advice = [
        _blockers(rec),
        _plan(rec),
        _reasons(rec),
        _caveats(rec),
        _libraries(rec),
        _inferred(rec),
        _alternatives(rec),
        _what_ifs(rec),
    ]
    later = [_next_steps(rec), _outlook(rec), _misconceptions(rec)]
    sections: list[Section | Measured] = [s for s in advice if s is not None]
    sections.append(Measured(measured))
    sections += [s for s in later if s is not None]
    return Report(_verdict(rec, replaced), sections)


def report_of(rec: Recommendation, run: RunShown | None, replaced: Sequence[str] = ()) -> Report:
    """The report every format renders: the advice of `rec`, with the "Evidence from this machine"
    section of `run` (and the rules its numbers triggered, when the advice was given with it)."""
    measured = None
    if run is not None:
        # Imported only here: the plain `recommend` path must not pay for it at start-up.
        from fwadvisor.report.profile_model import evidence_for

        measured = evidence_for(rec, run.document, run.path)
    return build_report(rec, measured, replaced)


def _verdict(rec: Recommendation, replaced: Sequence[str]) -> Verdict:
    return Verdict(
        title=TITLE,
        label=c.verdict_title(rec),
        summary=rec.summary,
        tone=rec.recommendation,
        scores=[Score(fw, c.name(fw), points) for fw, points in rec.scores.items()],
        margin=rec.margin,
        priorities=c.priorities_sentence(rec),
        rules_used=rec.rules_used,
        facts=c.facts_sentence(rec),
        replaced=list(dict.fromkeys(replaced)),
        releases=c.release_lines(rec),
    )


LIBRARY_HEAD = ["library", "files", "PyTorch", "TensorFlow", "JAX", "status"]


def _libraries(rec: Recommendation) -> Section | None:
    """The project's key libraries and which frameworks each supports today, as a small table."""
    if not rec.libraries:
        return None
    body = []
    for row in rec.libraries:
        support = [
            "yes" if fw in row.frameworks else f"dropped {row.dropped[fw][:4]}" if fw in row.dropped else "no"
            for fw in ("pytorch", "tensorflow", "jax")
        ]
        status = row.status + (f" {row.status_since[:4]}" if row.status_since and row.status != "active" else "")
        files = f"{round(100 * row.share)}%" if row.share is not None else "-"
        body.append([row.name, files, *support, status])
    replacements = [
        Item("point", f"{row.name} is {row.status}: move to {row.replacement}.", "→")
        for row in rec.libraries
        if row.replacement and row.status in ("frozen", "archived")
    ]
    intro = (
        "Which frameworks each library supports today (rules/libraries.yaml; files: the share of your Python "
        "files importing it)"
        if any(row.share is not None for row in rec.libraries)
        else "Which frameworks each library supports today (rules/libraries.yaml)"
    )
    table = Table(LIBRARY_HEAD, body, frozenset({1}))
    return Section("libraries", "Your libraries", replacements, intro=intro, table=table)


def _inferred(rec: Recommendation) -> Section | None:
    """The answers `--project` read from the project folder, each with what shows it."""
    if not rec.inferred:
        return None
    items = []
    for answer in rec.inferred:
        value = ", ".join(answer.value) if isinstance(answer.value, list) else answer.value
        # "path:line" is enough to find it here; `fwadvisor scan` prints each line's text too.
        places = [e.split(": ", 1)[0] for e in answer.evidence[:3]]
        more = len(answer.evidence) - 3
        shown = ", ".join(places) + (f" (and {more} more)" if more > 0 else "")
        items.append(
            Item(
                "point",
                f"{answer.why} Seen at {shown}." if shown else answer.why,
                "◇",
                label=f"{answer.question}: {value}",
            )
        )
    return Section(
        "inferred",
        "Answers read from the project",
        items,
        intro="Your own answers win over these; change any in the answers file `fwadvisor scan --output` writes",
    )


def _blockers(rec: Recommendation) -> Section | None:
    if not rec.blockers:
        return None
    items = [
        Item("blocker", b.message, "✖", label=f"{c.name(b.framework)} ruled out", rule=b.rule, evidence=b.evidence)
        for b in rec.blockers
    ]
    return Section("blockers", "Blockers", items, tone="bad")


def _plan(rec: Recommendation) -> Section | None:
    if not (rec.plan and rec.plan_rule):
        return None
    items = [
        Item(
            "part",
            part.why,
            "▸",
            label=c.name(part.framework),
            detail=f"for {part.covers.rstrip('.')}",
            tone=part.framework,
        )
        for part in rec.plan
    ]
    meeting = rec.plan_rule
    items.append(
        Item("meeting", meeting.message, "↔", label="How they meet", rule=meeting.rule, evidence=meeting.evidence)
    )
    return Section("plan", "Split plan", items, intro=PLAN_INTRO, tone="info")


def _reasons(rec: Recommendation) -> Section:
    groups = [
        Group(
            title,
            [
                Item(
                    "reason",
                    r.message,
                    f"+{r.weight:g}",
                    label=c.name(r.favors),
                    weight=f"+{r.weight:g}",
                    rule=r.rule,
                    tone=r.favors,
                    evidence=r.evidence,
                )
                for r in reasons
            ],
        )
        for title, reasons in c.reasons_by_area(rec)
    ]
    return Section("reasons", "Reasons", groups=groups, empty="No rule scored for either framework with these answers.")


def _caveats(rec: Recommendation) -> Section | None:
    if not rec.caveats:
        return None
    items = [
        Item(
            "caveat",
            cav.message,
            "!",
            rule=cav.rule,
            about=c.name(cav.framework) if cav.framework else "",
            evidence=cav.evidence,
        )
        for cav in rec.caveats
    ]
    return Section("caveats", "Caveats", items, tone="warn")


def _alternatives(rec: Recommendation) -> Section | None:
    if not rec.alternatives:
        return None
    items = [
        Item("alternative", f"{alt.when} {alt.message}", "◆", label=alt.option, rule=alt.rule, evidence=alt.evidence)
        for alt in rec.alternatives
    ]
    return Section("alternatives", "Other paths that fit", items, tone="info")


def _what_ifs(rec: Recommendation) -> Section:
    movers, movers_left_out = c.shown_movers(rec)
    if movers:
        # A verdict no single change reverses: what moves it most, and what it would take.
        items = [Item("point", c.what_if_sentence(item, rec.recommendation)) for item in movers]
        if rec.what_it_takes is not None:
            takes = rec.what_it_takes
            items.append(Item("point", c.what_it_takes_sentence(rec, takes), "→"))
        return Section(
            "what_if",
            "What would change the answer",
            items,
            intro=c.movers_intro(rec),
            left_out=movers_left_out,
            # Not all "smaller": another answer to a question shown may move it as far.
            left_out_what=f"more changes towards {c.name(c.movers_target(rec))}",
        )
    shown, left_out = c.shown_what_ifs(rec)
    return Section(
        "what_if",
        "What would change the answer",
        [Item("point", c.what_if_sentence(item)) for item in shown],
        empty="No single change of one answer would change the recommendation.",
        left_out=left_out,
    )


def _next_steps(rec: Recommendation) -> Section | None:
    if not rec.next_steps:
        return None
    items = [Item("link", step.why, label=step.title, link=step.url) for step in rec.next_steps]
    return Section("next_steps", f"Where to go next ({c.next_steps_for(rec)})", items)


def _outlook(rec: Recommendation) -> Section | None:
    if not rec.outlook:
        return None
    groups = [
        Group(
            c.name(fw),
            [Item("point", point) for point in outlook.points],
            summary=outlook.summary,
            tone=fw,
            evidence=evidence_refs(outlook.evidence),
        )
        for fw, outlook in rec.outlook.items()
    ]
    return Section("outlook", "Outlook", groups=groups)


def _misconceptions(rec: Recommendation) -> Section | None:
    if not rec.misconceptions:
        return None
    items = [
        Item("claim", m.claim, "✗", correction=m.correction, evidence=evidence_refs(m.evidence))
        for m in rec.misconceptions
    ]
    return Section("misconceptions", "Common misconceptions, set right", items)
