"""The "Evidence from this machine" section (report.model) as Markdown."""

from __future__ import annotations

from fwadvisor.report.held_equal import HeldEqual
from fwadvisor.report.model import EvidenceSection, SpeedTable, Table, TrustNotes
from fwadvisor.report.profile_model import cell_text
from fwadvisor.safe_text import for_markdown as md_escape


def md_table(table: Table) -> list[str]:
    """A Markdown table; its `numeric` columns are right-aligned."""
    out = [
        "| " + " | ".join(md_escape(h) for h in table.head) + " |",
        "|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.head))) + "|",
    ]
    out += ["| " + " | ".join(md_escape(c) for c in line) + " |" for line in table.body]
    return out


def _speed_table(speed: SpeedTable) -> list[str]:
    head = speed.head
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
    for line in speed.lines:
        row = line.row
        cells = [
            md_escape(line.label),
            md_escape(row.params),
            md_escape(line.unit),
            md_escape(cell_text(row.cells.get("torch"))),
            md_escape(cell_text(row.cells.get("tensorflow"))),
            f"**{md_escape(line.ahead)}**" if line.tone == "ok" else md_escape(line.ahead),
        ]
        if speed.with_peak:
            cells.append(md_escape(row.peak_text()))
        out.append("| " + " | ".join(cells) + " |")
    return [*out, "", md_escape(speed.legend, starts_line=True), ""]


def _trust(notes: TrustNotes) -> list[str]:
    """Under the table: the busy runs, the GPU's state per record, and what a low GPU number usually means."""
    out = [f"**{md_escape(line)}**  " for line in notes.busy] + ([""] if notes.busy else [])
    if notes.gpu:
        out += [f"### {md_escape(notes.gpu_title)}", "", *(f"- {md_escape(line)}" for line in notes.gpu), ""]
    if notes.below:
        out += [md_escape(notes.below, starts_line=True), ""]
    return out


def _held(held: HeldEqual) -> list[str]:
    """One short block per benchmark (shared, by design, not held equal), then the pitfalls."""
    out = [f"### {md_escape(held.title)}", "", md_escape(held.intro, starts_line=True), ""]
    for block in held.benchmarks:
        out.append(f"**{md_escape(block.heading)}**  ")
        if block.note:
            out.append(md_escape(block.note, starts_line=True) + "  ")
        if block.shared:
            out.append("Same in both: " + "; ".join(md_escape(f.text()) for f in block.shared) + ".  ")
        if block.by_design:
            out.append("Differed by design: " + "; ".join(md_escape(d.text()) for d in block.by_design) + ".  ")
        if block.not_equal:
            out.append("**Not held equal:** " + "; ".join(md_escape(d.text()) for d in block.not_equal) + ".  ")
        out.append("")
    out += [f"#### {md_escape(held.pitfalls_title)}", ""]
    out += [f"- **{md_escape(p.pitfall)}**: {md_escape(p.how)}" for p in held.pitfalls]
    return [*out, ""]


def markdown_section(section: EvidenceSection) -> str:
    out = [f"## {md_escape(section.title)}", ""]
    out += [md_escape(line, starts_line=True) + "  " for line in section.environment]
    out += [md_escape(section.evidence_sentence, starts_line=True), ""]
    if section.speed is not None:
        out += _speed_table(section.speed) if section.speed.lines else ["The run holds no results.", ""]
    out += _trust(section.trust)
    for model in section.practice:
        out += [f"### Training curves: {md_escape(model.label)} ({md_escape(model.model)})", ""]
        if model.curve_table.body:
            out += [*md_table(model.curve_table), "", md_escape(model.curve_note, starts_line=True), ""]
        out += [md_escape(model.summary, starts_line=True) + "  "] if model.summary else []
        out += [f"{md_escape(name, starts_line=True)}: {md_escape(trouble)}  " for name, trouble in model.troubles]
        if model.finding:
            out += ["", f"**{md_escape(model.finding)}**"]
        out.append("")
    if section.exports is not None:
        out += ["### Saving and reloading a trained model", "", *md_table(section.exports), ""]
    if (held := section.held) is not None:
        out += _held(held)
    if section.triggered is not None:
        out += [f"### {md_escape(section.triggered_title)}", ""]
        out += (
            [f"- {md_escape(line)}" for line in section.triggered]
            if section.triggered
            else [md_escape(section.no_trigger, starts_line=True)]
        )
        out.append("")
    if section.problems:
        out += ["### Problems in this run", "", *(f"- {md_escape(line)}" for line in section.problems), ""]
    return "\n".join(out)
