"""Compare two versions of a questionnaire: what was added, removed and changed.

``forms_compare(old, new)`` returns a ``FormComparison``: ``Change`` values, plain data that a
template turns into sentences. The rules:

- Questions and groups are matched by name (names are unique in a form), so a renamed question
  is one removed and one added.
- Changes follow the new form's order. A removed item sits where it was: right after the item
  that preceded it in the old form. Within one item come its own changes in ``CHANGE_KINDS``
  order (label changes in the new form's language order), then its choices' changes in choice
  order, then a reordering of its choices.
- A question has moved when its order among the questions in both versions changed (the
  questions outside difflib's longest matching runs); a moved group shows as moves of its
  questions. Moving into another group is ``group_changed``.
- Languages are matched by code (``"Nederlands (nl)"`` matches ``"Dutch (nl)"``). A language
  that was added or removed is one change, listed first, and not one change per text.
- A choice list is compared once for each pair (old list, new list) that questions in both
  versions use, and reported at the first of those questions. ``Change.questions`` names all of
  them, so a grid of ten statements gives one change per option, not ten. A question that
  becomes or stops being a select reports only ``type_changed``.
- Not compared: row numbers, title, version, metadata, required and constraint messages, and
  the choice_filter columns of choices.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

from peiling.forms.model import (
    Form,
    Group,
    Item,
    Question,
    Translated,
    language_code,
    text_in,
)

__all__ = ["CHANGE_KINDS", "Change", "ChangeKind", "FormComparison", "ItemKind", "forms_compare"]

ChangeKind: TypeAlias = Literal[
    "language_added",
    "language_removed",
    "group_added",
    "group_removed",
    "question_added",
    "question_removed",
    "question_moved",
    "group_changed",
    "type_changed",
    "label_changed",
    "hint_changed",
    "required_changed",
    "routing_changed",
    "constraint_changed",
    "calculation_changed",
    "choice_filter_changed",
    "appearance_changed",
    "parameters_changed",
    "default_changed",
    "choice_added",
    "choice_removed",
    "choice_label_changed",
    "choices_reordered",
]
CHANGE_KINDS: tuple[ChangeKind, ...] = ChangeKind.__args__  # type: ignore[attr-defined]
ItemKind: TypeAlias = Literal["form", "group", "question"]

_TEXTS: Mapping[str, ChangeKind] = {"label": "label_changed", "hint": "hint_changed"}
_EXPRESSIONS: Mapping[str, ChangeKind] = {
    "required": "required_changed",
    "relevant": "routing_changed",
    "constraint": "constraint_changed",
    "calculation": "calculation_changed",
    "choice_filter": "choice_filter_changed",
    "appearance": "appearance_changed",
    "default": "default_changed",
}
_Position: TypeAlias = tuple[int, int, int]


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a form.

    ``name`` is the question or group, or the new form's id when ``item`` is ``"form"``.
    ``label`` is the item's label in the new form's default language (the old form's for a
    removed item). ``before`` and ``after`` hold the old and new value, ``None`` where there is
    none: the type, the expression (``required`` is ``"true()"`` for *yes*), the text in
    ``language`` for label changes, the path of enclosing groups (``"outer/inner"``) for
    ``group_changed``, the question it followed (``None``: first) for ``question_moved``, the
    choice's label in the default language for ``choice_added`` and ``choice_removed``, the
    choice names (``"ja, nee"``) for ``choices_reordered``. ``language`` is set only when the
    change concerns the text of one language. ``choice`` names the choice, ``questions`` every
    question that uses the changed choice list.
    """

    kind: ChangeKind
    name: str
    item: ItemKind = "question"
    label: str = ""
    before: str | None = None
    after: str | None = None
    language: str | None = None
    choice: str | None = None
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormComparison:
    """The changes from one version of a form to the next, in the new form's order."""

    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def counts(self) -> dict[ChangeKind, int]:
        """Return the number of changes per kind: the kinds found, in ``CHANGE_KINDS`` order."""
        found = Counter(change.kind for change in self.changes)
        return {kind: found[kind] for kind in CHANGE_KINDS if found[kind]}


def forms_compare(old: Form, new: Form) -> FormComparison:
    """Return what changed from ``old`` to ``new`` that a researcher cares about."""
    old_codes = {language_code(language): language for language in old.languages}
    new_codes = {language_code(language): language for language in new.languages}
    languages = [(old_codes[code], name) for code, name in new_codes.items() if code in old_codes]
    changes = [
        *(Change("language_added", new.form_id, "form", language=name)
          for code, name in new_codes.items() if code not in old_codes),
        *(Change("language_removed", new.form_id, "form", language=name)
          for code, name in old_codes.items() if code not in new_codes),
        *_items(old, new, languages),
        *_moves(old, new),
        *_choices(old, new, languages),
    ]  # fmt: skip
    position = _merged_order([item.name for item, _ in old.walk()], [i.name for i, _ in new.walk()])
    rank = {name: index for index, (_, name) in enumerate(languages)}

    def key(numbered: tuple[int, Change]) -> tuple[object, ...]:
        number, change = numbered
        at = (-1, 0, 0) if change.item == "form" else position[change.name]
        if change.questions:  # a choice change: _choices yields them in choice order
            return (at, 1, number)
        return (at, 0, CHANGE_KINDS.index(change.kind), rank.get(change.language or "", -1))

    return FormComparison(tuple(change for _, change in sorted(enumerate(changes), key=key)))


