"""The report of a study in the browser: its definition (the YAML of ``rapport.yaml``, edited
here, checked against the questionnaire, versioned, importable and exportable), builds made in
the background and kept with their files, and read-only share links for a client.

The share link's token is made with ``secrets`` and shown once; only its SHA-256 is stored.
A shared page shows the finished report and its downloads, nothing else, until the link
expires or is revoked. A build's report is shown as the app's own pages show reports (kept as
``reports/_body.html`` rendered at build time), under the site's Content-Security-Policy; the
stand-alone HTML file, with its inline styles, is a download like the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, organisation_of, researcher_page
from peiling.fieldwork.models import Fieldwork
from peiling.jobs.services import job_start
from peiling.reports.definition import DefinitionError, check_definition, parse_definition
from peiling.reports.models import ReportBuild, ReportDefinitionVersion, ReportFile, ReportShare
from peiling.reports.tasks import PAGE

#: The largest definition the page takes (a long report is about 20 kB of YAML).
MAX_DEFINITION = 200_000
FORMAT_LABELS = {"html": "HTML", "docx": "Word", "xlsx": "Excel", "pdf": "PDF", "json": "JSON"}
SHARE_DAYS = 30


class DefinitionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Report definition (YAML)"), required=False,
        max_length=MAX_DEFINITION,
        widget=forms.Textarea(attrs={"rows": 24, "class": "utrecht-textarea code",
                                     "spellcheck": "false"}),
        help_text=gettext_lazy("Chapters, tables per chapter, banner, texts and methods, as in "
                               "examples/rapport.yaml. Empty: the default report."))
    file = forms.FileField(label=gettext_lazy("Or import a definition file (.yaml)"),
                           required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_DEFINITION:
                raise forms.ValidationError(_("A definition file is at most 200 kB."))
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The definition file is not UTF-8 text.")) from None
        return cleaned


class ShareForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("For (optional)"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1,
                              max_value=365, initial=SHARE_DAYS,
                              widget=forms.NumberInput(attrs={"class": "utrecht-textbox"}))


def _fieldwork(request: HttpRequest, slug: str, action: str = "report.view") -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _current(fieldwork: Fieldwork) -> ReportDefinitionVersion | None:
    return ReportDefinitionVersion.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id).first()


def _problems(text: str, fieldwork: Fieldwork) -> list[str]:
    """Every problem of a definition text, against the fieldwork's questionnaire."""
    try:
        definition = parse_definition(text, source="definitie")
        # A fieldwork's report knows its sources from the responses themselves, so the
        # definition's source column (for data files) needs no question of that name.
        extra = [name for name in (definition.source_variable,) if name]
        check_definition(definition, fieldwork.form_version.form, extra=extra)
    except DefinitionError as error:
        return [str(problem) for problem in error.problems]
    return []


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def report_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's report definition (POST saves a new version), its builds and their links."""
    fieldwork = _fieldwork(request, slug, "results.edit" if request.method == "POST"
                           else "report.view")
    current = _current(fieldwork)
    form = DefinitionForm(request.POST or None, request.FILES or None,
                          initial={"text": current.text if current else ""})
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            text = form.cleaned_data["text"].strip()
            problems = _problems(text, fieldwork) if text else []
            if not problems:
                if current is not None and current.text == text:
                    messages.info(request, _("The definition did not change."))
                else:
                    number = (current.number + 1) if current else 1
                    ReportDefinitionVersion.objects.create(
                        questionnaire=fieldwork.form_version.questionnaire, number=number,
                        text=text, created_by=request.user)
                    messages.success(request, _("Version %(number)s of the definition was "
                                                "saved.") % {"number": number})
                return redirect("web:report_builder", fieldwork.slug)
        status = 400
    builds = (ReportBuild.objects.filter(fieldwork=fieldwork)
              .select_related("definition").prefetch_related("shares"))[:20]
    return render(request, "web/reports/builder.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "form": form,
        "problems": problems, "current": current, "builds": builds,
        "versions": ReportDefinitionVersion.objects.filter(
            questionnaire_id=fieldwork.form_version.questionnaire_id).defer("text")[:10],
        "share_form": ShareForm(), "formats": FORMAT_LABELS, "now": timezone.now(),
    }, status=status)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def definition_file(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A version of the definition as a YAML file (to edit elsewhere and import again)."""
    fieldwork = _fieldwork(request, slug)
    version = object_for(request.user, "report.view", ReportDefinitionVersion.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id), number=number)
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rapport-{fieldwork.slug}-v{version.number}.yaml"')
    return response


@researcher_page("report.view")
@require_POST
def build_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Build the report now, with the current definition, in the background."""
    fieldwork = _fieldwork(request, slug)
    current = _current(fieldwork)
    job = job_start(kind="report_build", organisation=organisation_of(request.user),
                    user=request.user, action="report.view",
                    title=_("Report of %(fieldwork)s") % {"fieldwork": fieldwork.name},
                    payload={"fieldwork": fieldwork.pk,
                             "definition": current.pk if current else None},
                    back_url=reverse("web:report_builder", args=[fieldwork.slug]))
    return redirect("web:job", job.pk)


def _build(request: HttpRequest, build_id: int) -> ReportBuild:
    return object_for(request.user, "report.view", ReportBuild.objects.select_related(
        "fieldwork__form_version__questionnaire"), pk=build_id)


def _file_response(build: ReportBuild, fmt: str) -> HttpResponse:
    """A file of a build, as a download."""
    file = ReportFile.objects.filter(build=build, format=fmt).exclude(format=PAGE).first()
    if file is None:
        raise Http404("no such file")
    response = HttpResponse(bytes(file.data), content_type=file.media_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


def _page_context(build: ReportBuild) -> dict[str, Any]:
    """The build's report as the page shows it, and the formats it can be downloaded in."""
    files = dict(ReportFile.objects.filter(build=build).values_list("format", "data"))
    page = files.pop(PAGE, None)
    return {"build": build, "formats": [(fmt, label) for fmt, label in FORMAT_LABELS.items()
                                        if fmt in files],
            # Our own template's output (reports/_body.html, escaped when it was made).
            "body": mark_safe(bytes(page).decode("utf-8")) if page else ""}  # noqa: S308


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def build_page(request: HttpRequest, build_id: int) -> HttpResponse:
    """A kept build: its report as it was built, and its files."""
    build = _build(request, build_id)
    return render(request, "web/reports/build.html", {
        **_page_context(build), "fieldwork": build.fieldwork,
        "study": build.fieldwork.form_version.questionnaire})


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def build_file(request: HttpRequest, build_id: int, fmt: str) -> HttpResponse:
    """A file of a kept build."""
    return _file_response(_build(request, build_id), fmt)


@researcher_page("report.view")
@require_POST
def share_create(request: HttpRequest, build_id: int) -> HttpResponse:
    build = _build(request, build_id)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("web:report_builder", build.fieldwork.slug)
    token = secrets.token_urlsafe(24)
    ReportShare.objects.create(
        build=build, token_hash=_hash(token), label=form.cleaned_data["label"],
        expires_at=timezone.now() + dt.timedelta(days=form.cleaned_data["days"]),
        created_by=request.user)
    link = request.build_absolute_uri(reverse("web:shared_report", args=[token]))
    messages.success(request, _("Share link (shown once; copy it now): %(link)s")
                     % {"link": link})
    return redirect("web:report_builder", build.fieldwork.slug)


@researcher_page("report.view")
@require_POST
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    share = object_for(request.user, "report.view",
                       ReportShare.objects.select_related("build__fieldwork"), pk=share_id)
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    messages.success(request, _("The share link was revoked."))
    return redirect("web:report_builder", share.build.fieldwork.slug)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _shared(token: str) -> ReportShare:
    share = (ReportShare.objects.select_related("build").filter(
        token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first())
    if share is None:
        raise Http404("unknown, expired or revoked link")
    return share


@require_http_methods(["GET", "HEAD"])
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """What a client with the link sees: the finished report and its downloads, nothing
    else."""
    share = _shared(token)
    response = render(request, "web/reports/shared.html",
                      {**_page_context(share.build), "share": share, "token": token})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def shared_file(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    response = _file_response(_shared(token).build, fmt)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path("veldwerk/<slug:slug>/rapportbouwer/", report_builder, name="report_builder"),
    path("veldwerk/<slug:slug>/rapportbouwer/definitie-<int:number>.yaml", definition_file,
         name="report_definition_file"),
    path("veldwerk/<slug:slug>/rapportbouwer/maken/", build_start, name="report_build_start"),
    path("rapportversies/<int:build_id>/", build_page, name="report_build_page"),
    path("rapportversies/<int:build_id>/bestand/<slug:fmt>", build_file,
         name="report_build_file"),
    path("rapportversies/<int:build_id>/delen/", share_create, name="report_share_create"),
    path("deellinks/<int:share_id>/intrekken/", share_revoke, name="report_share_revoke"),
    path("gedeeld/<str:token>/", shared_report, name="shared_report"),
    path("gedeeld/<str:token>/bestand/<slug:fmt>", shared_file, name="shared_file"),
]
