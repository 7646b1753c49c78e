"""Results in the browser: the table explorer (a question against banners, a filter and
weights, as the report shows it; every table downloadable) and the study's weighting targets.

The choices live in the address (``?vraag=...&banner=...&filter=...&gewogen=1``), so a table
can be bookmarked and sent to a colleague. Views parse, check permission, call
``reports.explorer`` on the prepared answers (``reports.datasets``) and render.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peiling.accounts.permissions import object_for, organisation_of, researcher_page, user_may
from peiling.analysis import Dataset
from peiling.analysis.trends import TrendError, stack
from peiling.exchange.tablebook import table_csv, tables_workbook
from peiling.fieldwork.models import Fieldwork
from peiling.jobs.models import Job
from peiling.jobs.services import job_start
from peiling.reports import charts, datasets
from peiling.reports.datasets import DataUnavailable, data_key, fieldwork_dataset
from peiling.reports.explorer import (
    ChoiceError,
    Exploration,
    TableChoice,
    banner_variables,
    explore,
    explore_waves,
    picked_filter,
    question_variables,
    rake_to_targets,
    subgroups,
    tab_book_problems,
)
from peiling.reports.models import TabBook, WaveTargets, WeightingTargets
from peiling.reports.renderers import Assets
from peiling.reports.renderers.html import block_context
from peiling.reports.waves import stacked_waves, threshold_of, weighting_targets
from peiling.web.jobs import POLL_SECONDS

#: Download formats of one table: (label, media type).
DOWNLOADS = {
    "xlsx": ("Excel (.xlsx)",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV (.csv)", "text/csv; charset=utf-8"),
    "svg": (gettext_lazy("Chart (.svg)"), "image/svg+xml"),
    "png": (gettext_lazy("Chart (.png)"), "image/png"),
}
MAX_BANNERS = 3
MAX_FILTER = 500


class ExplorerForm(forms.Form):
    """The choices of the explorer, from the address (GET)."""

    vraag = forms.ChoiceField(label=gettext_lazy("Question"), required=False)
    banner = forms.MultipleChoiceField(
        label=gettext_lazy("Split by (banner)"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "class": "utrecht-select"}),
        help_text=gettext_lazy("At most three (hold Ctrl or Cmd to choose more than one); "
                               "each adds its answers as columns."))
    alleen = forms.MultipleChoiceField(
        label=gettext_lazy("Only respondents who answered"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "class": "utrecht-select"}),
        help_text=gettext_lazy("Answers of one question count as 'or', of several questions as "
                               "'and'."))
    filter = forms.CharField(
        label=gettext_lazy("And for whom"), required=False, max_length=MAX_FILTER,
        help_text=gettext_lazy("An XLSForm expression, e.g. ${org_type} = 'gemeente'."),
        widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    gewogen = forms.BooleanField(label=gettext_lazy("Weighted (raking to the study's targets)"),
                                 required=False)
    golven = forms.BooleanField(
        label=gettext_lazy("All waves of the study up to this one"), required=False,
        help_text=gettext_lazy("A column per wave, and per wave and subgroup for each banner; "
                               "each wave weighted on its own, with the trend chart."))

    def __init__(self, data: QueryDict, dataset: Dataset, *, weighting: bool) -> None:
        super().__init__(data)
        questions = question_variables(dataset)
        self.fields["vraag"].choices = [("", _("— choose a question —"))] + [
            (name, short_label(label, name)) for name, label in questions]
        self.fields["banner"].choices = [(name, short_label(label, name))
                                         for name, label in banner_variables(dataset)]
        self.fields["alleen"].choices = [(key, short_label(label, key.split(":", 1)[0], 90))
                                         for key, label in subgroups(dataset)]
        if not weighting:
            self.fields["gewogen"].help_text = _("This study has no weighting targets yet.")

    def clean_banner(self) -> list[str]:
        return _at_most_banners(self.cleaned_data["banner"])

    def choice(self) -> TableChoice | None:
        data = self.cleaned_data
        if not data.get("vraag"):
            return None
        parts = [p for p in (picked_filter(data.get("alleen") or ()),
                             (data.get("filter") or "").strip()) if p]
        where = parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)
        return TableChoice(question=data["vraag"], banners=tuple(data.get("banner") or ()),
                           filter=where, weighted=bool(data.get("gewogen")))


def _at_most_banners(banners: list[str]) -> list[str]:
    if len(banners) > MAX_BANNERS:
        raise forms.ValidationError(_("Choose at most %(n)s banners.") % {"n": MAX_BANNERS})
    return banners


def short_label(label: str, name: str, width: int = 110) -> str:
    text = " ".join(label.split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    return f"{text} ({name})"


def _fieldwork(request: HttpRequest, slug: str, action: str = "report.view") -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _targets(fieldwork: Fieldwork) -> dict[str, dict[str, float]]:
    return weighting_targets(fieldwork=fieldwork)[0]


def _dataset(request: HttpRequest, fieldwork: Fieldwork) -> Dataset | HttpResponse:
    """The fieldwork's prepared answers; for a large fieldwork whose answers are not prepared
    yet, a page that follows a worker preparing them (started once, shared by all who wait).

    Raises ``DataUnavailable`` when there are no completed responses."""
    dataset = fieldwork_dataset(fieldwork=fieldwork, read=False)
    if dataset is not None:
        return dataset
    key, n = data_key(fieldwork=fieldwork)
    if n <= datasets.READ_IN_REQUEST:
        return fieldwork_dataset(fieldwork=fieldwork)
    job = Job.objects.filter(kind="dataset_prepare", payload__fieldwork=fieldwork.pk,
                             payload__key=key, status__in=[Job.Status.QUEUED,
                                                           Job.Status.RUNNING]).first()
    if job is None:
        job = job_start(kind="dataset_prepare", organisation=organisation_of(request.user),
                        user=request.user, action="report.view",
                        title=_("Preparing the answers of %(fieldwork)s") % {
                            "fieldwork": fieldwork.name},
                        payload={"fieldwork": fieldwork.pk, "key": key})
    return render(request, "web/results/preparing.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "job": job,
        "n": n, "poll": POLL_SECONDS, "again": request.get_full_path()})


def page_dataset(request: HttpRequest, fieldwork: Fieldwork, template: str,
                  context: dict[str, Any]) -> Dataset | HttpResponse:
    """The prepared answers for a page, or the page to show instead: ``template`` saying
    there are none yet, or the page that waits for a worker preparing them."""
    try:
        return _dataset(request, fieldwork)
    except DataUnavailable as error:
        return render(request, template, {**context, "unavailable": str(error)})


def _exploration(request: HttpRequest, fieldwork: Fieldwork) -> dict[str, Any] | HttpResponse:
    """Everything the explorer page and its downloads need, from the address; or the page
    that waits for a worker preparing the answers. With ``golven=1`` the table is of the
    study's waves up to this fieldwork, stacked (``explore_waves``)."""
    try:
        dataset = _dataset(request, fieldwork)
    except DataUnavailable as error:
        return {"unavailable": str(error), "status": 200}
    if isinstance(dataset, HttpResponse):
        return dataset
    targets = _targets(fieldwork)
    study = fieldwork.form_version.questionnaire
    context: dict[str, Any] = {"status": 200, "may_stack": _has_earlier_wave(fieldwork)}
    waves = None
    if request.GET.get("golven") == "1":
        try:
            waves = stacked_waves(fieldwork=fieldwork,
                                  weighted=request.GET.get("gewogen") == "1")
            dataset = stack(waves)
        except (ChoiceError, TrendError) as error:
            waves = None
            context.update(problems=list(error.problems), status=400,
                           mappings=reverse("web:study_trends", args=[study.pk]) + "#mappings")
    form = ExplorerForm(request.GET, dataset, weighting=bool(targets))
    context.update(form=form, n=dataset.n, stacked=waves is not None)
    if not form.is_valid():
        context["status"] = 400
        return context
    choice = form.choice()
    if choice is None or context["status"] != 200:
        return context
    try:
        if waves is None:
            exploration = explore(fieldwork.form_version.form, dataset, choice, targets=targets)
        else:
            exploration = explore_waves(fieldwork.form_version.form, waves, choice,
                                        threshold=threshold_of(questionnaire=study,
                                                               waves=waves,
                                                               name=choice.question))
    except ChoiceError as error:
        context.update(problems=error.problems, status=400)
        return context
    context["exploration"] = exploration
    questions = [name for name, _label in question_variables(dataset)]
    position = questions.index(choice.question)
    context["neighbours"] = [
        (label, _with(request.GET, vraag=questions[position + step]))
        for label, step in ((_("Previous question"), -1), (_("Next question"), 1))
        if 0 <= position + step < len(questions)]
    return context


