"""Trends of a study in the browser: its waves (fieldworks) side by side for one question, the
change from the previous and the first wave tested, and what keeps a question out. Views
parse, check permission, call ``reports.waves`` and ``analysis.trends``, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, researcher_page, user_may
from peiling.analysis.trends import TrendError, trend_table
from peiling.fieldwork.models import Fieldwork
from peiling.questionnaires.models import Questionnaire
from peiling.reports import services
from peiling.reports import waves as study_waves
from peiling.reports.charts import render_svg
from peiling.reports.figures import trend_chart
from peiling.reports.models import WaveMap, WeightingTargets
from peiling.reports.renderers.html import chart_uri


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def trends(request: HttpRequest, study_id: int) -> HttpResponse:
    """One question over the study's waves: ``?vraag=<name>``, ``drempel=<number>`` (the
    share below it, numeric questions), ``gewogen=1`` (each wave raked to the targets)."""
    study = object_for(request.user, "report.view", Questionnaire.objects.all(), pk=study_id)
    weighted = request.GET.get("gewogen") == "1"
    found = study_waves.study_waves(questionnaire=study, weighted=weighted)
    questions = study_waves.trend_questions(found.waves)
    context: dict[str, Any] = {
        "study": study, "waves": list(zip(found.fieldworks, found.waves, strict=True)),
        "maps": WaveMap.objects.filter(questionnaire=study).select_related("fieldwork")
        .order_by("fieldwork__opens_at", "question"),
        "may_edit": user_may(request.user, "results.edit", study),
        "problems": found.problems + study_waves.conflicts(found.waves),
        "questions": questions, "weighted": weighted,
        "may_weight": WeightingTargets.objects.filter(questionnaire=study).exists()}
    name = request.GET.get("vraag", "")
    if not name:
        return render(request, "web/trends/page.html", context)
    problems = []
    if name not in dict(questions):
        problems.append(_("Unknown question."))
    threshold, given = None, False
    if request.GET.get("drempel", "").strip():
        given = True
        try:
            threshold = float(request.GET["drempel"].replace(",", "."))
        except ValueError:
            problems.append(_("The threshold must be a number."))
    if problems:
        return render(request, "web/trends/page.html",
                      {**context, "choice_problems": problems}, status=400)
    variable = next(w.dataset.variable(name) for w in reversed(found.waves)
                    if name in w.dataset.variables)
    stored = study_waves.thresholds(questionnaire=study).get(name)
    if variable.kind == "numeric" and not given:
        threshold = study_waves.threshold_of(questionnaire=study, waves=found.waves, name=name)
    try:
        table = trend_table(found.waves, name, threshold=threshold)
    except TrendError as error:
        return render(request, "web/trends/page.html",
                      {**context, "choice_problems": list(error.problems)}, status=400)
    chart, description = trend_chart(table)
    newest = found.fieldworks[-1]
    context.update(name=name, table=table, rows=_rows(table), threshold=threshold,
                   stored=stored, numeric=variable.kind == "numeric",
                   chart=chart_uri(render_svg(chart)), description=description,
                   stacked=reverse("web:explorer", args=[newest.slug]) + "?" + urlencode(
                       {"vraag": name, "golven": "1"}))
    return render(request, "web/trends/page.html", context)


def _rows(table) -> list[dict[str, Any]]:
    """Per row, per wave: the value as shown ("74%", "6,7", or None for not asked) and its
    marks (change from the previous wave; from the first when that is another wave)."""
    rows = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row.values):
            if value is None:
                cells.append({"text": None})
                continue
            text = (f"{value:.0f}%" if row.kind in ("share", "below")
                    else f"{value:.1f}".replace(".", ","))
            earlier = [j for j in range(i) if row.values[j] is not None]
            cells.append({"text": text, "previous": row.previous[i],
                          "first": row.first[i] if len(earlier) > 1 else None})
        rows.append({"label": row.label, "cells": cells, "kind": row.kind})
    return rows


@researcher_page("results.edit")
@require_POST
def wave_map(request: HttpRequest, study_id: int) -> HttpResponse:
    """Add a wave mapping (``golf``, ``vraag``, ``nu``, ``codes``) or remove one
    (``verwijder=<id>``); back to the trends page."""
    study = object_for(request.user, "results.edit", Questionnaire.objects.all(), pk=study_id)
    if request.POST.get("verwijder"):
        removed, _count = WaveMap.objects.filter(questionnaire=study,
                                                 pk=_int(request.POST["verwijder"])).delete()
        if not removed:
            return HttpResponse(_("Unknown mapping."), status=400,
                                content_type="text/plain; charset=utf-8")
        messages.success(request, _("The mapping was removed."))
        return redirect("web:study_trends", study.pk)
    fieldwork = Fieldwork.objects.filter(form_version__questionnaire=study,
                                         pk=_int(request.POST.get("golf", ""))).first()
    if fieldwork is None:
        return HttpResponse(_("Unknown wave."), status=400,
                            content_type="text/plain; charset=utf-8")
    try:
        services.wave_map_add(questionnaire=study, fieldwork=fieldwork,
                              question=request.POST.get("vraag", ""),
                              to=request.POST.get("nu", ""),
                              codes=request.POST.get("codes", ""), user=request.user)
    except services.MappingError as error:
        messages.error(request, str(error))
        return redirect(reverse("web:study_trends", args=[study.pk]) + "#mappings")
    messages.success(request, _("The mapping was saved."))
    return redirect(reverse("web:study_trends", args=[study.pk]) + "#mappings")


@researcher_page("results.edit")
@require_POST
def trend_threshold(request: HttpRequest, study_id: int) -> HttpResponse:
    """Store where "onvoldoende" starts for a number question (``vraag``, ``drempel``; an
    empty ``drempel`` removes it); back to that question's trend."""
    study = object_for(request.user, "results.edit", Questionnaire.objects.all(), pk=study_id)
    name = request.POST.get("vraag", "")
    found = study_waves.study_waves(questionnaire=study)
    numeric = [q for q, _label in study_waves.trend_questions(found.waves)
               if any(q in w.dataset.variables and w.dataset.variable(q).kind == "numeric"
                      for w in found.waves)]
    try:
        stored = services.trend_threshold_set(questionnaire=study, question=name,
                                              below=request.POST.get("drempel", ""),
                                              numeric=numeric, user=request.user)
    except services.ThresholdError as error:
        if name not in numeric:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, str(error))
    else:
        messages.success(request, _("The threshold was saved.") if stored is not None
                         else _("The threshold was removed."))
    return redirect(reverse("web:study_trends", args=[study.pk]) + "?"
                    + urlencode({"vraag": name}))


