"""The recommendation: verdict, a bar per framework, reasons by area, blockers, caveats, what-ifs."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import BY_ID, EITHER_RICH_COLOUR, identity
from fwadvisor.report import content
from fwadvisor.report.advice_model import build_report
from fwadvisor.report.model import Item, Report, Section
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.screens.base import AdvisorScreen
from fwadvisor.tui.screens.dialogs import EvidenceDialog, SaveAsInterviewCommands, ask_to_save_as_interview
from fwadvisor.tui.screens.interview import KEEP_HINT
from fwadvisor.tui.widgets.scorebars import ScoreBars
from fwadvisor.tui.widgets.too_small import TooSmallNotice

SHORT_HEIGHT = 32  # rows: below this the top of the screen folds to the verdict's line


# The sections of the report model this screen lists, in the reports' order. The measured evidence
# is the profiler's screen (3); where to go next, the outlook and the misconceptions are the report's (4).
LISTED_SECTIONS = ("blockers", "plan", "reasons", "caveats", "libraries", "inferred", "alternatives", "what_if")
# What a heading adds in the terminal, where a section has no colour legend of its own.
HEADING_NOTES = {"blockers": "ruled out for this project", "caveats": "no points, but read them"}
SECTION_COLOURS = {"bad": "red", "warn": "yellow", "info": "cyan"}
# Where the what-ifs a row leaves out are ("… and 3 smaller ones (all of them in ...)").
ALL_IN_JSON = "the JSON export, j on the Report screen"
# An item's rule (or label) in the evidence dialog's title, by the item's kind.
DIALOG_TITLES = {
    "blocker": "Blocker: {rule}",
    "part": "Split plan: {label}",
    "meeting": "Split plan: {rule}",
    "caveat": "Caveat: {rule}",
    "alternative": "Alternative: {label}",
    "reason": "{rule} ({weight} for {label})",
}
# The kinds of item whose option id names the kind ("caveat:<rule>"); others are named by their section.
KINDS_IN_IDS = frozenset({"blocker", "caveat", "alternative", "reason"})


def verdict_style(verdict: str) -> str:
    return f"bold {EITHER_RICH_COLOUR if verdict == 'either' else identity(verdict).rich_colour}"


def item_style(item: Item, section: Section) -> str:
    """The lead of an item: bold, in its framework's colour, else its section's."""
    if item.tone in BY_ID:
        return f"bold {identity(item.tone).rich_colour}"
    colour = SECTION_COLOURS.get(section.tone or "")
    return f"bold {colour}" if colour else "bold"


def item_lead(item: Item) -> str:
    """The words before an item's text: its points or mark, then its label ("+3 PyTorch", "! both")."""
    label = item.label or item.about or ("both" if item.kind == "caveat" else "")
    return " ".join(part for part in (item.weight or item.marker, label) if part)


