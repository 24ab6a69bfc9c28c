"""The report (report.model) as Markdown: one layout for every section of the advice."""

from __future__ import annotations

from fwadvisor.advisor.engine import EvidenceRef
from fwadvisor.report import content as c
from fwadvisor.report.model import Group, Item, Measured, Report, Section, Verdict
from fwadvisor.safe_text import for_markdown as _md
from fwadvisor.safe_text import safe_link

# Sections whose last line is the page's last (the page ends with one blank line of its own).
_OPEN_END = {"misconceptions"}


def _link(label: str, address: str) -> str:
    """A link when `address` is http(s); otherwise the label, with the address as text."""
    target = safe_link(address)
    if target is not None:
        return f"[{_md(label)}]({target})"
    return _md(label) if label == address else f"{_md(label)} ({_md(address)})"


def _evidence(refs: list[EvidenceRef]) -> str:
    return "; ".join(f"{_link(r.source, r.source)} (checked {_md(r.checked)}, {_md(r.strength)})" for r in refs)


def _verdict(verdict: Verdict) -> list[str]:
    scores = " / ".join(f"{_md(s.name)} {s.points:g}" for s in verdict.scores)
    replaced = [f"- {_md(verdict.replaced_sentence)}"] if verdict.replaced else []
    return [
        f"# {_md(verdict.title)}",
        "",
        f"**{_md(verdict.summary)}**",
        "",
        f"- Scores: {scores} (margin {verdict.margin:g})",
        f"- {_md(verdict.priorities)}",
        f"- Rules considered: {verdict.rules_used}",
        *replaced,
        f"- {_md(verdict.facts)}",
        *_releases(verdict.releases),
        "",
    ]


def _releases(lines: list[str]) -> list[str]:
    """The online check's heading as a list entry, each newer release nested under it."""
    if not lines:
        return []
    return [f"- {_md(lines[0])}", *(f"  - {_md(line)}" for line in lines[1:])]


def _item(item: Item) -> list[str]:
    """A list entry: "**label** detail (rule) [about]: body", then its evidence on a line of its own."""
    cites = item.evidence is not None
    if item.correction:
        return [
            f"- **Claim:** {_md(item.body)}  ",
            f"  **In fact:** {_md(item.correction)}  ",
            f"  Evidence: {_evidence(item.evidence or [])}",
        ]
    if item.link:
        lead = f"{_link(item.label, item.link)}:"
    else:
        label = f"**{_md(item.weight) + ' ' if item.weight else ''}{_md(item.label)}**" if item.label else ""
        where = f"({_md(item.rule)})" if item.rule else ""
        about = f"[{_md(item.about)}]" if item.about else ""
        # The lead ends with a colon where it has a label; a caveat's "(rule) [framework]" runs on.
        lead = " ".join(part for part in (label, _md(item.detail), where, about) if part) + (":" if item.label else "")
    line = f"- {lead + ' ' if lead else ''}{_md(item.body)}{'  ' if cites else ''}"
    return [line, f"  Evidence: {_evidence(item.evidence or [])}"] if cites else [line]


def _group(group: Group) -> list[str]:
    out = [f"### {_md(group.title)}", ""]
    if group.summary is not None:
        out += [_md(group.summary, starts_line=True), ""]
    for item in group.items:
        out += _item(item)
    if group.evidence is not None:
        out += ["", f"Evidence: {_evidence(group.evidence)}"]
    return [*out, ""]


def _section(section: Section) -> list[str]:
    out = [f"## {_md(section.title)}", ""]
    if section.intro:
        out += [f"{_md(section.intro, starts_line=True)}:", ""]
    if section.empty and not (section.items or section.groups):
        return [*out, _md(section.empty, starts_line=True), ""]
    if section.table is not None:
        from fwadvisor.report.profile_md import md_table

        out += [*md_table(section.table), ""]
    for group in section.groups:
        out += _group(group)
    for item in section.items:
        out += _item(item)
    if section.left_out:
        out.append(f"- {_md(c.left_out_note(section.left_out, 'the JSON report', section.left_out_what))}")
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
