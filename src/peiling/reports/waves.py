"""The waves of a study: its fieldworks with completed responses, oldest first, each with its
own prepared answers (``datasets.fieldwork_dataset``), weighted on its own when asked (to its
own targets when its population changed, else the study's: ``weighting_targets``), and lined
up with the study's wave mappings (``models.WaveMap``, ``analysis.trends.harmonise``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from peiling.analysis.trends import (
    TrendError,
    Wave,
    WaveMap,
    check_waves,
    grade_threshold,
    harmonise,
)
from peiling.fieldwork.models import Fieldwork, Response
from peiling.questionnaires.models import Questionnaire
from peiling.reports import models
from peiling.reports.datasets import DataUnavailable, fieldwork_dataset
from peiling.reports.explorer import ChoiceError, rake_to_targets

__all__ = [
    "StudyWaves",
    "conflicts",
    "stacked_waves",
    "study_waves",
    "threshold_of",
    "thresholds",
    "trend_questions",
    "waves_export",
    "waves_up_to",
    "weighting_targets",
]


@dataclass
class StudyWaves:
    """The waves lined up (or none) and what keeps a question or a wave out, in sentences."""

    waves: list[Wave] = field(default_factory=list)
    fieldworks: list[Fieldwork] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def waves_up_to(*, fieldwork: Fieldwork) -> list[Wave]:
    """The waves of the fieldwork's study up to and including it (those that opened no later),
    lined up; none when the study has no earlier wave or they cannot be lined up."""
    found = study_waves(questionnaire=fieldwork.form_version.questionnaire,
                        up_to=fieldwork)
    if len(found.waves) < 2 or fieldwork not in found.fieldworks:
        return []
    return found.waves


def stacked_waves(*, fieldwork: Fieldwork, weighted: bool = False) -> list[Wave]:
    """The waves of the fieldwork's study up to and including it, for tables over them (the
    explorer's and a tab book's "all waves"). Raises ``ChoiceError`` saying why not: no
    earlier wave with completed responses, a wave that cannot be weighted, a mapping that
    does not apply. Nothing is left out quietly."""
    from django.utils.translation import gettext as _

    earlier = Fieldwork.objects.filter(
        form_version__questionnaire_id=fieldwork.form_version.questionnaire_id,
        opens_at__lte=fieldwork.opens_at, responses__status=Response.Status.COMPLETED,
    ).exclude(pk=fieldwork.pk)
    if not earlier.exists():
        raise ChoiceError([_("This fieldwork has no earlier wave with completed responses to "
                             "put beside it.")])
    found = study_waves(questionnaire=fieldwork.form_version.questionnaire,
                        weighted=weighted, up_to=fieldwork)
    if found.problems:
        raise ChoiceError(found.problems)
    return found.waves


def study_waves(*, questionnaire: Questionnaire, weighted: bool = False,
                up_to: Fieldwork | None = None) -> StudyWaves:
    """Return the study's waves: every fieldwork of it with completed responses, in the order
    they opened (with ``up_to``, those that opened no later than it); with ``weighted``, each
    raked on its own to its targets (its own, else the study's: ``weighting_targets``)."""
    fieldworks = Fieldwork.objects.filter(form_version__questionnaire=questionnaire)
    if up_to is not None:
        fieldworks = fieldworks.filter(opens_at__lte=up_to.opens_at)
    fieldworks = list(
        fieldworks
        .annotate(completed=Count("responses",
                                  filter=Q(responses__status=Response.Status.COMPLETED)))
        .filter(completed__gt=0).select_related("form_version").order_by("opens_at", "pk"))
    result = StudyWaves()
    for fieldwork in fieldworks:
        try:
            dataset = fieldwork_dataset(fieldwork=fieldwork)
        except DataUnavailable as error:
            result.problems.append(str(error))
            continue
        targets = weighting_targets(fieldwork=fieldwork)[0] if weighted else {}
        if targets:
            try:
                dataset = dataset.with_weights(rake_to_targets(dataset, targets).weights)
            except ChoiceError as error:
                result.problems.append(f"{fieldwork.name}: {'; '.join(error.problems)}")
                continue
        same = sum(1 for other in fieldworks if other.name == fieldwork.name)
        label = fieldwork.name if same == 1 else f"{fieldwork.name} ({fieldwork.slug})"
        result.waves.append(Wave(label, dataset))
        result.fieldworks.append(fieldwork)
    maps = stored_maps(fieldworks=result.fieldworks, labels=[w.label for w in result.waves])
    try:
        result.waves = harmonise(result.waves, maps)
    except TrendError as error:
        result.problems.extend(error.problems)
    return result


def trend_questions(waves: list[Wave]) -> list[tuple[str, str]]:
    """(name, label) of the closed and numeric questions that a wave asked, newest wording,
    in the order of the newest questionnaire."""
    seen: dict[str, str] = {}
    for wave in reversed(waves):
        for name, variable in wave.dataset.variables.items():
            if (variable.question_type is not None and variable.question_type != "codes"
                    and variable.kind in ("single", "multiple", "numeric")):
                seen.setdefault(name, variable.label or name)
    return list(seen.items())


def stored_maps(*, fieldworks: list[Fieldwork], labels: list[str]) -> list[WaveMap]:
    """The stored mappings of ``fieldworks`` as ``analysis.trends.WaveMap``, each naming its
    wave by the label at the fieldwork's position in ``labels``."""
    position = {f.pk: i for i, f in enumerate(fieldworks)}
    return [WaveMap(labels[position[m.fieldwork_id]], m.question, m.to,
                    tuple(tuple(pair) for pair in m.codes))
            for m in models.WaveMap.objects.filter(fieldwork__in=fieldworks).order_by("pk")]


def thresholds(*, questionnaire: Questionnaire) -> dict[str, float]:
    """The study's stored thresholds of "onvoldoende": question -> below."""
    return dict(models.TrendThreshold.objects.filter(questionnaire=questionnaire)
                .values_list("question", "below"))


def threshold_of(*, questionnaire: Questionnaire, waves: list[Wave], name: str) -> float | None:
    """Where "onvoldoende" starts for numeric question ``name``: the threshold stored for it,
    else 6 for a report-card grade (``analysis.trends.grade_threshold``), else none."""
    stored = thresholds(questionnaire=questionnaire).get(name)
    return stored if stored is not None else grade_threshold(waves, name)


def conflicts(waves: list[Wave]) -> list[str]:
    """The questions that cannot be compared across ``waves``, one sentence each."""
    try:
        check_waves(waves, [name for name, _label in trend_questions(waves)])
    except TrendError as error:
        return list(error.problems)
    return []


def weighting_targets(*, fieldwork: Fieldwork) -> tuple[dict[str, dict[str, float]], bool]:
    """The raking targets a fieldwork is weighted to: its own (a wave whose population
    changed), else its study's; and whether they are its own."""
    own = models.WaveTargets.objects.filter(fieldwork=fieldwork).first()
    if own is not None:
        return dict(own.targets), True
    stored = models.WeightingTargets.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id).first()
    return (dict(stored.targets) if stored else {}), False


