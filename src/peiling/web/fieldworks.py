"""Fieldwork: create it on a version, open links with QR codes, quotas, close and re-open,
and the live monitor."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, researcher_page, scoped, user_may
from peiling.fieldwork import selectors, services
from peiling.fieldwork.models import Fieldwork, OpenLink, Quota
from peiling.fieldwork.reviews import quality_flags, quality_summary
from peiling.panel.models import Panel
from peiling.panel.selectors import fieldwork_monitor, panel_variables
from peiling.questionnaires.models import Questionnaire
from peiling.web.forms import FieldworkForm, OpenLinkForm, QuotaForm, ReopenForm
from peiling.web.invitations import delivery_rows
from peiling.web.quality import RULE_LABELS


def _fieldwork(request: HttpRequest, slug: str, action: str = "fieldwork.view") -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@researcher_page("fieldwork.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def fieldwork_create(request: HttpRequest, study_id: int) -> HttpResponse:
    study = object_for(request.user, "fieldwork.manage", Questionnaire.objects.all(),
                       pk=study_id)
    versions = study.versions.defer("source", "definition").order_by("-number")
    form = FieldworkForm(request.POST or None, versions=versions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fieldwork = services.fieldwork_create(
                form_version=data["version"], slug=data["slug"], name=data["name"],
                opens_at=data["opens_at"], closes_at=data["closes_at"], user=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The fieldwork %(name)s was created.")
                             % {"name": fieldwork.name})
            return redirect("web:fieldwork", fieldwork.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/fieldwork/create.html", {"study": study, "form": form},
                  status=status)


@researcher_page("fieldwork.view")
@require_http_methods(["GET", "HEAD"])
def fieldwork_page(request: HttpRequest, slug: str) -> HttpResponse:
    fieldwork = _fieldwork(request, slug)
    return _page(request, fieldwork)


def _page(request: HttpRequest, fieldwork: Fieldwork, *, link_form=None, quota_form=None,
          reopen_form=None, status: int = 200) -> HttpResponse:
    links = [{"link": link, "url": selectors.open_link_url(open_link=link)}
             for link in fieldwork.open_links.order_by("source")]
    return render(request, "web/fieldwork/page.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "state": selectors.fieldwork_window(fieldwork=fieldwork, now=timezone.now()),
        "links": links, "quotas": selectors.quota_counts(fieldwork=fieldwork),
        "link_form": link_form or OpenLinkForm(), "quota_form": quota_form or QuotaForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "deliveries": delivery_rows(fieldwork),
        "may_invite": user_may(request.user, "panel.manage"),
        "may_manage": user_may(request.user, "fieldwork.manage"),
        "may_report": user_may(request.user, "report.view"),
        "may_publish": user_may(request.user, "publication.manage")}, status=status)


@researcher_page("fieldwork.manage")
@require_POST
def fieldwork_close(request: HttpRequest, slug: str) -> HttpResponse:
    fieldwork = _fieldwork(request, slug, "fieldwork.manage")
    try:
        services.fieldwork_close(fieldwork=fieldwork, now=timezone.now())
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The fieldwork is closed: links no longer take answers."))
    return redirect("web:fieldwork", fieldwork.slug)


@researcher_page("fieldwork.manage")
@require_POST
def fieldwork_reopen(request: HttpRequest, slug: str) -> HttpResponse:
    fieldwork = _fieldwork(request, slug, "fieldwork.manage")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _page(request, fieldwork, reopen_form=form, status=400)
    try:
        services.fieldwork_reopen(fieldwork=fieldwork, now=timezone.now(),
                                  closes_at=form.cleaned_data["closes_at"])
    except ValidationError as error:  # e.g. open already (a second tab): say so on the page
        messages.error(request, _messages_of(error))
        return redirect("web:fieldwork", fieldwork.slug)
    messages.success(request, _("The fieldwork is open again."))
    return redirect("web:fieldwork", fieldwork.slug)


@researcher_page("fieldwork.manage")
@require_POST
def link_create(request: HttpRequest, slug: str) -> HttpResponse:
    fieldwork = _fieldwork(request, slug, "fieldwork.manage")
    form = OpenLinkForm(request.POST)
    if form.is_valid():
        try:
            services.open_link_create(fieldwork=fieldwork, source=form.cleaned_data["source"])
        except ValidationError as error:
            form.add_error("source", _messages_of(error))
    if form.errors:
        return _page(request, fieldwork, link_form=form, status=400)
    messages.success(request, _("The open link %(source)s was made.")
                     % {"source": form.cleaned_data["source"]})
    return redirect("web:fieldwork", fieldwork.slug)


@researcher_page("fieldwork.view")
@require_http_methods(["GET", "HEAD"])
def link_qr(request: HttpRequest, slug: str, link_id: int) -> HttpResponse:
    """The open link as a QR code (SVG), to print on a poster or in a newsletter."""
    fieldwork = _fieldwork(request, slug)
    link = object_for(request.user, "fieldwork.view", OpenLink.objects.filter(
        fieldwork=fieldwork), pk=link_id)
    url = selectors.open_link_url(open_link=link)
    svg = io.BytesIO()  # a whole SVG file (with its namespace), not an inline fragment
    segno.make(url, error="m").save(svg, kind="svg", scale=4, border=2, title=url)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="qr-{fieldwork.slug}-{link.source}.svg"'
    return response


@researcher_page("fieldwork.manage")
@require_POST
def quota_create(request: HttpRequest, slug: str) -> HttpResponse:
    fieldwork = _fieldwork(request, slug, "fieldwork.manage")
    form = QuotaForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.quota_create(
                fieldwork=fieldwork, name=data["name"], condition=data["condition"],
                target=data["target"], text={"nl": data["text"]} if data["text"] else None,
                profile_variables=_profile_variables(request))
        except ValidationError as error:
            form.add_error("condition", _messages_of(error))
    if form.errors:
        return _page(request, fieldwork, quota_form=form, status=400)
    messages.success(request, _("The quota %(name)s was added.") % {"name": data["name"]})
    return redirect("web:fieldwork", fieldwork.slug)


def _profile_variables(request: HttpRequest) -> set[str]:
    """The profile variables a quota may name: those of the organisation's panels."""
    names: set[str] = set()
    for panel in scoped(request.user, "fieldwork.manage", Panel.objects.select_related(
            "profile")):
        names.update(variable.name for variable in panel_variables(panel=panel))
    return names


