"""The report as Markdown."""

from __future__ import annotations

from fwadvisor.advisor.engine import EvidenceRef, Recommendation, evidence_refs
from fwadvisor.report import content as c


def _evidence(refs: list[EvidenceRef]) -> str:
    return "; ".join(
        f"[{r.source}]({r.source}) (checked {r.checked}, {r.strength})"
        if r.source.startswith("http")
        else f"{r.source} (checked {r.checked}, {r.strength})"
        for r in refs
    )


def _oneline(text: str) -> str:
    return " ".join(text.split())


def render_markdown(rec: Recommendation, extra_sections: str = "") -> str:
    """The report; `extra_sections` (Markdown, e.g. the profile evidence) goes after the what-ifs."""
    out: list[str] = ["# fwadvisor recommendation", ""]
    out += [f"**{rec.summary}**", ""]
    out += [
        f"- Scores: {c.score_line(rec)} (margin {rec.margin:g})",
        f"- {c.priorities_sentence(rec)}",
        f"- Rules considered: {rec.rules_used}",
        f"- {c.facts_sentence(rec)}",
        "",
    ]
    if rec.blockers:
        out += ["## Blockers", ""]
        for b in rec.blockers:
            out += [
                f"- **{c.name(b.framework)} ruled out** ({b.rule}): {_oneline(b.message)}  ",
                f"  Evidence: {_evidence(b.evidence)}",
            ]
        out.append("")
    if rec.plan and rec.plan_rule:
        out += ["## Split plan", "", "One framework for everything is the wrong shape here:", ""]
        out += [
            f"- **{c.name(p.framework)}** for {_oneline(p.covers).rstrip('.')}: {_oneline(p.why)}" for p in rec.plan
        ]
        out += [
            f"- **How they meet** ({rec.plan_rule.rule}): {_oneline(rec.plan_rule.message)}  ",
            f"  Evidence: {_evidence(rec.plan_rule.evidence)}",
            "",
        ]
    out += ["## Reasons", ""]
    if not rec.reasons:
        out += ["No rule scored for either framework with these answers.", ""]
    for title, reasons in c.reasons_by_area(rec):
        out += [f"### {title}", ""]
        for r in reasons:
            out += [
                f"- **+{r.weight:g} {c.name(r.favors)}** ({r.rule}): {_oneline(r.message)}  ",
                f"  Evidence: {_evidence(r.evidence)}",
            ]
        out.append("")
    if rec.caveats:
        out += ["## Caveats", ""]
        for cav in rec.caveats:
            who = f" [{c.name(cav.framework)}]" if cav.framework else ""
            out += [f"- ({cav.rule}){who} {_oneline(cav.message)}  ", f"  Evidence: {_evidence(cav.evidence)}"]
        out.append("")
    if rec.alternatives:
        out += ["## Other paths that fit", ""]
        for alt in rec.alternatives:
            out += [
                f"- **{alt.option}** ({alt.rule}): {_oneline(alt.when)} {_oneline(alt.message)}  ",
                f"  Evidence: {_evidence(alt.evidence)}",
            ]
        out.append("")
    out += ["## What would change the answer", ""]
    shown, left_out = c.shown_what_ifs(rec)
    if shown:
        out += [f"- {c.what_if_sentence(w)}" for w in shown]
        if left_out:
            out += [f"- … and {left_out} smaller ones (all of them in the JSON report)"]
    else:
        out.append("No single change of one answer would change the recommendation.")
    out.append("")
    if extra_sections:
        out += [extra_sections.rstrip("\n"), ""]
    if rec.next_steps:
        out += [f"## Where to go next ({c.next_steps_for(rec)})", ""]
        out += [f"- [{s.title}]({s.url}): {_oneline(s.why)}" for s in rec.next_steps]
        out.append("")
    if rec.outlook:
        out += ["## Outlook", ""]
    for fw, outlook in rec.outlook.items():
        out += [f"### {c.name(fw)}", "", _oneline(outlook.summary), ""]
        out += [f"- {_oneline(p)}" for p in outlook.points]
        out += ["", f"Evidence: {_evidence(evidence_refs(outlook.evidence))}", ""]
    if rec.misconceptions:
        out += ["## Common misconceptions, set right", ""]
    for m in rec.misconceptions:
        out += [
            f"- **Claim:** {_oneline(m.claim)}  ",
            f"  **In fact:** {_oneline(m.correction)}  ",
            f"  Evidence: {_evidence(evidence_refs(m.evidence))}",
        ]
    out.append("")
    return "\n".join(out)
