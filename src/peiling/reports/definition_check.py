"""Checking a report definition against its questionnaire, and the default layout. Pure.

``check_definition`` looks up every question, choice and expression a definition names in the
Form and collects every problem (with its line and column in the file) before raising.
``default_sections`` is the layout of a report nobody defined: a section per questionnaire
group.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from peiling.forms.expressions import ExpressionError, parse
from peiling.forms.model import Form, Group, Question, text_in
from peiling.openanswers.themes import CODES_SUFFIX
from peiling.reports.definition import (
    NUMERIC_TYPES,
    TABLE_TYPES,
    DefinitionError,
    ItemSpec,
    Problem,
    ReportDefinition,
    SectionSpec,
)

__all__ = ["check_definition", "default_sections"]


# -- checking against the questionnaire ---------------------------------------------------------


def check_definition(
    definition: ReportDefinition, form: Form, *, extra: Sequence[str] = ()
) -> None:
    """Check names, choices and expressions against ``form``; raise listing every problem.

    ``extra`` names data columns that are not in the form (a source or weight column).
    """
    checker = _Checker(definition, form, set(extra))
    checker.run()
    if checker.problems:
        raise DefinitionError(checker.problems)


class _Checker:
    def __init__(self, definition: ReportDefinition, form: Form, extra: set[str]) -> None:
        self.definition = definition
        self.form = form
        self.extra = extra
        self.questions = {q.name: q for q in form.questions()}
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        positions = self.definition.positions
        line, column = positions.get(path, positions.get(path + "#key", (None, None)))
        self.problems.append(Problem(path, message, line, column, self.definition.source))

    def run(self) -> None:
        d = self.definition
        names = [b.name for b in d.banners]
        if d.banner is not None and d.banner not in names:
            self.problem(
                "banner",
                f"no banner named {d.banner!r}; define it under banners "
                f"(defined: {', '.join(names) or 'none'})",
            )
        for banner in d.banners:
            path = "banners" if banner.name == "default" else f"banners.{banner.name}"
            if banner.name == "default":
                path = "banner"
            for i, spec in enumerate(banner.columns):
                self.banner_column(
                    spec, f"{path}.columns[{i}]" if path != "banner" else f"banner[{i}]"
                )
            self.expression(banner.filter, f"{path}.filter")
        self.expression(d.filter, "filter")
        for name, path in ((d.weight, "weight"), (d.source_variable, "sources.variable")):
            if name is not None and name not in self.questions and name not in self.extra:
                self.unknown(name, path)
        for i, name in enumerate(d.questions or ()):
            self.question(name, f"questions[{i}]", TABLE_TYPES)
        for section in d.sections or ():
            for item in section.items:
                self.item(item)
        for dist in d.distributions or ():
            self.question(dist.variable, f"{dist.path}.variable", {"select_one"})
            self.banner_name(dist.banner, f"{dist.path}.banner")
            self.expression(dist.filter, f"{dist.path}.filter")
        # An edited finding whose question is gone is kept and flagged by the build, so that
        # no text a researcher wrote is lost; only a key that cannot name one is wrong here.
        for edit in d.findings:
            parts = edit.key.split("|")
            if len(parts) not in (2, 3) or not all(parts):
                self.problem(edit.path, f"{edit.key!r} is not a finding's key; expected "
                             "'question|answer' or 'question|answer|column'")

    def unknown(self, name: str, path: str) -> None:
        close = difflib.get_close_matches(name, list(self.questions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.problem(path, f"unknown question {name!r}{hint}")

    def question(self, name: str, path: str, types: set[str] | frozenset[str]) -> Question | None:
        question = self.questions.get(name)
        if question is None:
            self.unknown(name, path)
            return None
        if question.type not in types:
            self.problem(
                path,
                f"{name!r} is a {question.type} question; expected {' or '.join(sorted(types))}",
            )
            return None
        return question

    def banner_name(self, name: str | None, path: str) -> None:
        if name is not None and self.definition.banner_named(name) is None:
            names = ", ".join(b.name for b in self.definition.banners) or "none"
            self.problem(path, f"no banner named {name!r} (defined: {names})")

    def banner_column(self, spec: str, path: str) -> None:
        if spec in self.questions:
            if self.questions[spec].type not in ("select_one", "select_multiple"):
                self.problem(
                    path,
                    f"banner variable {spec!r} is a {self.questions[spec].type} "
                    "question; use a choice question or LABEL=EXPR",
                )
            return
        label, equals, expression = spec.partition("=")
        if not equals:
            self.unknown(spec, path)
        elif not label.strip():
            self.problem(path, f"banner column {spec!r} needs a label before '='")
        else:
            self.expression(expression.strip(), path)

    def expression(self, text: str | None, path: str) -> None:
        if text is None:
            return
        try:
            parsed = parse(text)
        except ExpressionError as error:
            self.problem(path, f"expression {text!r}: {error}")
            return
        for name in sorted(parsed.references):
            if name not in self.questions and name not in self.extra:
                self.unknown(name, path)

    def choices(self, question: Question, names: Sequence[str], path: str) -> None:
        valid = [c.name for c in self.form.choices(question)]
        for i, name in enumerate(names):
            if name not in valid:
                close = difflib.get_close_matches(name, valid, n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"expected one of {', '.join(valid)}"
                )
                self.problem(f"{path}[{i}]", f"{question.name!r} has no choice {name!r}; {hint}")

    def item(self, item: ItemSpec) -> None:
        path = item.path
        self.banner_name(item.banner, f"{path}.banner")
        self.expression(item.filter, f"{path}.filter")
        check: dict[str, Callable[[ItemSpec], None]] = {
            "question": self.question_item,
            "statements": self.statements_item,
            "quotes": self.quotes_item,
            "text": lambda _: None,
        }
        check[item.kind](item)

    def question_item(self, item: ItemSpec) -> None:
        path = item.path
        if self.coded(item.questions[0]):
            # The codes are the open question's codebook, which can change after the
            # definition is written: the build leaves out what the data does not hold.
            if item.chart is not None and item.chart not in ("none", "bars"):
                self.problem(f"{path}.chart", "coded answers can have chart none or bars; got "
                             f"{item.chart!r}")
            if item.bands or item.net_score is not None:
                self.problem(path, "coded answers take no bands or net score")
            return
        question = self.question(item.questions[0], f"{path}.question", TABLE_TYPES)
        if question is None:
            return
        allowed = {"select_one": ("none", "bars", "stacked"), "select_multiple": ("none", "bars")}
        charts = allowed.get(question.type, ("none", "histogram", "bars"))
        if item.chart is not None and item.chart not in charts:
            self.problem(
                f"{path}.chart",
                f"a {question.type} question can have chart "
                f"{', '.join(charts)}; got {item.chart!r}",
            )
        if question.type in NUMERIC_TYPES:
            if item.nets or item.net_score:
                self.problem(f"{path}.nets", "nets need a choice question")
            return
        if item.bands:
            self.problem(f"{path}.bands", "bands are for numeric questions")
        for i, net in enumerate(item.nets):
            self.choices(question, net.categories, f"{path}.nets[{i}].categories")
        if item.net_score is not None:
            self.choices(question, item.net_score.positive, f"{path}.net_score.positive")
            self.choices(question, item.net_score.negative, f"{path}.net_score.negative")

    def statements_item(self, item: ItemSpec) -> None:
        path = item.path
        if not item.questions:
            self.problem(f"{path}.statements", "a grid needs at least one statement")
            return
        lists: set[str | None] = set()
        first: Question | None = None
        for i, name in enumerate(item.questions):
            question = self.question(name, f"{path}.statements[{i}]", {"select_one"})
            if question is not None:
                lists.add(question.choice_list)
                first = first or question
        if len(lists) > 1:
            self.problem(
                f"{path}.statements",
                "the statements of a grid must share one choice "
                f"list (got {', '.join(sorted(map(str, lists)))})",
            )
        if item.chart is not None and item.chart not in ("none", "stacked"):
            self.problem(
                f"{path}.chart", f"a grid can have chart none or stacked; got {item.chart!r}"
            )
        if first is not None:
            self.choices(first, item.agree, f"{path}.agree")

    def coded(self, name: str) -> bool:
        """Whether ``name`` is the codes of an open question (``<question>_codes``)."""
        base = name.removesuffix(CODES_SUFFIX)
        return (name not in self.questions and base != name
                and getattr(self.questions.get(base), "type", None) == "text")

    def quotes_item(self, item: ItemSpec) -> None:
        # Without themes, the themes are the codes of the answers (none yet: the build says so).
        self.question(item.questions[0], f"{item.path}.quotes", {"text"})


# -- the default layout -----------------------------------------------------------------------


def default_sections(
    form: Form, *, skip: Sequence[str] = (), only: Sequence[str] | None = None
) -> tuple[SectionSpec, ...]:
    """Return a section per top-level group of ``form``: its closed questions and grids.

    Questions in ``skip`` (the banner variables, which the methods chapter shows) are left
    out; with ``only``, just those questions. A ``table-list`` group becomes one grid with a
    stacked bar chart; a single choice question gets a table and a bar chart.
    """
    wanted = None if only is None else set(only)

    def keep(question: Question) -> bool:
        return (
            question.type in TABLE_TYPES
            and question.name not in skip
            and (wanted is None or question.name in wanted)
        )

    def items_of(children: Sequence[Any]) -> list[ItemSpec]:
        items: list[ItemSpec] = []
        for child in children:
            if isinstance(child, Group) and "table-list" in (child.appearance or ""):
                names = tuple(
                    q.name
                    for q in child.children
                    if isinstance(q, Question) and q.type == "select_one" and keep(q)
                )
                if names:
                    items.append(ItemSpec("statements", names, chart="stacked"))
            elif isinstance(child, Group):
                items.extend(items_of(child.children))
            elif keep(child):
                items.append(ItemSpec("question", (child.name,)))
        return items

    sections = []
    loose: list[Any] = []
    for child in form.children:
        if isinstance(child, Group):
            items = items_of(child.children)
            if items:
                title = _group_title(form, child)
                sections.append(SectionSpec(title, tuple(items), path=child.name))
        else:
            loose.append(child)
    rest = items_of(loose)
    if rest:
        sections.append(SectionSpec("Overige vragen", tuple(rest)))
    return tuple(sections)


def _group_title(form: Form, group: Group) -> str:
    return text_in(group.label, form.default_language) or group.name