def _has_earlier_wave(fieldwork: Fieldwork) -> bool:
    """Whether the fieldwork's study has another fieldwork that opened no later (the pages
    then offer "all waves")."""
    return Fieldwork.objects.filter(
        form_version__questionnaire_id=fieldwork.form_version.questionnaire_id,
        opens_at__lte=fieldwork.opens_at).exclude(pk=fieldwork.pk).exists()


def _weighting_summary(result: Any) -> dict[str, str]:
    """The weights' range and efficiency as the pages print them (Dutch decimal comma)."""
    def comma(value: float) -> str:
        return f"{value:.2f}".replace(".", ",")

    return {"low": comma(result.min), "high": comma(result.max),
            "efficiency": f"{100 * result.efficiency:.0f}",
            "effective_n": f"{result.effective_n:.0f}"}


def _with(query: QueryDict, **changes: str) -> str:
    copy = query.copy()
    for key, value in changes.items():
        copy[key] = value
    return "?" + copy.urlencode()


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def explorer(request: HttpRequest, slug: str) -> HttpResponse:
    """The table explorer of a fieldwork: the form, and the chosen table with its chart."""
    fieldwork = _fieldwork(request, slug)
    context = _exploration(request, fieldwork)
    if isinstance(context, HttpResponse):
        return context
    exploration: Exploration | None = context.get("exploration")
    if exploration is not None:
        assets = Assets()
        context["table"] = block_context(exploration.table, assets)
        if exploration.figure is not None:
            context["figure"] = block_context(exploration.figure, assets)
        if exploration.trend is not None:
            context["trend"] = block_context(exploration.trend, assets)
        if exploration.weighting is not None:
            context["weighting"] = _weighting_summary(exploration.weighting)
        query = request.GET.urlencode()
        study = fieldwork.form_version.questionnaire
        if Fieldwork.objects.filter(form_version__questionnaire=study).count() > 1:
            # The same question over the study's waves, with its trend chart.
            context["trends"] = (reverse("web:study_trends", args=[study.pk]) + "?"
                                 + urlencode({"vraag": exploration.table.table.name}))
        context["downloads"] = [
            (label, f"{reverse('web:explorer_file', args=[fieldwork.slug])}?{query}"
                    f"&formaat={fmt}")
            for fmt, (label, _type) in DOWNLOADS.items()
            if fmt in ("xlsx", "csv") or exploration.figure is not None]
    context.update(fieldwork=fieldwork, study=fieldwork.form_version.questionnaire,
                   may_weight=user_may(request.user, "results.edit"))
    template = "web/results/_explorer_result.html" if request.htmx else "web/results/explorer.html"
    return render(request, template, context, status=context.pop("status"))


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def explorer_file(request: HttpRequest, slug: str) -> HttpResponse:
    """The chosen table as XLSX or CSV, or its chart as SVG or PNG."""
    fieldwork = _fieldwork(request, slug)
    kind = request.GET.get("formaat", "")
    if kind not in DOWNLOADS:
        raise Http404("unknown format")
    context = _exploration(request, fieldwork)
    if isinstance(context, HttpResponse):
        return context
    exploration: Exploration | None = context.get("exploration")
    if exploration is None:
        problems = context.get("problems") or [_("Choose a question first.")]
        return HttpResponse(" ".join(problems), status=400,
                            content_type="text/plain; charset=utf-8")
    table = exploration.table.table
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{fieldwork.slug}-{table.name}")
    if kind == "xlsx":
        data: bytes | str = tables_workbook([table], title=fieldwork.name)
    elif kind == "csv":
        data = "\ufeff" + table_csv(table)
    elif exploration.figure is None:
        raise Http404("no chart")
    elif kind == "svg":
        data = Assets().svg(exploration.figure)
    else:
        data = charts.render_png(exploration.figure.chart)
    response = HttpResponse(data, content_type=DOWNLOADS[kind][1])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


