"""What a respondent page shows: the page flow turned into plain view models for templates.

Texts come from the Form in the respondent's language with answers piped in; the default
error texts (used when the form has no message of its own) are translated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from peiling.fieldwork.answers import MAX_TEXT_LENGTH, RANK_SEPARATOR, range_values
from peiling.fieldwork.flow import FieldError, Flow
from peiling.forms.expressions import Answer
from peiling.forms.model import Group, Page, Question, text_in


def default_message(error: FieldError) -> str:
    """Return the text for ``error``: the form's own message, else peiling's default."""
    if error.message:
        return error.message
    texts = {
        "required": _("Answer this question to continue."),
        "constraint": _("This answer is not possible. Check it and try again."),
        "integer": _("Enter a whole number, for example 12."),
        "decimal": _("Enter a number, for example 12 or 3,5."),
        "date": _("Enter a date as day-month-year, for example 31-12-2024."),
        "range": _("Enter a number from %(start)s to %(end)s."),
        "too_large": _("This number is too large: enter at most %(digits)s digits."),
        "rank_incomplete": _("Give every option a place, or leave them all empty."),
        "rank_duplicate": _("Each option can have one place only."),
    }
    text = texts.get(error.code, texts["constraint"])
    return text % dict(error.params) if error.params else text


@dataclass
class ChoiceView:
    value: str
    label: str
    id: str
    checked: bool = False


@dataclass
class RankView:
    name: str
    id: str
    label: str
    selected: str


@dataclass
class QuestionView:
    """One question as the templates draw it; ``widget`` picks the template part."""

    name: str
    widget: str
    label: str
    hint: str = ""
    id: str = ""
    anchor: str = ""
    required: bool = False
    value: str = ""
    choices: list[ChoiceView] = field(default_factory=list)
    ranks: list[RankView] = field(default_factory=list)
    error: str = ""
    max_length: int = MAX_TEXT_LENGTH
    inputmode: str = ""

    @property
    def described_by(self) -> str:
        parts = [f"{self.id}-hint" if self.hint else "", f"{self.id}-error" if self.error else ""]
        return " ".join(part for part in parts if part)


@dataclass
class GridView:
    """A table-list group: one row per statement, one column per choice."""

    name: str
    label: str
    columns: list[str]
    rows: list[QuestionView]

    widget: str = "grid"


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: which question, what is wrong, where to go."""

    anchor: str
    question: str
    message: str


@dataclass
class PageView:
    key: str
    title: str
    section: str
    items: list[QuestionView | GridView]
    errors: list[ErrorLink]
    position: int
    total: int
    is_first: bool
    is_last: bool
    notice: str = ""
    single_question: bool = False

    @property
    def percent(self) -> int:
        return round(100 * (self.position - 1) / self.total) if self.total else 0


def page_view(
    flow: Flow, page: Page, answers: Mapping[str, Answer], *, language: str,
    respondent_key: str, raw: Mapping[str, Mapping[str, list[str]]] | None = None,
    errors: Sequence[FieldError] = (), new_questions: Sequence[str] = (),
) -> PageView:
    """Return the view model of ``page`` for a respondent with ``answers``.

    ``raw`` (what was posted) and ``errors`` come from a submit that did not pass; without
    them the fields show the stored answers (or the form's defaults).
    """
    values = flow.values(answers)
    posted = _posted(flow, page, answers, raw)
    messages = {error.name: default_message(error) for error in errors}
    questions = flow.page_questions(page, values)
    builder = _Builder(flow, values, language, respondent_key, posted, messages)
    items: list[QuestionView | GridView] = []
    grid = _grid_of(flow, page, questions)
    if grid is not None:
        items.append(builder.grid(page.group, questions))  # type: ignore[arg-type]
    else:
        items.extend(builder.question(q) for q in questions)
    flat = [row for item in items for row in (item.rows if isinstance(item, GridView) else [item])]
    position, total = flow.progress(answers, page.key)
    answerable = [q for q in questions if q.is_answered_by_respondent]
    return PageView(
        key=page.key,
        title=flow.text(page.group.label, language, values) if page.group else "",
        section=_section(flow, page, language, values),
        items=items,
        errors=[ErrorLink(row.anchor, _short(row.label), row.error) for row in flat if row.error],
        position=position,
        total=total,
        is_first=flow.previous_page(answers, page.key) is None,
        is_last=flow.next_page(answers, page.key) is None,
        notice=(_("Because of your answer, there is one more question on this page.")
                if new_questions else ""),
        single_question=page.group is None and len(answerable) == 1,
    )