def _items(old: Form, new: Form, languages: Sequence[tuple[str, str]]) -> Iterator[Change]:
    """Yield the items added and removed, and the changes of the items in both forms."""
    old_items = {item.name: (item, parents) for item, parents in old.walk()}
    new_items = {item.name: (item, parents) for item, parents in new.walk()}
    for name, (item, _) in old_items.items():
        if _kind(item) != _kind(new_items.get(name, (None,))[0]):
            removed: ChangeKind = "group_removed" if _kind(item) == "group" else "question_removed"
            yield Change(removed, name, _kind(item), text_in(item.label, old.default_language))
    for name, (item, parents) in new_items.items():
        label = text_in(item.label, new.default_language)
        previous, previous_parents = old_items.get(name, (None, ()))
        if _kind(previous) != _kind(item):
            added: ChangeKind = "group_added" if _kind(item) == "group" else "question_added"
            yield Change(added, name, _kind(item), label)
            continue
        assert previous is not None
        yield from _item_changes(previous, item, languages, label)
        before, after = _path(previous_parents), _path(parents)
        if isinstance(item, Question) and before != after:
            yield Change("group_changed", name, "question", label, before, after)


def _kind(item: Item | None) -> ItemKind:
    return "group" if isinstance(item, Group) else "question" if item else "form"


def _path(parents: Sequence[Group]) -> str | None:
    return "/".join(group.name for group in parents) or None


def _merged_order(old: Sequence[str], new: Sequence[str]) -> dict[str, _Position]:
    """Return a sort position for every name: new names in new order, old-only names right
    after the name that preceded them in ``old``."""
    position: dict[str, _Position] = {name: (index, 0, 0) for index, name in enumerate(new)}
    anchor = -1
    for index, name in enumerate(old):
        if name in position and position[name][1] == 0:
            anchor = position[name][0]
        else:
            position[name] = (anchor, 1, index)
    return position


def _item_changes(
    old: Item, new: Item, languages: Sequence[tuple[str, str]], label: str
) -> Iterator[Change]:
    kind = _kind(new)
    if isinstance(old, Question) and isinstance(new, Question) and old.type != new.type:
        yield Change("type_changed", new.name, kind, label, old.type, new.type)
    for attribute, change_kind in _TEXTS.items():  # a group has a label but no hint
        before, after = getattr(old, attribute, {}), getattr(new, attribute, {})
        for was, now, language in _texts(before, after, languages):
            yield Change(change_kind, new.name, kind, label, was, now, language)
    for attribute, change_kind in _EXPRESSIONS.items():  # a group: relevant and appearance
        was, now = getattr(old, attribute, None) or None, getattr(new, attribute, None) or None
        if was != now:
            yield Change(change_kind, new.name, kind, label, was, now)
    if isinstance(old, Question) and isinstance(new, Question):
        was, now = _parameters(old.parameters), _parameters(new.parameters)
        if was != now:
            yield Change("parameters_changed", new.name, kind, label, was, now)


def _texts(
    before: Translated, after: Translated, languages: Sequence[tuple[str, str]]
) -> Iterator[tuple[str | None, str | None, str]]:
    """Yield (old text, new text, language) for each language whose text changed."""
    for old_language, new_language in languages:
        was, now = before.get(old_language) or None, after.get(new_language) or None
        if was != now:
            yield was, now, new_language


def _parameters(parameters: Mapping[str, str]) -> str | None:
    return " ".join(f"{key}={value}" for key, value in sorted(parameters.items())) or None


def _moves(old: Form, new: Form) -> Iterator[Change]:
    """Yield a move for each question whose order among the kept questions changed."""
    old_names = [question.name for question in old.questions()]
    new_names = [question.name for question in new.questions()]
    in_old, in_new = set(old_names), set(new_names)
    kept_old = [name for name in old_names if name in in_new]
    kept_new = [name for name in new_names if name in in_old]
    matcher = difflib.SequenceMatcher(None, kept_old, kept_new, autojunk=False)
    stayed = {
        name for _, b, size in matcher.get_matching_blocks() for name in kept_new[b : b + size]
    }
    for name in kept_new:
        if name not in stayed:
            was, now = old_names.index(name), new_names.index(name)
            label = text_in(new.question(name).label, new.default_language)
            before = old_names[was - 1] if was else None
            after = new_names[now - 1] if now else None
            yield Change("question_moved", name, "question", label, before, after)


def _choices(old: Form, new: Form, languages: Sequence[tuple[str, str]]) -> Iterator[Change]:
    """Yield the choice changes of each (old list, new list) pair, at its first question."""
    pairs: dict[tuple[str, str], list[str]] = {}
    old_lists = {question.name: question.choice_list for question in old.questions()}
    for question in new.questions():
        old_list = old_lists.get(question.name)
        if old_list and question.choice_list:
            pairs.setdefault((old_list, question.choice_list), []).append(question.name)
    for (old_list, new_list), names in pairs.items():
        label = text_in(new.question(names[0]).label, new.default_language)
        template = Change("choice_added", names[0], "question", label, questions=tuple(names))
        before = {choice.name: choice for choice in old.choice_lists.get(old_list, ())}
        after = {choice.name: choice for choice in new.choice_lists.get(new_list, ())}
        position = _merged_order(list(before), list(after))
        for name in sorted(position, key=position.__getitem__):
            if name not in after:
                removed = text_in(before[name].label, old.default_language)
                yield replace(template, kind="choice_removed", choice=name, before=removed)
            elif name not in before:
                yield replace(
                    template, choice=name, after=text_in(after[name].label, new.default_language)
                )
            else:
                texts = _texts(before[name].label, after[name].label, languages)
                for was, now, language in texts:
                    yield replace(
                        template,
                        kind="choice_label_changed",
                        choice=name,
                        before=was,
                        after=now,
                        language=language,
                    )
        if [name for name in before if name in after] != [name for name in after if name in before]:
            yield replace(
                template, kind="choices_reordered", before=", ".join(before), after=", ".join(after)
            )
