"""Quota conditions: what they read, when they are decided, whom they hold for. Pure: no Django.

A quota's condition is an XLSForm expression (``peiling.forms.expressions``, the one language
of routing and validation) over the variables of the form and of the respondent's profile
snapshot: ``${name}`` reads the answer (or calculation) ``name`` when the form has a question
of that name, else the profile snapshot's ``name``.

A condition is *decided* once every value it depends on is known: each profile variable it
reads is in the snapshot (personal links carry one from the start), and each question it reads
is answered (through calculations too: a calculation is decided when the questions it reads
are). A question left unanswered or hidden by routing keeps its quotas undecided until the
response completes; then every condition is decided, an unknown value reading as ``''``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from peiling.fieldwork.flow import Flow
from peiling.forms.expressions import Answer, ExpressionError, parse
from peiling.forms.model import Translated

__all__ = [
    "DEFAULT_TEXT",
    "TITLE",
    "ConditionProblem",
    "QuotaRule",
    "condition_inputs",
    "condition_problems",
    "decided",
    "holding",
    "quota_values",
    "reads_profile",
]

#: The respondent's page when a quota is full, if the quota has no text of its own.
DEFAULT_TEXT: Translated = {
    "nl": "Hartelijk dank voor uw belangstelling. We hebben al genoeg antwoorden ontvangen "
          "van mensen zoals u, dus de vragenlijst houdt hier voor u op. Uw antwoorden zijn "
          "bewaard. U kunt deze pagina sluiten.",
    "en": "Thank you for your interest. We have already received enough answers from people "
          "like you, so the questionnaire ends here for you. Your answers have been saved. "
          "You can close this page.",
}
#: The heading of that page.
TITLE: Translated = {
    "nl": "Bedankt voor uw belangstelling",
    "en": "Thank you for your interest",
}


@dataclass(frozen=True)
class ConditionProblem:
    """Why a condition cannot be a quota's: ``code`` is stable, ``message`` says the fix."""

    code: str
    message: str


@dataclass(frozen=True)
class QuotaRule:
    """What screening needs of a quota: its id, condition, target and whether it screens."""

    pk: int
    condition: str
    target: int
    is_active: bool = True


def condition_problems(condition: str, *, form_variables: Collection[str],
                       profile_variables: Collection[str] = ()) -> list[ConditionProblem]:
    """Return every problem of ``condition`` as a quota condition (empty: it is fine).

    ``form_variables``: the names of the form's questions and calculations;
    ``profile_variables``: the names of the panel's profile variables.
    """
    try:
        expression = parse(condition)
    except ExpressionError as error:
        return [ConditionProblem("syntax", error.message.rstrip(".") + ".")]
    problems = []
    if expression.uses_current:
        problems.append(ConditionProblem(
            "current", "'.' (the current answer) only works in a constraint; name the "
                       "variable instead, e.g. ${org_type} = 'gemeente'."))
    known = set(form_variables) | set(profile_variables)
    for name in sorted(expression.references - known):
        listed = ", ".join(sorted(known)[:20]) + (", ..." if len(known) > 20 else "")
        problems.append(ConditionProblem(
            "unknown_variable",
            f"${{{name}}} is neither a question of the questionnaire nor a profile variable "
            f"of the panel; correct the name (known: {listed or 'none'})."))
    return problems


def condition_inputs(flow: Flow, condition: str) -> frozenset[str]:
    """Return the names whose values decide ``condition``: the questions it reads (through
    calculations too) and the names the form does not define (profile variables)."""
    inputs: set[str] = set()
    seen: set[str] = set()
    pending = list(parse(condition).references)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            question = flow.question(name)
        except KeyError:
            inputs.add(name)
            continue
        if question.type == "calculate":
            pending.extend(parse(question.calculation or "''").references)
        elif question.is_answered_by_respondent:
            inputs.add(name)
    return frozenset(inputs)


def quota_values(flow: Flow, values: Mapping[str, Answer],
                 profile: Mapping[str, Any]) -> dict[str, Answer]:
    """Return what conditions read: ``values`` (``Flow.values``) over the profile snapshot's
    variables that the form does not define."""
    merged: dict[str, Answer] = {}
    for name, value in profile.items():
        if name in values:
            continue
        try:
            flow.question(name)
        except KeyError:
            merged[name] = tuple(value) if isinstance(value, list) else value
    merged.update(values)
    return merged


def decided(inputs: Iterable[str], values: Mapping[str, Answer], *, finished: bool) -> bool:
    """Return whether a condition with these ``inputs`` is decided (see the module)."""
    return finished or all(values.get(name) is not None for name in inputs)


def holding(flow: Flow, rules: Iterable[QuotaRule], values: Mapping[str, Answer], *,
            finished: bool) -> tuple[QuotaRule, ...]:
    """Return the rules whose condition is decided and true for ``values``."""
    return tuple(
        rule for rule in rules
        if decided(condition_inputs(flow, rule.condition), values, finished=finished)
        and flow.holds(rule.condition, values)
    )


def reads_profile(flow: Flow, rules: Iterable[QuotaRule]) -> bool:
    """Return whether any of the conditions reads a name the form does not define."""
    for rule in rules:
        for name in parse(rule.condition).references:
            try:
                flow.question(name)
            except KeyError:
                return True
    return False