def waves_export(*, references: list[str], format: str, path: Any, options: Any = None,
                 labels: list[str] | None = None) -> Any:
    """Write the completed responses of several fieldworks (the waves of a study, oldest
    first) to ``path`` as one file: stacked with the variable ``golf`` (``analysis.trends
    .stack``), the study's mappings applied, open answers masked until released. Returns the
    writer's report. Raises ``ExportError`` (an unknown fieldwork, questions that differ
    between the waves, a writer's problem)."""
    from peiling.analysis.trends import stack
    from peiling.exchange.services import fieldwork_export_data, fieldwork_find
    from peiling.exchange.writers import ExportData, ExportError, WriteOptions, get_writer

    writer = get_writer(format)
    writer.check(options or WriteOptions())
    fieldworks = [fieldwork_find(reference=reference) for reference in references]
    names = labels or [f.name for f in fieldworks]
    if len(set(names)) != len(names):
        names = [f.slug for f in fieldworks]
    data = [fieldwork_export_data(fieldwork=f) for f in fieldworks]
    waves = [Wave(name, d.dataset) for name, d in zip(names, data, strict=True)]
    try:
        stacked = stack(harmonise(waves, stored_maps(fieldworks=fieldworks, labels=names)))
    except TrendError as error:
        raise ExportError("; ".join(error.problems)) from None
    newest = max(fieldworks, key=lambda f: f.opens_at)
    export = ExportData(dataset=stacked, form=None, language=data[-1].language,
                        title=newest.form_version.questionnaire.title,
                        origin=f"fieldworks {', '.join(f.slug for f in fieldworks)} "
                               f"({stacked.n} responses, completed), stacked by wave")
    return writer.write(export, path, options)