def advice_options(report: Report) -> tuple[list[Option | None], dict[str, EvidenceEntry]]:
    """The advice of the report model as the screen's list, and the evidence behind each row that has
    some (by option id). Every word comes from the model, as in every report; the screen only lays it out."""
    options: list[Option | None] = []
    entries: dict[str, EvidenceEntry] = {}

    def header(title: str, style: str) -> None:
        options.append(Option(Text(one_line(title), style=style), disabled=True))

    def entry(key: str, item: Item, section: Section, text: str) -> None:
        line = Text(one_line(item_lead(item)), style=item_style(item, section))
        line.append(" " + one_line(text))
        title = DIALOG_TITLES.get(item.kind, "{section}: {label}" if item.label else "{section}").format(
            rule=item.rule, label=item.label, weight=item.weight, section=section.title
        )
        # A part of the split plan cites nothing of its own: it rests on the plan's rule (its meeting).
        cited = item.evidence
        if cited is None:
            cited = next((other.evidence for other in section.items if other.evidence), [])
        entries[key] = EvidenceEntry(one_line(title), clean(text), cited)
        options.append(Option(line, id=key))

    sections = {s.key: s for s in report.sections if isinstance(s, Section)}
    for key in LISTED_SECTIONS:
        section = sections.get(key)
        if section is None:
            continue
        if key == "what_if":
            options.extend(what_if_options(section))
            continue
        colour = SECTION_COLOURS.get(section.tone or "")
        # One row: the title, then what the section is about ("Split plan: one framework for ...").
        note = section.intro[:1].lower() + section.intro[1:] if section.intro else HEADING_NOTES.get(key)
        if key != "reasons":  # the reasons are headed by their areas
            header(f"{section.title}: {note}" if note else section.title, f"bold {colour}" if colour else "bold")
        if section.table is not None:
            for row in section.table.body:
                named = zip(section.table.head[1:], row[1:], strict=True)
                cells = ", ".join(f"{head} {cell}" for head, cell in named if cell != "-")
                options.append(Option(Text("▪ " + one_line(f"{row[0]}: {cells}")), id=f"library:{row[0]}"))
        if not section.items and not section.groups and section.empty:
            header(section.empty, "italic")
        parts = 0
        for index, item in enumerate(section.items):
            text = f"{item.detail}: {item.body}" if item.detail else item.body
            if item.kind == "part":
                key_of, parts = f"plan:{parts}", parts + 1
            elif item.kind == "meeting":
                key_of = "plan:meet"
            else:
                key_of = f"{item.kind if item.kind in KINDS_IN_IDS else key}:{item.rule or index}"
            entry(key_of, item, section, text)
        for group in section.groups:
            header(group.title, "bold underline")
            for item in group.items:
                entry(f"reason:{item.rule}", item, section, item.body)
    return options, entries


def what_if_options(section: Section) -> list[Option | None]:
    """The rows under "What would change the answer"; never disabled, so each can be reached and read."""
    rows: list[Option | None] = [Option(Text(one_line(section.title), style="bold"), disabled=True)]
    movers = bool(section.intro)  # a confident verdict: what moves it most, and what it would take
    if movers:
        rows.append(Option(Text(one_line(section.intro) + ":", style="dim"), id="movers-intro"))
    elif not section.items:
        rows.append(Option(Text(one_line(section.empty), style="dim"), id="no-what-if"))
    for index, item in enumerate(section.items):
        key = "takes" if movers and item.marker == "→" else f"{'mover' if movers else 'whatif'}:{index}"
        rows.append(Option(Text(f"{item.marker} " + one_line(item.body)), id=key))
    if section.left_out:
        more = content.left_out_note(section.left_out, ALL_IN_JSON, section.left_out_what)
        rows.append(Option(Text(more, style="dim"), id="more-movers" if movers else "more-what-ifs"))
    return rows


class EvidenceEntry(NamedTuple):
    """What the evidence dialog shows for a row: its title, its whole text and what it rests on."""

    title: str
    message: str
    evidence: list[EvidenceRef]