class _Builder:
    def __init__(self, flow: Flow, values: Mapping[str, Answer], language: str,
                 respondent_key: str, posted: Mapping[str, list[str]],
                 messages: Mapping[str, str]) -> None:
        self.flow, self.values, self.language = flow, values, language
        self.key, self.posted, self.messages = respondent_key, posted, messages

    def question(self, question: Question, *, seed: str | None = None) -> QuestionView:
        flow, name = self.flow, question.name
        view = QuestionView(
            name=name, widget=_widget(flow, question), id=f"q-{name}", anchor=f"q-{name}",
            label=flow.text(question.label, self.language, self.values),
            hint=flow.text(question.hint, self.language, self.values),
            required=flow.is_required(question, self.values),
            error=self.messages.get(name, ""),
        )
        posted = self.posted.get(name, [])
        if view.widget in ("radio", "checkbox", "select", "likert"):
            choices = flow.choices(question, self.values, self.key, seed_name=seed)
            view.choices = [
                ChoiceView(c.name, text_in(c.label, self.language, flow.form.default_language),
                           f"q-{name}-{index}", c.name in posted)
                for index, c in enumerate(choices)
            ]
            view.anchor = view.choices[0].id if view.choices and view.widget != "select" \
                else view.id
        elif view.widget == "range_radio":
            view.choices = [ChoiceView(str(v), str(v), f"q-{name}-{i}", str(v) in posted)
                            for i, v in enumerate(range_values(question) or ())]
            view.anchor = view.choices[0].id if view.choices else view.id
        elif view.widget == "rank":
            view.ranks = self._ranks(question)
            view.anchor = view.ranks[0].id if view.ranks else view.id
            view.choices = [
                ChoiceView(c.name, text_in(c.label, self.language, flow.form.default_language),
                           f"q-{name}-c{index}")
                for index, c in enumerate(flow.choices(question, self.values, self.key))
            ]
        else:
            view.value = posted[0] if posted else ""
            view.inputmode = {"integer": "numeric", "decimal": "decimal"}.get(question.type, "")
        return view

    def _ranks(self, question: Question) -> list[RankView]:
        count = len(self.flow.form.choices(question))
        ranks = []
        for position in range(1, count + 1):
            field_name = f"{question.name}{RANK_SEPARATOR}{position}"
            chosen = self.posted.get(field_name, [""])
            ranks.append(RankView(field_name, f"q-{question.name}-r{position}",
                                  _("Place %(number)s") % {"number": position},
                                  chosen[0] if chosen else ""))
        return ranks

    def grid(self, group: Group, questions: Sequence[Question]) -> GridView:
        rows = [self.question(q, seed=group.name) for q in questions]
        return GridView(
            name=group.name,
            label=self.flow.text(group.label, self.language, self.values),
            columns=[choice.label for choice in rows[0].choices] if rows else [],
            rows=rows,
        )


def _short(label: str, words: int = 12) -> str:
    """Return the first words of a label, for the error summary."""
    parts = label.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _widget(flow: Flow, question: Question) -> str:
    appearance = set((question.appearance or "").split())
    if question.type == "select_one":
        if "minimal" in appearance:
            return "select"
        return "likert" if "likert" in appearance else "radio"
    if question.type == "select_multiple":
        return "checkbox"
    if question.type == "range":
        return "range_radio" if range_values(question) is not None else "number"
    return {"rank": "rank", "integer": "number", "decimal": "number", "date": "date",
            "text": "text", "note": "note"}.get(question.type, "text")


def _grid_of(flow: Flow, page: Page, questions: Sequence[Question]) -> Group | None:
    """Return the page's group when it is a grid: table-list, all select_one on one list."""
    group = page.group
    if group is None or "table-list" not in (group.appearance or "").split() or not questions:
        return None
    lists = {q.choice_list for q in questions}
    if len(lists) != 1 or any(q.type != "select_one" for q in questions):
        return None
    return group


def _posted(flow: Flow, page: Page, answers: Mapping[str, Answer],
            raw: Mapping[str, Mapping[str, list[str]]] | None) -> dict[str, list[str]]:
    if raw is not None:
        return {name: values for fields in raw.values() for name, values in fields.items()}
    shown = dict(answers)
    for question in page.questions:
        default = question.default
        if question.name in shown or not default:
            continue
        multiple = question.type in ("select_multiple", "rank")
        shown[question.name] = tuple(default.split()) if multiple else default
    return flow.post_data(page, shown)


def _section(flow: Flow, page: Page, language: str, values: Mapping[str, Answer]) -> str:
    """Return the label of the closest enclosing group that is not the page itself."""
    name = page.group.name if page.group else page.questions[0].name
    for group in reversed(flow.form.parents_of(name)):
        if group is not page.group and group.label:
            return flow.text(group.label, language, values)
    return ""
