"""The interview: one question at a time, generated from rules/questions.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from fwadvisor.advisor.model import AnswerValue, Question
from fwadvisor.advisor.questionnaire import applies
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.screens.base import AdvisorScreen
from fwadvisor.tui.widgets.too_small import TooSmallNotice

if TYPE_CHECKING:
    from textual.command import Provider

# Columns of a choices row that are not the choice's text (the mark and the padding around it).
CHOICE_GUTTER = 6
# Said once, on every screen that shows the answers, while they come from an answers file.
KEEP_HINT = "ctrl+s saves as your interview"


def save_as_interview_commands() -> type[Provider]:
    # The dialogs (and the report code they use) load when first needed, not before the first paint.
    from fwadvisor.tui.screens.dialogs import SaveAsInterviewCommands

    return SaveAsInterviewCommands


def question_title(question: Question) -> str:
    return question.id.replace("_", " ").capitalize()


def choice_label(question: Question, choice: str) -> str:
    """A choice in a few words, as people read it ("Nowhere yet"), not its id ("none")."""
    return question.choices[choice].split(" - ")[0].rstrip(".")


def choice_labels(question: Question, choices: list[str]) -> str:
    labels = [choice_label(question, choice) for choice in choices]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def question_position(question: Question, number: int | None, total: int) -> str:
    """The line above a question: where it is among the questions that apply (the count beside the
    buttons counts the same ones), its area (not a choice), and how many choices it takes."""
    if question.kind == "one":
        kind = "choose one"
    elif question.max_choices:
        kind = f"choose up to {question.max_choices}"
    else:
        kind = "choose all that apply"
    where = f"Question {number} of {total}" if number is not None else "Not asked for your answers"
    return f"{where} · area: {one_line(question.area)} · {kind}"


class ChoiceList(SelectionList[str]):
    """A SelectionList that toggles the choice that was highlighted when space or Enter was pressed.

    Textual's toggles whichever choice is highlighted when its own OptionSelected message is handled:
    in a burst of keys (auto-repeat, keys sent together) the arrow keys queued before that message
    have moved the highlight on, so every toggle fell on the last choice and most were lost.
    """

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        event.prevent_default()  # Textual calls each class's handler in turn: not SelectionList's too
        self.toggle(self.get_option_at_index(event.option_index))


class OneChoiceList(OptionList):
    """The choices of a one-answer question: space picks the highlighted one, as Enter does.

    The help says "space or enter" for every question, and space is what picks in a multiple-choice
    list, but Textual's OptionList binds Enter alone: space on a one-answer question did nothing.
    """

    BINDINGS = [Binding("space", "select", "Pick", show=False)]


class InterviewScreen(AdvisorScreen[None]):
    """Answer the questions; every change is saved at once."""

    HELP = (
        "Answer the questions about your project, one at a time. Pick with the arrow keys and "
        "space or enter (or click); n / b move to the next or previous question, s skips one, "
        "x clears an answer. Your answers are saved as you go, except those opened from a file "
        "with --answers: they are kept apart from your saved interview until you save them as it "
        "(ctrl+s, or the palette's Save these answers as my interview)."
    )
    COMMANDS = {save_as_interview_commands}
    # The answers-file line shows only in such a session (one row at 80x24, wrapped when the name is long).
    DEFAULT_CSS = """
    InterviewScreen #answers-source { height: auto; padding: 0 1; background: $warning 20%; display: none; }
    InterviewScreen #answers-source.-shown { display: block; }
    """
    BINDINGS = [
        Binding("n", "next", "Next"),
        Binding("b", "back", "Back"),
        Binding("s", "skip", "Skip"),
        Binding("x", "clear", "Clear"),
        Binding("ctrl+s", "save_as_interview", "Save as interview", show=False),
        Binding("o", "app.start_from_project", "Open project", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index = 0
        # The save failure last told, so that every answer after it does not raise the same message.
        self.told_save_error: str | None = None
        # Answers that stopped applying because of a change to this question: kept here (not saved)
        # until the person leaves the question, so that undoing the change brings them back.
        self.held: dict[str, AnswerValue] = {}
        # The choices that picking a stand-alone choice ("Nowhere yet") unpicked: unpicking it again
        # while still on the question picks them again.
        self.unpicked_by: tuple[str, list[str]] | None = None

    @property
    def questions(self) -> list[Question]:
        return self.state.questionnaire.questions

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        yield Header()
        yield Static(id="answers-source")
        with Horizontal(id="interview-body"):
            # One OptionList rather than a widget per question: fewer widgets, a faster first paint.
            yield OptionList(*[Option(self._list_label(q), id=q.id) for q in self.questions], id="question-list")
            with VerticalScroll(id="question-panel"):
                yield Static(id="question-position")
                yield Static(id="question-prompt")
                yield Static(id="question-help")
                with Vertical(id="choices-holder"):
                    yield self._choices_widget(self.questions[0])
                yield Static(id="choice-detail")
        with Horizontal(id="interview-nav"):
            # Disabled from the start (the first question has none before it): no restyle before the first paint.
            yield Button("‹ Back", id="back", disabled=True)
            yield Button("Skip", id="skip")
            yield Button("Next ›", id="next", variant="primary")
            yield Static(id="answered-progress")
        yield Footer()

    def on_mount(self) -> None:
        # The first question's choices were composed with the screen: no extra mount before first paint.
        self._show_text(0)
        self.show_answers_source()

    def on_screen_resume(self) -> None:
        self.show_answers_source()

    def show_answers_source(self) -> None:
        """Say which answers these are when they come from an answers file (not the saved interview)."""
        answers_file = self.state.answers_file
        line = self.query_one("#answers-source", Static)
        line.set_class(answers_file is not None, "-shown")
        if answers_file is not None:  # a file name: shown as written, never markup
            line.update(Text(f"Showing {one_line(answers_file.name)} · not saved · {KEEP_HINT}"))

    def action_save_as_interview(self) -> None:
        from fwadvisor.tui.screens.dialogs import ask_to_save_as_interview

        ask_to_save_as_interview(self.app)

    def _applies(self, question: Question) -> bool:
        return applies(question, self.state.answers)

    def _list_label(self, question: Question) -> Text:
        if not self._applies(question):
            return Text(f"– {question_title(question)}", style="dim")
        done = question.id in self.state.answers
        return Text(f"{'✓' if done else '·'} {question_title(question)}")

    def _next_applicable(self, index: int, step: int) -> int:
        """The nearest question from `index` in direction `step` that applies to the answers so far."""
        while 0 <= index < len(self.questions) and not self._applies(self.questions[index]):
            index += step
        return index

    def _refresh_progress(self) -> None:
        state = self.state
        # Questions that do not apply to the answers so far are not counted as still to answer.
        asked = [q for q in self.questions if self._applies(q)]
        answered, total = sum(1 for q in asked if q.id in state.answers), len(asked)
        bar_width = 20
        filled = round(answered / total * bar_width)
        progress = Text()
        progress.append("━" * filled, style="green")
        progress.append("━" * (bar_width - filled), style="dim")
        progress.append(f"  {answered} of {total} answered")
        self.query_one("#answered-progress", Static).update(progress)
        question = self.questions[self.index]
        number = asked.index(question) + 1 if question in asked else None
        self.query_one("#question-position", Static).update(Text(question_position(question, number, total)))
        question_list = self.query_one("#question-list", OptionList)
        for question in self.questions:
            question_list.replace_option_prompt(question.id, self._list_label(question))

    def _choices_widget(self, question: Question) -> OptionList | SelectionList[str]:
        answer = self.state.answers.get(question.id)
        if question.kind == "one":
            # A single choice is an OptionList with radio marks: the same widget family as the
            # multiple-choice SelectionList, which keeps the first paint light.
            return OneChoiceList(
                *[
                    Option(self._radio_label(text, choice == answer), id=choice)
                    for choice, text in question.choices.items()
                ],
                id="choices",
            )
        chosen = set(answer or [])
        return ChoiceList(
            *[(text, choice, choice in chosen) for choice, text in question.choices.items()], id="choices"
        )

    @staticmethod
    def _radio_label(text: str, chosen: bool) -> Text:
        label = Text()
        label.append("◉ " if chosen else "○ ", style="bold green" if chosen else "")
        label.append(text, style="bold" if chosen else "")
        return label

    def _show_text(self, index: int) -> None:
        """Everything about question `index` except its choices widget."""
        self.index = max(0, min(index, len(self.questions) - 1))
        question = self.questions[self.index]
        # The questions are text from a rules file: shown as written (Text), never read as markup.
        self.query_one("#question-prompt", Static).update(Text(clean(question.prompt)))
        help_text = question.help
        if question.max_choices:
            help_text += f" (At most {question.max_choices}.)"
        if not self._applies(question):
            help_text += (
                f"\nThis question does not apply to your answers: it is asked {question.applies_note}. "
                "Next and Back skip it."
            )
        self.query_one("#question-help", Static).update(Text(clean(help_text)))
        self.query_one("#choice-detail", Static).update("")
        self.query_one("#question-list", OptionList).highlighted = self.index
        self.query_one("#back", Button).disabled = self.index == 0
        last = self._next_applicable(self.index + 1, +1) >= len(self.questions)
        self.query_one("#next", Button).label = "Advice ›" if last else "Next ›"
        self._refresh_progress()
        self.query_one("#choices").focus()

    def go_to_first_unanswered(self) -> None:
        """After answers came from a project folder: the first question that applies and is still open."""
        answers = self.state.answers
        index = next(
            (i for i, q in enumerate(self.questions) if q.id not in answers and self._applies(q)),
            len(self.questions) - 1,
        )
        self.run_worker(self.show_question(index), exclusive=True, group="question")

    async def show_question(self, index: int) -> None:
        self.leave_question()
        self.index = max(0, min(index, len(self.questions) - 1))
        holder = self.query_one("#choices-holder", Vertical)
        await holder.remove_children()
        await holder.mount(self._choices_widget(self.questions[self.index]))
        self._show_text(self.index)

    @on(OptionList.OptionSelected, "#choices")
    def _one_chosen(self, event: OptionList.OptionSelected) -> None:
        question = self.questions[self.index]
        if question.kind != "one":
            return  # a SelectionList (many) is an OptionList too; its toggles are handled below
        if not self._applies(question):
            self.notify(f"This question is asked {question.applies_note}.", title="Does not apply")
            return
        self._store(question, event.option.id)
        for choice, text in question.choices.items():
            event.option_list.replace_option_prompt(choice, self._radio_label(text, choice == event.option.id))
        self._refresh_progress()

    def leave_question(self) -> None:
        """The person moves on: answers held back for an undo are gone for good, as the screen said."""
        self.held, self.unpicked_by = {}, None

    def on_screen_suspend(self) -> None:
        self.leave_question()

    def _store(self, question: Question, value: str | list[str] | None) -> None:
        state = self.state
        before = dict(state.answers)
        dropped = state.set_answer(question.id, value)
        for qid in dropped:
            self.held[qid] = before[qid]
        restored = state.restore_answers(self.held)
        for qid in restored:
            del self.held[qid]
        if dropped:
            names = ", ".join(question_title(q) for q in self.questions if q.id in dropped)
            self.notify(
                f"{names}: no longer asked, so the answer is put aside. Undo this change before you "
                "leave the question to keep it.",
                title="Answers updated",
            )
        if restored:
            names = ", ".join(question_title(q) for q in self.questions if q.id in restored)
            self.notify(f"{names}: your answer is back.", title="Answers updated")
        if state.save_error and state.save_error != self.told_save_error:
            self.notify(clean(state.save_error), title="Not saved", severity="error", timeout=10, markup=False)
        elif not state.save_error and self.told_save_error:
            self.notify("Your answers are saved again.", title="Saved")
        self.told_save_error = state.save_error

    @on(SelectionList.SelectedChanged, "#choices")
    def _many_chosen(self, event: SelectionList.SelectedChanged) -> None:
        question = self.questions[self.index]
        order = list(question.choices)
        picked = sorted(event.selection_list.selected, key=order.index)
        before = self.state.answers.get(question.id) or []
        added = [choice for choice in picked if choice not in before]
        # Sense checks as the person picks: a choice that stands alone clears the others (and the
        # reverse), and a limit on the number of choices refuses one more.
        for alone in question.exclusive:
            if alone in picked and len(picked) > 1:
                clear = [c for c in picked if c != alone] if alone in added else [alone]
                for choice in clear:
                    event.selection_list.deselect(choice)
                if alone in added:
                    self.unpicked_by = (alone, clear)
                    undo = f" Unpick {choice_label(question, alone)} to pick them again."
                else:
                    self.unpicked_by, undo = None, ""
                self.notify(
                    f"{choice_label(question, alone)} cannot be combined with other choices: unpicked "
                    f"{choice_labels(question, clear)}.{undo}",
                    title="One or the other",
                )
                return  # deselecting sends SelectedChanged again with the valid selection
        if self.unpicked_by is not None and not picked and before == [self.unpicked_by[0]]:
            # The stand-alone choice was a slip: unpicking it puts back what it unpicked.
            _, unpicked = self.unpicked_by
            self.unpicked_by = None
            for choice in unpicked:
                event.selection_list.select(choice)
            self.notify(f"Picked again: {choice_labels(question, unpicked)}.", title="Undone")
            return  # selecting sends SelectedChanged again with the choices put back
        if question.max_choices is not None and len(picked) > question.max_choices:
            for choice in added or picked[question.max_choices :]:
                event.selection_list.deselect(choice)
            self.notify(f"Pick at most {question.max_choices}: unpick one first.", title="Too many", severity="warning")
            return
        self._store(question, picked or None)
        self._refresh_progress()

    @on(SelectionList.SelectionHighlighted, "#choices")
    @on(OptionList.OptionHighlighted, "#choices")
    def _show_choice(self, event: SelectionList.SelectionHighlighted | OptionList.OptionHighlighted) -> None:
        # Long choice texts are cut to the list's width; the highlighted one is shown in full here.
        question = self.questions[self.index]
        choice = event.selection.value if isinstance(event, SelectionList.SelectionHighlighted) else event.option.id
        if choice in question.choices:
            text = question.choices[choice]
            # Only a choice the list cuts short is written out in full (the id is no news to anyone).
            # A single choice's list wraps its texts; a many-choice list cuts them at its width.
            room = self.query_one("#choices").content_size.width - CHOICE_GUTTER
            cut = question.kind != "one" and len(text) > room
            self.query_one("#choice-detail", Static).update(Text(clean(text)) if cut else "")

    @on(OptionList.OptionSelected, "#question-list")
    async def _jump(self, event: OptionList.OptionSelected) -> None:
        if event.option_index != self.index:
            await self.show_question(event.option_index)

    @on(Button.Pressed, "#next")
    async def action_next(self) -> None:
        following = self._next_applicable(self.index + 1, +1)
        if following >= len(self.questions):
            await self.app.switch_mode("advice")
        else:
            await self.show_question(following)

    @on(Button.Pressed, "#back")
    async def action_back(self) -> None:
        previous = self._next_applicable(self.index - 1, -1)
        await self.show_question(previous if previous >= 0 else self.index)

    @on(Button.Pressed, "#skip")
    async def action_skip(self) -> None:
        await self.action_next()

    async def action_clear(self) -> None:
        self._store(self.questions[self.index], None)
        await self.show_question(self.index)