@researcher_page("fieldwork.manage")
@require_POST
def quota_active(request: HttpRequest, slug: str, quota_id: int) -> HttpResponse:
    fieldwork = _fieldwork(request, slug, "fieldwork.manage")
    quota = object_for(request.user, "fieldwork.manage", Quota.objects.filter(
        fieldwork=fieldwork), pk=quota_id)
    services.quota_update(quota=quota, is_active=request.POST.get("active") == "1")
    return redirect("web:fieldwork", fieldwork.slug)


@researcher_page("fieldwork.view")
@require_http_methods(["GET", "HEAD"])
def monitor(request: HttpRequest, slug: str) -> HttpResponse:
    """The live monitor; htmx asks for the figures alone every 30 seconds."""
    fieldwork = _fieldwork(request, slug)
    state = fieldwork_monitor(fieldwork=fieldwork, now=timezone.now())
    context = {"fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
               "monitor": state, "chart": _day_chart(state.days),
               "median_minutes": _minutes(state.median_completion_seconds)}
    if state.rates is not None:
        context.update(rr1=_percent(state.rates.rr1), coop1=_percent(state.rates.coop1))
    # The quality flags when they are at hand (the quality page makes them: seconds at
    # 100,000 responses), never made here: the monitor asks every 30 seconds and keeps a
    # fixed number of queries.
    quality = quality_flags(fieldwork=fieldwork, read=False)
    if quality is not None:
        context["quality"] = quality_summary(fieldwork=fieldwork, quality=quality)
        context["quality_labels"] = RULE_LABELS
    template = "web/fieldwork/_monitor.html" if request.htmx else "web/fieldwork/monitor.html"
    return render(request, template, context)


CHART_HEIGHT = 120
BAR_WIDTH = 14


def _day_chart(days) -> dict | None:
    """Bars of starts and completes per day, as SVG geometry (attributes, no inline CSS)."""
    peak = max((day.counts.starts for day in days), default=0)
    if not peak:
        return None
    bars = []
    for number, day in enumerate(days):
        starts = round(day.counts.starts / peak * CHART_HEIGHT)
        completes = round(day.counts.completes / peak * CHART_HEIGHT)
        bars.append({"x": number * (BAR_WIDTH + 4), "width": BAR_WIDTH,
                     "starts_y": CHART_HEIGHT - starts, "starts_height": starts,
                     "completes_y": CHART_HEIGHT - completes, "completes_height": completes})
    # At least a fortnight wide: a first day's bar is not drawn across the whole page.
    return {"bars": bars, "width": max(len(days), 14) * (BAR_WIDTH + 4), "height": CHART_HEIGHT}


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(round(seconds), 60)
    return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": rest}


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


urlpatterns = [
    path("onderzoeken/<int:study_id>/veldwerk/nieuw/", fieldwork_create, name="fieldwork_create"),
    path("veldwerk/<slug:slug>/", fieldwork_page, name="fieldwork"),
    path("veldwerk/<slug:slug>/sluiten/", fieldwork_close, name="fieldwork_close"),
    path("veldwerk/<slug:slug>/heropenen/", fieldwork_reopen, name="fieldwork_reopen"),
    path("veldwerk/<slug:slug>/links/", link_create, name="link_create"),
    path("veldwerk/<slug:slug>/links/<int:link_id>/qr.svg", link_qr, name="link_qr"),
    path("veldwerk/<slug:slug>/quota/", quota_create, name="quota_create"),
    path("veldwerk/<slug:slug>/quota/<int:quota_id>/actief/", quota_active, name="quota_active"),
    path("veldwerk/<slug:slug>/monitor/", monitor, name="monitor"),
]