class RecommendationScreen(AdvisorScreen[None]):
    """Recomputed every time it is shown, so a changed answer shows up at once."""

    HELP = (
        "The recommendation for your answers. Move through the reasons with the arrow keys and "
        "press e or enter to see the rule's evidence (its source and the date it was checked). "
        "Blockers rule a framework out; caveats score nothing but matter. The last list shows "
        "which single answer would change the advice. Change answers in the interview (press 1)."
    )
    BINDINGS = [
        Binding("e", "evidence", "Evidence"),
        Binding("ctrl+s", "save_as_interview", "Save as interview", show=False),
    ]
    COMMANDS = {SaveAsInterviewCommands}
    # Below SHORT_HEIGHT rows the fixed top keeps only the verdict (it names both scores): the bars
    # go, and the margin, priorities and evidence lines become the list's first row, which scrolls
    # away with the reasons (fixed, they took 11 to 14 of 24 rows).
    DEFAULT_CSS = """
    RecommendationScreen.-short #scores, RecommendationScreen.-short #priorities { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, EvidenceEntry] = {}
        self.short = False

    def on_resize(self, event: Resize) -> None:
        short = event.size.height < SHORT_HEIGHT
        if short != self.short:
            self.short = short
            self.set_class(short, "-short")
            self.refresh_advice()

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        yield Header()
        with Vertical(id="advice-top"):
            yield Static(id="verdict")
            yield ScoreBars(id="scores")
            yield Static(id="priorities")
        yield OptionList(id="reasons")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.refresh_advice()

    def on_mount(self) -> None:
        self.refresh_advice()

    def refresh_advice(self) -> None:
        rec: Recommendation = self.state.recommendation()
        report = build_report(rec)  # what every report says: the screen lays it out for the terminal
        verdict = report.verdict
        # Rule text (the person's own rules too) is outside text: cleaned, never markup (an ESC
        # sequence in a rule once cleared the screen and blanked this verdict).
        self.query_one("#verdict", Static).update(Text(clean(verdict.summary), style=verdict_style(verdict.tone)))
        self.query_one(ScoreBars).show(rec.scores, {b.framework for b in rec.blockers})
        priorities = Text()
        priorities.append(f"Margin {points_text(verdict.margin)}. {clean(verdict.priorities)}", style="dim")
        if rec.facts_checked is not None:  # the ages only: the strength letters are in the e dialog
            sentence = content.fact_ages(rec).sentence().rstrip(".")
            priorities.append(f"\n{sentence} (e shows each source).", style="dim")
        # Only newer releases earn rows here at 80x24 ("nothing newer" is in the reports).
        for line in verdict.releases if rec.newer_releases else []:
            priorities.append("\n" + one_line(line), style="yellow")
        if rec.profile is not None:
            used = sum(1 for c in rec.profile.considered if c.used)
            run = Path(rec.profile.path).name if rec.profile.path else "this session's run"
            priorities.append(
                f"\nMeasured evidence: {one_line(run)} on {one_line(rec.profile.device)} "
                f"({used} of {len(rec.profile.considered)} numbers usable; press 3 for the profiler).",
                style="dim",
            )
        source = self.state.answers_source()
        if source:  # an answers file, not the saved interview: said, with how to keep them
            priorities.append(f"\n{source} ({KEEP_HINT}).", style="yellow")
        if self.state.loading_runs:
            priorities.append("\nReading the saved profile runs ...", style="dim")
        notice = self.state.profile_notice()
        if notice:  # the newest saved run could not be read: it was skipped, and the person is told why
            priorities.append("\n" + one_line(notice), style="yellow")
        self.query_one("#priorities", Static).update(priorities)
        self._fill_list(report, priorities if self.short else None)

    def _fill_list(self, report: Report, summary: Text | None = None) -> None:
        """The list of reasons; `summary` (on a short terminal) is its first row, scrolling with it."""
        options, self._items = advice_options(report)
        if summary is not None:
            options.insert(0, Option(summary, id="summary"))
        option_list = self.query_one("#reasons", OptionList)
        # The highlight stays on the same row (by id: the summary row comes and goes with the height).
        kept = option_list.highlighted_option.id if option_list.highlighted_option is not None else None
        option_list.clear_options()
        option_list.add_options(options)
        # The first reason has the highlight, not the summary row above it.
        first = next((i for i, o in enumerate(options) if o is not None and o.id in self._items), None)
        if first is None:
            first = next((i for i, o in enumerate(options) if o is not None and not o.disabled), None)
        ids = [o.id if o is not None else None for o in options]
        option_list.highlighted = ids.index(kept) if kept is not None and kept in ids else first

    def show_answers_source(self) -> None:
        self.refresh_advice()

    def show_saved_runs(self) -> None:
        self.refresh_advice()

    def action_save_as_interview(self) -> None:
        ask_to_save_as_interview(self.app)

    def action_evidence(self) -> None:
        option = self.query_one("#reasons", OptionList).highlighted_option
        if option is not None and option.id in self._items:
            title, message, refs = self._items[option.id]
            self.app.push_screen(EvidenceDialog(title, message, [(r.source, r.checked, r.strength) for r in refs]))

    @on(OptionList.OptionSelected, "#reasons")
    def _selected(self) -> None:
        self.action_evidence()
