"""The report (report.model) as Markdown: the advice, one layout for every section, and the evidence of a run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.report import content as c
from fwadvisor.report.advice_model import report_of
from fwadvisor.report.model import Group, Item, Measured, Report, RunShown, Section, Table, Verdict
from fwadvisor.safe_text import for_markdown as _md

if TYPE_CHECKING:
    from fwadvisor.report.held_equal import HeldEqual
    from fwadvisor.report.model import ClusterSection, EvidenceSection, SpeedTable, TrustNotes

# Sections whose last line is the page's last (the page ends with one blank line of its own).
_OPEN_END = {"misconceptions"}


def _markdown_link(text: str, target: str) -> str:
    return f"[{text}]({target})"


def _link(label: str, address: str) -> str:
    return c.linked(label, address, _md, _markdown_link)


def _evidence(refs: list[EvidenceRef]) -> str:
    return c.sources_text(refs, _md, _markdown_link)


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
        out += [*md_table(section.table), ""]
    for group in section.groups:
        out += _group(group)
    for item in section.items:
        out += _item(item)
    if section.left_out:
        out.append(f"- {_md(c.left_out_note(section.left_out, 'the JSON report', section.left_out_what))}")
    return out if section.groups or section.key in _OPEN_END else [*out, ""]


def render_markdown(rec: Recommendation, run: RunShown | None, *, width: int, replaced: Sequence[str]) -> str:
    """The report as a Markdown page (`width` is the terminal's: a page has none)."""
    return markdown_page(report_of(rec, run, replaced))


def markdown_page(report: Report) -> str:
    out = _verdict(report.verdict)
    for section in report.sections:
        if isinstance(section, Measured):
            if section.section is not None:
                out += [evidence_markdown(section.section).rstrip("\n"), ""]
        else:
            out += _section(section)
    out.append("")
    return "\n".join(out)


# ---- The evidence of a profile run ------------------------------------------------------------


def md_table(table: Table) -> list[str]:
    """A Markdown table; its `numeric` columns are right-aligned."""
    out = [
        "| " + " | ".join(_md(h) for h in table.head) + " |",
        "|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.head))) + "|",
    ]
    out += ["| " + " | ".join(_md(c) for c in line) + " |" for line in table.body]
    return out


def _speed_table(speed: SpeedTable) -> list[str]:
    from fwadvisor.report.profile_model import cell_text  # only with a run: not at start-up

    head = speed.head
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
    for line in speed.lines:
        row = line.row
        cells = [
            _md(line.label),
            _md(row.params),
            _md(line.unit),
            *(_md(cell_text(row.cells.get(fw))) for fw in speed.frameworks),
            _ahead(line.ahead, line.tone == "ok"),
        ]
        if speed.with_peak:
            cells.append(_md(row.peak_text()))
        out.append("| " + " | ".join(cells) + " |")
    notes = [f"- {_md(note)}" for note in speed.notes]
    return [*out, "", *([*notes, ""] if notes else []), _md(speed.legend, starts_line=True), ""]


def _ahead(text: str, bold: bool) -> str:
    """The ahead cell: one named pair per line with three frameworks (a <br> between, a table cell being
    one line), each in bold when the lead rests on sound numbers."""
    return "<br>".join(f"**{_md(part)}**" if bold else _md(part) for part in text.split("\n"))


def _trust(notes: TrustNotes) -> list[str]:
    """Under the table: the busy runs, the GPU's state per record, and what a low GPU number usually means."""
    out = [f"**{_md(line)}**  " for line in notes.busy] + ([""] if notes.busy else [])
    if notes.gpu:
        out += [f"### {_md(notes.gpu_title)}", "", *(f"- {_md(line)}" for line in notes.gpu), ""]
    if notes.below:
        out += [_md(notes.below, starts_line=True), ""]
    return out


def _held(held: HeldEqual) -> list[str]:
    """One short block per benchmark (shared, by design, not held equal), then the pitfalls."""
    out = [f"### {_md(held.title)}", "", _md(held.intro, starts_line=True), ""]
    for block in held.benchmarks:
        out.append(f"**{_md(block.heading)}**  ")
        if block.note:
            out.append(_md(block.note, starts_line=True) + "  ")
        if block.shared:
            out.append(f"Same in {block.everyone}: " + "; ".join(_md(f.text()) for f in block.shared) + ".  ")
        if block.by_design:
            out.append("Differed by design: " + "; ".join(_md(d.text()) for d in block.by_design) + ".  ")
        if block.not_equal:
            out.append("**Not held equal:** " + "; ".join(_md(d.text()) for d in block.not_equal) + ".  ")
        out.append("")
    out += [f"#### {_md(held.pitfalls_title)}", ""]
    out += [f"- **{_md(p.pitfall)}**: {_md(p.how)}" for p in held.pitfalls]
    return [*out, ""]


def _cluster(cluster: ClusterSection) -> list[str]:
    """The cluster suite's tables, each with its sentences; the CPU sentence first, the claim last."""
    out = [f"### {_md(cluster.title)}", ""]
    out += [f"**{_md(cluster.plumbing)}**", ""] if cluster.plumbing else []
    for titled in cluster.tables:
        out += [f"#### {_md(titled.title)}", "", *md_table(titled.table), ""]
        out += [_md(note, starts_line=True) + "  " for note in titled.notes] + ([""] if titled.notes else [])
    out += [f"- {_md(note)}" for note in cluster.notes] + ([""] if cluster.notes else [])
    out += [_md(cluster.legend, starts_line=True), ""] if cluster.legend else []
    out += [f"**{_md(cluster.claim)}**", ""] if cluster.claim else []
    return out


def evidence_markdown(section: EvidenceSection) -> str:
    """The "Evidence from this machine" section."""
    out = [f"## {_md(section.title)}", ""]
    out += [_md(line, starts_line=True) + "  " for line in section.environment]
    out += [_md(section.evidence_sentence, starts_line=True), ""]
    if section.speed is not None:
        out += _speed_table(section.speed) if section.speed.lines else ["The run holds no results.", ""]
    out += _trust(section.trust)
    if section.cluster is not None:
        out += _cluster(section.cluster)
    for model in section.practice:
        out += [f"### Training curves: {_md(model.label)} ({_md(model.model)})", ""]
        if model.curve_table.body:
            out += [*md_table(model.curve_table), "", _md(model.curve_note, starts_line=True), ""]
        out += [_md(model.summary, starts_line=True) + "  "] if model.summary else []
        out += [f"{_md(name, starts_line=True)}: {_md(trouble)}  " for name, trouble in model.troubles]
        if model.finding:
            out += ["", f"**{_md(model.finding)}**"]
        out.append("")
    if section.exports is not None:
        out += ["### Saving and reloading a trained model", "", *md_table(section.exports), ""]
    if (held := section.held) is not None:
        out += _held(held)
    if section.triggered is not None:
        out += [f"### {_md(section.triggered_title)}", ""]
        out += (
            [f"- {_md(line)}" for line in section.triggered]
            if section.triggered
            else [_md(section.no_trigger, starts_line=True)]
        )
        out.append("")
    if section.problems:
        out += ["### Problems in this run", "", *(f"- {_md(line)}" for line in section.problems), ""]
    return "\n".join(out)
