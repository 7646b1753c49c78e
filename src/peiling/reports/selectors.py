"""Reading what a report of peiling's own fieldwork needs: the data and the facts.

The responses come through ``peiling.exchange.services`` (the one bridge from fieldwork
responses to a ``Dataset``: completed responses of one questionnaire version); the facts for
the methods chapter from fieldwork (dates, responses per source) and panel (invitations and
AAPOR response rates).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from django.utils import timezone

from peiling.analysis import Dataset
from peiling.exchange.services import fieldwork_export_data, fieldwork_find
from peiling.exchange.writers import ExportError
from peiling.fieldwork import selectors as fieldwork_selectors
from peiling.fieldwork.models import PANEL_SOURCE, Fieldwork, Response, ResponseReview
from peiling.forms.model import Form
from peiling.reports.build import build_report, default_banner
from peiling.reports.definition import (
    DefinitionError,
    ReportDefinition,
    check_definition,
    parse_definition,
)
from peiling.reports.model import MethodsFacts, Report, SourceCount
from peiling.reports.models import ReportDefinitionVersion
from peiling.reports.waves import waves_up_to

__all__ = [
    "ReportSource",
    "ReportSourceError",
    "default_banner",
    "definition_version",
    "fieldwork_facts",
    "report_for_fieldwork",
    "report_source",
    "stored_definition",
]


class ReportSourceError(Exception):
    """No data to report on: an unknown fieldwork, or one without completed responses."""


@dataclass(frozen=True, eq=False)
class ReportSource:
    """The data of a report: questionnaire, answers, facts, and the fieldwork it came from."""

    form: Form
    dataset: Dataset
    facts: MethodsFacts
    fieldwork: Fieldwork | None = None


def _local_day(moment: dt.datetime, *, end: bool = False) -> dt.date:
    # closes_at is the first moment the fieldwork is closed: the last day is the one before it.
    local = timezone.localtime(moment - dt.timedelta(microseconds=1) if end else moment)
    return local.date()


def source_label(source: str) -> str:
    """Return how the methods chapter names a response source."""
    if source == PANEL_SOURCE:
        return "het panel"
    return f"de open link ‘{source}’"


def fieldwork_facts(*, fieldwork: Fieldwork, n: int) -> MethodsFacts:
    """Return the facts of ``fieldwork``: dates, completed responses per source, response rates,
    how the panel members who completed were recruited."""
    from peiling.panel import selectors as panel_selectors

    counts = fieldwork_selectors.response_counts(fieldwork=fieldwork)
    excluded = list(ResponseReview.objects.filter(
        fieldwork=fieldwork, decision=ResponseReview.Decision.EXCLUDE)
        .values_list("response__source", "rules"))
    out = Counter(source for source, _rules in excluded)
    sources = tuple(
        SourceCount(source, source_label(source), count - out[source])
        for (source, status), count in sorted(counts.items())
        if status == Response.Status.COMPLETED and count > out[source]
    )
    reasons = Counter(rule for _source, rules in excluded for rule in rules)
    invited, rates = _panel_rates(fieldwork)
    return MethodsFacts(
        recruited=panel_selectors.recruitment_of_respondents(fieldwork=fieldwork),
        n=n,
        start=_local_day(fieldwork.opens_at),
        end=_local_day(fieldwork.closes_at, end=True),
        sources=sources,
        invited=invited,
        response_rates=rates,
        checked=n + len(excluded),
        excluded=len(excluded),
        excluded_by=tuple((label, reasons[rule]) for rule, label in EXCLUDED_BECAUSE.items()),
    )


#: Why responses were excluded, as the methods section says it ("12 te snel ingevuld").
EXCLUDED_BECAUSE = {
    "speeder": "te snel ingevuld",
    "straightlining": "steeds hetzelfde antwoord bij een blok stellingen",
    "nonresponse": "te veel vragen onbeantwoord",
    "duplicate": "dubbel",
    "nonsense": "onzin in open antwoorden",
}


def _panel_rates(fieldwork: Fieldwork) -> tuple[int | None, tuple[tuple[str, float], ...]]:
    from peiling.panel import selectors as panel_selectors
    from peiling.panel.rates import Outcomes, outcome_rates

    outcomes = panel_selectors.fieldwork_outcomes(fieldwork=fieldwork)
    total = sum(outcomes.values(), Outcomes())
    if total.invited == 0:
        return None, ()
    rates = outcome_rates(total)
    named = (
        ("RR1", rates.rr1),
        ("RR2", rates.rr2),
        ("COOP1", rates.coop1),
        ("REF1", rates.ref1),
        ("CON1", rates.con1),
    )
    return total.invited, tuple((name, 100.0 * value) for name, value in named if value is not None)


def report_source(*, reference: str, language: str | None = None) -> ReportSource:
    """Return the data of fieldwork ``reference`` (slug or id); raise ``ReportSourceError``."""
    try:
        fieldwork = fieldwork_find(reference=reference)
        data = fieldwork_export_data(fieldwork=fieldwork, language=language)
    except ExportError as error:
        raise ReportSourceError(str(error)) from None
    if data.dataset.n == 0:
        raise ReportSourceError(
            f"fieldwork {fieldwork.slug!r} has no completed responses yet; a report needs "
            f"answers (for a demo: peiling simulate {fieldwork.slug} --n 1415)"
        )
    facts = fieldwork_facts(fieldwork=fieldwork, n=data.dataset.n)
    return ReportSource(data.form, data.dataset, facts, fieldwork)


def report_for_fieldwork(
    *, reference: str, definition: ReportDefinition | None = None, language: str | None = None
) -> Report:
    """Return the report of fieldwork ``reference``: the definition's, or the default one."""
    source = report_source(
        reference=reference, language=language or (definition.language if definition else None)
    )
    definition = definition or ReportDefinition()
    if definition.banner is None:
        definition = definition.with_banner(default_banner(source.form))
    if not definition.title and source.fieldwork is not None:
        definition = replace(definition, title=source.form.title)
    waves = waves_up_to(fieldwork=source.fieldwork) if source.fieldwork is not None else []
    return build_report(source.form, source.dataset, definition, source.facts, waves=waves)


def definition_version(*, fieldwork: Fieldwork) -> ReportDefinitionVersion | None:
    """Return the current version of the report definition of the fieldwork's study."""
    return ReportDefinitionVersion.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id).first()


def stored_definition(*, fieldwork: Fieldwork) -> ReportDefinition | None:
    """Return the study's report definition (its current version), checked against the
    fieldwork's questionnaire version; ``None`` when the study has none.

    Raises ``ReportSourceError`` when it does not fit this version (a question it names is
    not in it), in one sentence with the first problem.
    """
    version = definition_version(fieldwork=fieldwork)
    if version is None:
        return None
    try:
        definition = parse_definition(version.text, source=f"versie {version.number}")
        extra = [name for name in (definition.source_variable,) if name]
        check_definition(definition, fieldwork.form_version.form, extra=extra)
    except DefinitionError as error:
        raise ReportSourceError(
            f"the study's report definition (version {version.number}) does not fit "
            f"questionnaire version {fieldwork.form_version}: {error.problems[0]}") from None
    return definition

