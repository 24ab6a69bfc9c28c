"""The report (report.model) as Markdown: one layout for every section of the advice."""

from __future__ import annotations

from fwadvisor.advisor.engine import EvidenceRef
from fwadvisor.report import content as c
from fwadvisor.report.model import Group, Item, Measured, Report, Section, Verdict

# Sections whose last line is the page's last (the page ends with one blank line of its own).
_OPEN_END = {"misconceptions"}


def _evidence(refs: list[EvidenceRef]) -> str:
    return "; ".join(
        f"[{r.source}]({r.source}) (checked {r.checked}, {r.strength})"
        if r.source.startswith("http")
        else f"{r.source} (checked {r.checked}, {r.strength})"
        for r in refs
    )


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _verdict(verdict: Verdict) -> list[str]:
    scores = " / ".join(f"{s.name} {s.points:g}" for s in verdict.scores)
    return [
        f"# {verdict.title}",
        "",
        f"**{verdict.summary}**",
        "",
        f"- Scores: {scores} (margin {verdict.margin:g})",
        f"- {verdict.priorities}",
        f"- Rules considered: {verdict.rules_used}",
        f"- {verdict.facts}",
        "",
    ]


def _item(item: Item) -> list[str]:
    """A list entry: "**label** detail (rule) [about]: body", then its evidence on a line of its own."""
    cites = item.evidence is not None
    if item.correction:
        return [
            f"- **Claim:** {_oneline(item.body)}  ",
            f"  **In fact:** {_oneline(item.correction)}  ",
            f"  Evidence: {_evidence(item.evidence or [])}",
        ]
    if item.link:
        lead = f"[{item.label}]({item.link}):"
    else:
        label = f"**{item.weight + ' ' if item.weight else ''}{item.label}**" if item.label else ""
        where = f"({item.rule})" if item.rule else ""
        about = f"[{item.about}]" if item.about else ""
        # The lead ends with a colon where it has a label; a caveat's "(rule) [framework]" runs on.
        lead = " ".join(part for part in (label, item.detail, where, about) if part) + (":" if item.label else "")
    line = f"- {lead + ' ' if lead else ''}{_oneline(item.body)}{'  ' if cites else ''}"
    return [line, f"  Evidence: {_evidence(item.evidence or [])}"] if cites else [line]


def _group(group: Group) -> list[str]:
    out = [f"### {group.title}", ""]
    if group.summary is not None:
        out += [_oneline(group.summary), ""]
    for item in group.items:
        out += _item(item)
    if group.evidence is not None:
        out += ["", f"Evidence: {_evidence(group.evidence)}"]
    return [*out, ""]


def _section(section: Section) -> list[str]:
    out = [f"## {section.title}", ""]
    if section.intro:
        out += [f"{section.intro}:", ""]
    if section.empty and not (section.items or section.groups):
        return [*out, section.empty, ""]
    for group in section.groups:
        out += _group(group)
    for item in section.items:
        out += _item(item)
    if section.left_out:
        out.append(f"- {c.left_out_note(section.left_out, 'the JSON report')}")
    return out if section.groups or section.key in _OPEN_END else [*out, ""]


def render_markdown(report: Report) -> str:
    out = _verdict(report.verdict)
    for section in report.sections:
        if isinstance(section, Measured):
            if section.section is not None:
                from fwadvisor.report.profile_md import markdown_section

                out += [markdown_section(section.section).rstrip("\n"), ""]
        else:
            out += _section(section)
    out.append("")
    return "\n".join(out)