# -- weighting targets ------------------------------------------------------------------------


class TargetsForm(forms.Form):
    """Percentages per category of the chosen weighting variables (fields made per category)."""

    def __init__(self, data: QueryDict | None, dataset: Dataset, variables: list[str],
                 current: dict[str, dict[str, float]]) -> None:
        super().__init__(data)
        self.variables = []
        self.keys: dict[str, tuple[str, str]] = {}
        for position, name in enumerate(variables):
            variable = dataset.variable(name)
            counts = dataset.codes(name)
            rows = []
            for code, category in enumerate(variable.categories):
                key = f"t{position}_{code}"
                self.keys[key] = (name, category.name)
                initial = current.get(name, {}).get(category.name)
                sample = 100.0 * float((counts == code).sum()) / max(dataset.n, 1)
                self.fields[key] = forms.DecimalField(
                    label=category.label or category.name, min_value=0, max_value=100,
                    max_digits=6, decimal_places=2, required=True,
                    initial=round(initial if initial is not None else sample, 2),
                    widget=forms.NumberInput(attrs={"class": "utrecht-textbox", "step": "0.01"}))
                rows.append((self[key], sample))
            self.variables.append((name, variable.label or name, rows))

    def targets(self) -> dict[str, dict[str, float]]:
        result: dict[str, dict[str, float]] = {}
        for key, (name, category) in self.keys.items():
            result.setdefault(name, {})[category] = float(self.cleaned_data[key])
        return result