#: The largest mappings workbook the page takes.
MAPPINGS_MAX_BYTES = 1024 * 1024


@researcher_page("results.edit")
@require_POST
def wave_maps_import(request: HttpRequest, study_id: int) -> HttpResponse:
    """Add the mappings of an uploaded workbook (``bestand``), all or none."""
    study = object_for(request.user, "results.edit", Questionnaire.objects.all(), pk=study_id)
    upload = request.FILES.get("bestand")
    if upload is None:
        return HttpResponse(_("Choose a workbook (.xlsx) to import."), status=400,
                            content_type="text/plain; charset=utf-8")
    if upload.size > MAPPINGS_MAX_BYTES:
        messages.error(request, _("The workbook is larger than 1 MB."))
    else:
        try:
            count = services.wave_maps_import(questionnaire=study, data=upload.read(),
                                              user=request.user)
        except services.MappingError as error:
            messages.error(request, _("Nothing was imported: %(problems)s") % {
                "problems": error})
        else:
            messages.success(request, _("%(n)d mappings were imported.") % {"n": count})
    return redirect(reverse("web:study_trends", args=[study.pk]) + "#mappings")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


urlpatterns = [
    path("onderzoeken/<int:study_id>/trends/", trends, name="study_trends"),
    path("onderzoeken/<int:study_id>/trends/drempel/", trend_threshold,
         name="study_trend_threshold"),
    path("onderzoeken/<int:study_id>/trends/koppelingen/", wave_map, name="study_wave_map"),
    path("onderzoeken/<int:study_id>/trends/koppelingen/importeren/", wave_maps_import,
         name="study_wave_maps_import"),
]
