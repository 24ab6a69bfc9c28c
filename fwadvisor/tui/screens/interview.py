"""The interview: one question at a time, generated from rules/questions.yaml."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    Label,
    ListItem,
    ListView,
    ProgressBar,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)

from fwadvisor.advisor.model import Question


def question_title(question: Question) -> str:
    return question.id.replace("_", " ").capitalize()


class InterviewScreen(Screen):
    """Answer the questions; every change is saved at once."""

    HELP = ("Answer the questions about your project, one at a time. Pick with the arrow keys and "
            "space or enter (or click); n / b move to the next or previous question, s skips one, "
            "x clears an answer. Your answers are saved as you go.")
    BINDINGS = [
        Binding("n", "next", "Next"),
        # Back and Skip are buttons on screen too; the footer keeps to the keys people need most.
        Binding("b", "back", "Back", show=False),
        Binding("s", "skip", "Skip", show=False),
        Binding("x", "clear", "Clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index = 0

    @property
    def questions(self) -> list[Question]:
        return self.app.state.questionnaire.questions  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="interview-body"):
            yield ListView(*[ListItem(Label(self._list_label(q)), id=f"q-{q.id}") for q in self.questions],
                           id="question-list")
            with VerticalScroll(id="question-panel"):
                yield Static(id="question-position")
                yield Static(id="question-prompt")
                yield Static(id="question-help")
                yield Vertical(id="choices-holder")
                yield Static(id="choice-detail")
        with Horizontal(id="interview-nav"):
            yield Button("‹ Back", id="back")
            yield Button("Skip", id="skip")
            yield Button("Next ›", id="next", variant="primary")
            yield ProgressBar(total=len(self.questions), show_eta=False, id="answered-progress")
            yield Label(id="answered-label")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_class(self.size.width < 100, "narrow")
        await self.show_question(0)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "narrow")

    def _list_label(self, question: Question) -> str:
        done = question.id in self.app.state.answers  # type: ignore[attr-defined]
        return f"{'✓' if done else '·'} {question_title(question)}"

    def _refresh_progress(self) -> None:
        state = self.app.state  # type: ignore[attr-defined]
        answered = state.answered_count()
        self.query_one("#answered-progress", ProgressBar).update(progress=answered)
        self.query_one("#answered-label", Label).update(f"{answered} of {len(self.questions)} answered")
        for question in self.questions:
            item = self.query_one(f"#q-{question.id}", ListItem)
            item.query_one(Label).update(self._list_label(question))

    async def show_question(self, index: int) -> None:
        self.index = max(0, min(index, len(self.questions) - 1))
        question = self.questions[self.index]
        answer = self.app.state.answers.get(question.id)  # type: ignore[attr-defined]
        kind = "one choice" if question.kind == "one" else "pick all that apply"
        self.query_one("#question-position", Static).update(
            f"Question {self.index + 1} of {len(self.questions)} · {question.area} · {kind}")
        self.query_one("#question-prompt", Static).update(question.prompt)
        self.query_one("#question-help", Static).update(question.help)
        self.query_one("#choice-detail", Static).update("")
        holder = self.query_one("#choices-holder", Vertical)
        await holder.remove_children()
        if question.kind == "one":
            widget = RadioSet(*[RadioButton(text, value=choice == answer, name=choice)
                                for choice, text in question.choices.items()], id="choices")
        else:
            chosen = set(answer or [])
            widget = SelectionList[str](*[(text, choice, choice in chosen)
                                          for choice, text in question.choices.items()], id="choices")
        await holder.mount(widget)
        widget.focus()
        self.query_one("#question-list", ListView).index = self.index
        self.query_one("#back", Button).disabled = self.index == 0
        last = self.index == len(self.questions) - 1
        self.query_one("#next", Button).label = "See advice ›" if last else "Next ›"
        self._refresh_progress()

    @on(RadioSet.Changed, "#choices")
    def _one_chosen(self, event: RadioSet.Changed) -> None:
        self.app.state.set_answer(self.questions[self.index].id, event.pressed.name)  # type: ignore[attr-defined]
        self._refresh_progress()

    @on(SelectionList.SelectedChanged, "#choices")
    def _many_chosen(self, event: SelectionList.SelectedChanged) -> None:
        question = self.questions[self.index]
        order = list(question.choices)
        picked = sorted(event.selection_list.selected, key=order.index)
        self.app.state.set_answer(question.id, picked or None)  # type: ignore[attr-defined]
        self._refresh_progress()

    @on(SelectionList.SelectionHighlighted, "#choices")
    def _show_choice(self, event: SelectionList.SelectionHighlighted) -> None:
        # Long choice texts are cut to the list's width; the highlighted one is shown in full here.
        question = self.questions[self.index]
        choice = event.selection.value
        self.query_one("#choice-detail", Static).update(f"{choice}: {question.choices[choice]}")

    @on(ListView.Selected, "#question-list")
    async def _jump(self, event: ListView.Selected) -> None:
        if event.item.id:
            ids = [q.id for q in self.questions]
            target = ids.index(event.item.id.removeprefix("q-"))
            if target != self.index:
                await self.show_question(target)

    @on(Button.Pressed, "#next")
    async def action_next(self) -> None:
        if self.index == len(self.questions) - 1:
            await self.app.switch_mode("advice")
        else:
            await self.show_question(self.index + 1)

    @on(Button.Pressed, "#back")
    async def action_back(self) -> None:
        await self.show_question(self.index - 1)

    @on(Button.Pressed, "#skip")
    async def action_skip(self) -> None:
        await self.action_next()

    async def action_clear(self) -> None:
        self.app.state.set_answer(self.questions[self.index].id, None)  # type: ignore[attr-defined]
        await self.show_question(self.index)