@researcher_page("results.edit")
@require_http_methods(["GET", "HEAD", "POST"])
def weighting(request: HttpRequest, slug: str) -> HttpResponse:
    """The raking targets, checked on this fieldwork's answers: which variables (GET), the
    percentages per category (POST saves them for the study, or with ``eigen=1`` for this
    fieldwork alone: a wave whose population changed), and the efficiency and weight range
    they give."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    study = fieldwork.form_version.questionnaire
    context: dict[str, Any] = {"fieldwork": fieldwork, "study": study}
    dataset = page_dataset(request, fieldwork, "web/results/weighting.html", context)
    if isinstance(dataset, HttpResponse):
        return dataset
    current, own = weighting_targets(fieldwork=fieldwork)
    available = banner_variables(dataset)
    known = {name for name, _label in available}
    chosen = [name for name in (request.POST.getlist("variabele") if request.method == "POST"
                                else request.GET.getlist("variabele") or list(current))
              if name in known]
    form = TargetsForm(request.POST if request.method == "POST" else None, dataset, chosen,
                       current)
    context.update(available=[(name, short_label(label, name), name in chosen)
                              for name, label in available], form=form, own=own)
    status = 200
    if request.method == "POST":
        # Targets of this wave alone (its population changed), or of the whole study.
        wave_only = request.POST.get("eigen") == "1"
        if not chosen:
            if own:
                WaveTargets.objects.filter(fieldwork=fieldwork).delete()
            else:
                WeightingTargets.objects.filter(questionnaire=study).delete()
            messages.success(request, _("The weighting targets were removed."))
            return redirect("web:weighting", fieldwork.slug)
        if form.is_valid():
            targets = form.targets()
            try:
                rake_to_targets(dataset, targets)
            except ChoiceError as error:
                context["problems"] = error.problems
                status = 400
            else:
                if wave_only:
                    WaveTargets.objects.update_or_create(
                        fieldwork=fieldwork, defaults={"targets": targets,
                                                       "updated_by": request.user})
                else:
                    WeightingTargets.objects.update_or_create(
                        questionnaire=study, defaults={"targets": targets,
                                                       "updated_by": request.user})
                    WaveTargets.objects.filter(fieldwork=fieldwork).delete()
                messages.success(request, _("The weighting targets were saved."))
                return redirect("web:weighting", fieldwork.slug)
        else:
            status = 400
    elif current:
        try:
            context["result"] = _weighting_summary(rake_to_targets(dataset, current))
        except ChoiceError as error:
            context["problems"] = error.problems
    return render(request, "web/results/weighting.html", context, status=status)


# -- tab books --------------------------------------------------------------------------------


class TabBookForm(forms.Form):
    """A tab book: a name, the questions (none chosen: all), banners, filter, weighting."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    questions = forms.MultipleChoiceField(
        label=gettext_lazy("Questions"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10, "class": "utrecht-select"}),
        help_text=gettext_lazy("Choose none for every question of the questionnaire."))
    banners = forms.MultipleChoiceField(
        label=gettext_lazy("Split by (banner)"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "class": "utrecht-select"}))
    filter = forms.CharField(
        label=gettext_lazy("Only respondents for whom"), required=False, max_length=MAX_FILTER,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    weighted = forms.BooleanField(label=gettext_lazy("Weighted (raking to the study's targets)"),
                                  required=False)
    waves = forms.BooleanField(
        label=gettext_lazy("All waves of the study up to this one"), required=False,
        help_text=gettext_lazy("A column per wave, and per wave and subgroup for each banner; "
                               "each wave weighted on its own."))

    def __init__(self, data: QueryDict | None, dataset: Dataset) -> None:
        super().__init__(data)
        self.fields["questions"].choices = [(name, short_label(label, name))
                                            for name, label in question_variables(dataset)]
        self.fields["banners"].choices = [(name, short_label(label, name))
                                          for name, label in banner_variables(dataset)]

    def clean_banners(self) -> list[str]:
        return _at_most_banners(self.cleaned_data["banners"])


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def tab_books(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's saved tab books, each built as a workbook in the background; POST saves a
    new one (or one of the same name again) and builds it."""
    fieldwork = _fieldwork(request, slug)
    study = fieldwork.form_version.questionnaire
    context: dict[str, Any] = {"fieldwork": fieldwork, "study": study,
                               "books": TabBook.objects.filter(questionnaire=study),
                               "may_stack": _has_earlier_wave(fieldwork)}
    dataset = page_dataset(request, fieldwork, "web/results/tab_books.html", context)
    if isinstance(dataset, HttpResponse):
        return dataset
    form = TabBookForm(request.POST if request.method == "POST" else None, dataset)
    context["form"] = form
    if request.method != "POST":
        return render(request, "web/results/tab_books.html", context)
    if not form.is_valid():
        return render(request, "web/results/tab_books.html", context, status=400)
    data = form.cleaned_data
    base = TableChoice(question="", banners=tuple(data["banners"]),
                       filter=data["filter"].strip(), weighted=data["weighted"])
    if data["waves"]:
        try:
            problems = tab_book_problems(
                stack(stacked_waves(fieldwork=fieldwork, weighted=base.weighted)),
                replace(base, weighted=False))
        except (ChoiceError, TrendError) as error:
            problems = list(error.problems)
    else:
        problems = tab_book_problems(dataset, base, targets=_targets(fieldwork))
    if problems:
        context["problems"] = problems
        return render(request, "web/results/tab_books.html", context, status=400)
    book, _created = TabBook.objects.update_or_create(
        questionnaire=study, name=data["name"].strip(),
        defaults={"questions": data["questions"], "banners": list(base.banners),
                  "filter": base.filter, "weighted": base.weighted,
                  "waves": data["waves"], "updated_by": request.user})
    return redirect("web:job", _start_tab_book(request, fieldwork, book).pk)


@researcher_page("report.view")
@require_http_methods(["POST"])
def tab_book_build(request: HttpRequest, slug: str, book_id: int) -> HttpResponse:
    """Build a saved tab book again, on the fieldwork's answers as they are now."""
    fieldwork = _fieldwork(request, slug)
    book = object_for(request.user, "report.view", TabBook.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id), pk=book_id)
    return redirect("web:job", _start_tab_book(request, fieldwork, book).pk)


def _start_tab_book(request: HttpRequest, fieldwork: Fieldwork, book: TabBook) -> Any:
    return job_start(kind="tab_book", organisation=organisation_of(request.user),
                     user=request.user, action="report.view",
                     title=_("Tab book %(name)s of %(fieldwork)s") % {
                         "name": book.name, "fieldwork": fieldwork.name},
                     payload={"fieldwork": fieldwork.pk, "book": book.pk},
                     back_url=reverse("web:tab_books", args=[fieldwork.slug]))


urlpatterns = [
    path("veldwerk/<slug:slug>/tabellen/", explorer, name="explorer"),
    path("veldwerk/<slug:slug>/tabellenboeken/", tab_books, name="tab_books"),
    path("veldwerk/<slug:slug>/tabellenboeken/<int:book_id>/maken/", tab_book_build,
         name="tab_book_build"),
    path("veldwerk/<slug:slug>/tabellen/bestand", explorer_file, name="explorer_file"),
    path("veldwerk/<slug:slug>/weging/", weighting, name="weighting"),
]
