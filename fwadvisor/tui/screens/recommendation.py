"""The recommendation: verdict, a bar per framework, reasons by area, blockers, caveats, what-ifs."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import EITHER_RICH_COLOUR, identity
from fwadvisor.report import content
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.screens.dialogs import EvidenceDialog, SaveAsInterviewCommands, ask_to_save_as_interview
from fwadvisor.tui.screens.interview import KEEP_HINT
from fwadvisor.tui.widgets.scorebars import ScoreBars
from fwadvisor.tui.widgets.too_small import TooSmallNotice

SHORT_HEIGHT = 32  # rows: below this the top of the screen folds to the verdict's line


def verdict_style(verdict: str) -> str:
    return f"bold {EITHER_RICH_COLOUR if verdict == 'either' else identity(verdict).rich_colour}"


class RecommendationScreen(Screen):
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
        self._items: dict[str, tuple[str, str, list[EvidenceRef]]] = {}
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
        rec: Recommendation = self.app.state.recommendation()  # type: ignore[attr-defined]
        # Rule text (the person's own rules too) is outside text: cleaned, never markup (an ESC
        # sequence in a rule once cleared the screen and blanked this verdict).
        verdict = Text(clean(rec.summary), style=verdict_style(rec.recommendation))
        self.query_one("#verdict", Static).update(verdict)
        self.query_one(ScoreBars).show(rec.scores, {b.framework for b in rec.blockers})
        priorities = Text()
        priorities.append(f"Margin {points_text(rec.margin)}. {clean(content.priorities_sentence(rec))}", style="dim")
        if rec.facts_checked is not None:
            sentence = content.fact_ages(rec).sentence().rstrip(".")
            priorities.append(f"\n{sentence} (e shows each source).", style="dim")
        # Only newer releases earn rows here at 80x24 ("nothing newer" is in the reports).
        for line in content.release_lines(rec) if rec.newer_releases else []:
            priorities.append("\n" + one_line(line), style="yellow")
        if rec.profile is not None:
            used = sum(1 for c in rec.profile.considered if c.used)
            run = Path(rec.profile.path).name if rec.profile.path else "this session's run"
            priorities.append(
                f"\nMeasured evidence: {one_line(run)} on {one_line(rec.profile.device)} "
                f"({used} of {len(rec.profile.considered)} numbers usable; press 3 for the profiler).",
                style="dim",
            )
        source = self.app.state.answers_source()  # type: ignore[attr-defined]
        if source:  # an answers file, not the saved interview: said, with how to keep them
            priorities.append(f"\n{source} ({KEEP_HINT}).", style="yellow")
        if self.app.state.loading_runs:  # type: ignore[attr-defined]
            priorities.append("\nReading the saved profile runs ...", style="dim")
        notice = self.app.state.profile_notice()  # type: ignore[attr-defined]
        if notice:  # the newest saved run could not be read: it was skipped, and the person is told why
            priorities.append("\n" + one_line(notice), style="yellow")
        self.query_one("#priorities", Static).update(priorities)
        self._fill_list(rec, priorities if self.short else None)

    def _fill_list(self, rec: Recommendation, summary: Text | None = None) -> None:
        """The list of reasons; `summary` (on a short terminal) is its first row, scrolling with it."""
        options: list[Option | None] = []
        self._items.clear()
        if summary is not None:
            options.append(Option(summary, id="summary"))

        def header(title: str, style: str) -> None:
            options.append(Option(Text(one_line(title), style=style), disabled=True))

        def entry(key: str, marker: Text, message: str, title: str, refs: list[EvidenceRef]) -> None:
            line = Text(one_line(marker.plain), style=marker.style)
            line.append(" " + one_line(message))
            self._items[key] = (one_line(title), clean(message), refs)
            options.append(Option(line, id=key))

        if rec.plan and rec.plan_rule:
            header("Split plan: one framework for everything is the wrong shape here", "bold cyan")
            for index, part in enumerate(rec.plan):
                entry(
                    f"plan:{index}",
                    Text(f"▸ {content.name(part.framework)}", style=f"bold {identity(part.framework).rich_colour}"),
                    f"for {part.covers.rstrip('.')}: {part.why}",
                    f"Split plan: {content.name(part.framework)}",
                    rec.plan_rule.evidence,
                )
            entry(
                "plan:meet",
                Text("↔ How they meet", style="bold"),
                rec.plan_rule.message,
                f"Split plan: {rec.plan_rule.rule}",
                rec.plan_rule.evidence,
            )
        if rec.blockers:
            header("Blockers: ruled out for this project", "bold red")
            for b in rec.blockers:
                entry(
                    f"blocker:{b.rule}",
                    Text(f"✖ {content.name(b.framework)}", style="bold red"),
                    b.message,
                    f"Blocker: {b.rule}",
                    b.evidence,
                )
        if not rec.reasons:
            header("No rule scored yet: answer a few questions in the interview (press 1).", "italic")
        for title, reasons in content.reasons_by_area(rec):
            header(title, "bold underline")
            for r in reasons:
                entry(
                    f"reason:{r.rule}",
                    Text(f"+{r.weight:g} {content.name(r.favors)}", style=f"bold {identity(r.favors).rich_colour}"),
                    r.message,
                    f"{r.rule} (+{r.weight:g} for {content.name(r.favors)})",
                    r.evidence,
                )
        if rec.caveats:
            header("Caveats: no points, but read them", "bold yellow")
            for cav in rec.caveats:
                who = content.name(cav.framework) if cav.framework else "both"
                entry(
                    f"caveat:{cav.rule}",
                    Text(f"! {who}", style="bold yellow"),
                    cav.message,
                    f"Caveat: {cav.rule}",
                    cav.evidence,
                )
        if rec.libraries:
            header("Your libraries: which frameworks each supports today", "bold")
            for row in rec.libraries:
                entry(
                    f"library:{row.id}",
                    Text("▪", style="bold"),
                    content.library_sentence(row),
                    f"Library: {row.name}",
                    [],
                )
        if rec.inferred:
            header("Answers read from the project (yours win)", "bold")
            for answer in rec.inferred:
                value = ", ".join(answer.value) if isinstance(answer.value, list) else answer.value
                entry(
                    f"inferred:{answer.question}",
                    Text(f"◇ {answer.question}: {value}", style="bold"),
                    f"{answer.why} Seen at {'; '.join(answer.evidence[:3])}.",
                    f"Read from the project: {answer.question}",
                    [],
                )
        if rec.alternatives:
            header("Other paths that fit", "bold cyan")
            for alt in rec.alternatives:
                entry(
                    f"alternative:{alt.rule}",
                    Text(f"◆ {alt.option}", style="bold cyan"),
                    f"{alt.when} {alt.message}",
                    f"Alternative: {alt.option}",
                    alt.evidence,
                )
        header("What would change the answer", "bold")
        # The rows under this title are never disabled: each can be reached and read from the keyboard.
        movers, movers_left_out = content.shown_movers(rec)
        if not rec.what_if and not movers:
            options.append(
                Option(Text("No single change of one answer would change the advice.", style="dim"), id="no-what-if")
            )
        elif movers:
            # A confident verdict: what moves it most, and what it would take for the other framework.
            options.append(Option(Text(content.movers_intro(rec) + ":", style="dim"), id="movers-intro"))
            for index, item in enumerate(movers):
                options.append(
                    Option(
                        Text("• " + one_line(content.what_if_sentence(item, rec.recommendation))), id=f"mover:{index}"
                    )
                )
            if rec.what_it_takes is not None:
                options.append(
                    Option(Text("→ " + one_line(content.what_it_takes_sentence(rec, rec.what_it_takes))), id="takes")
                )
            if movers_left_out:
                towards = content.name(content.movers_target(rec))
                options.append(
                    Option(
                        Text(
                            f"… and {movers_left_out} more changes towards {towards} (all in the JSON export,"
                            " j on the Report screen)",
                            style="dim",
                        ),
                        id="more-movers",
                    )
                )
        shown, left_out = content.shown_what_ifs(rec)
        for index, item in enumerate(shown):
            options.append(Option(Text("• " + one_line(content.what_if_sentence(item))), id=f"whatif:{index}"))
        if left_out:
            options.append(
                Option(
                    Text(
                        f"… and {left_out} smaller ones (all in the JSON export, j on the Report screen)", style="dim"
                    ),
                    id="more-what-ifs",
                )
            )
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
