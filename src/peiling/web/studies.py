"""Studies: the list, the study page (the hub), XLSForm uploads and version comparison.

A study is a questionnaire with its versions and fieldwork. Views parse, ask
``accounts.permissions``, call one service or selector, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import (
    object_for,
    organisation_of,
    researcher_page,
    scoped,
    user_may,
)
from peiling.fieldwork import selectors as fieldwork_selectors
from peiling.fieldwork.models import Fieldwork
from peiling.forms.compare import forms_compare
from peiling.forms.errors import FormError
from peiling.questionnaires import selectors, services
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.web.forms import XLSFormUpload

#: What each kind of change is called on the comparison page (``forms.compare.CHANGE_KINDS``).
CHANGE_LABELS = {
    "language_added": gettext_lazy("language added"),
    "language_removed": gettext_lazy("language removed"),
    "group_added": gettext_lazy("group added"),
    "group_removed": gettext_lazy("group removed"),
    "question_added": gettext_lazy("question added"),
    "question_removed": gettext_lazy("question removed"),
    "question_moved": gettext_lazy("question moved (after)"),
    "group_changed": gettext_lazy("question moved to another group"),
    "type_changed": gettext_lazy("question type changed"),
    "label_changed": gettext_lazy("text changed"),
    "hint_changed": gettext_lazy("hint changed"),
    "required_changed": gettext_lazy("required changed"),
    "routing_changed": gettext_lazy("routing changed (relevant)"),
    "constraint_changed": gettext_lazy("constraint changed"),
    "calculation_changed": gettext_lazy("calculation changed"),
    "choice_filter_changed": gettext_lazy("choice filter changed"),
    "appearance_changed": gettext_lazy("appearance changed"),
    "parameters_changed": gettext_lazy("parameters changed"),
    "default_changed": gettext_lazy("default changed"),
    "choice_added": gettext_lazy("answer option added"),
    "choice_removed": gettext_lazy("answer option removed"),
    "choice_label_changed": gettext_lazy("answer option text changed"),
    "choices_reordered": gettext_lazy("answer options reordered"),
}


def _study(request: HttpRequest, study_id: int, action: str = "study.view") -> Questionnaire:
    return object_for(request.user, action, Questionnaire.objects.all(), pk=study_id)


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD"])
def study_list(request: HttpRequest) -> HttpResponse:
    return _list(request, XLSFormUpload())


def _list(request: HttpRequest, upload: XLSFormUpload, problems=(), status: int = 200):
    studies = selectors.studies_overview(
        questionnaires=scoped(request.user, "study.view", Questionnaire.objects.all()))
    return render(request, "web/studies/list.html", {
        "studies": studies, "upload": upload, "problems": problems, "now": timezone.now(),
        "may_edit": user_may(request.user, "study.edit")}, status=status)


@researcher_page("study.edit")
@require_POST
def study_create(request: HttpRequest) -> HttpResponse:
    """Upload an XLSForm as a new study; problems are shown on the list page (400)."""
    upload = XLSFormUpload(request.POST, request.FILES)
    if not upload.is_valid():
        return _list(request, upload, status=400)
    name, data = upload.cleaned_data["file"]
    try:
        result = services.form_version_upload(
            source=data, source_name=name, organisation=organisation_of(request.user),
            user=request.user)
    except FormError as error:
        return _list(request, upload, problems=error.problems, status=400)
    except services.UploadError as error:
        upload.add_error("file", str(error))
        return _list(request, upload, status=400)
    messages.success(request, _("The study %(title)s was created from %(name)s.")
                     % {"title": result.version.questionnaire.title, "name": name})
    _warn(request, result)
    return redirect("web:study", result.version.questionnaire_id)


def _warn(request: HttpRequest, result: services.ImportResult) -> None:
    for warning in result.warnings:
        messages.warning(request, str(warning))


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD"])
def study_page(request: HttpRequest, study_id: int) -> HttpResponse:
    return _page(request, _study(request, study_id), XLSFormUpload())


def _page(request: HttpRequest, study: Questionnaire, upload: XLSFormUpload, problems=(),
          status: int = 200) -> HttpResponse:
    versions = list(selectors.study_versions(questionnaire=study))
    fieldworks = fieldwork_selectors.fieldworks_overview(
        fieldworks=Fieldwork.objects.filter(form_version__questionnaire=study))
    latest = FormVersion.objects.filter(pk=versions[0].pk).first() if versions else None
    languages = fieldwork_selectors.respondent_languages(form=latest.form) if latest else []
    return render(request, "web/studies/page.html", {
        "study": study, "versions": versions, "fieldworks": fieldworks, "upload": upload,
        "problems": problems, "languages": languages, "now": timezone.now(),
        "may_edit": user_may(request.user, "study.edit"),
        "may_field": user_may(request.user, "fieldwork.manage")}, status=status)


@researcher_page("study.edit")
@require_POST
def study_upload(request: HttpRequest, study_id: int) -> HttpResponse:
    """Upload the next version of a study's questionnaire."""
    study = _study(request, study_id, "study.edit")
    upload = XLSFormUpload(request.POST, request.FILES)
    if not upload.is_valid():
        return _page(request, study, upload, status=400)
    name, data = upload.cleaned_data["file"]
    try:
        result = services.form_version_upload(
            source=data, source_name=name, organisation=study.organisation,
            questionnaire=study, user=request.user)
    except FormError as error:
        return _page(request, study, upload, problems=error.problems, status=400)
    except services.UploadError as error:
        upload.add_error("file", str(error))
        return _page(request, study, upload, status=400)
    if result.created:
        messages.success(request, _("Version %(number)d was stored.")
                         % {"number": result.version.number})
    else:
        messages.info(request, _("This form is the same as version %(number)d; nothing new "
                                 "was stored.") % {"number": result.version.number})
    _warn(request, result)
    return redirect("web:study", study.pk)


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD"])
def study_compare(request: HttpRequest, study_id: int) -> HttpResponse:
    """Compare two versions (``?van=N&naar=M``; default: the latest with the one before)."""
    study = _study(request, study_id)
    numbers = list(study.versions.order_by("-number").values_list("number", flat=True))
    try:
        new = int(request.GET.get("naar") or numbers[0])
        old = int(request.GET.get("van") or (numbers[1] if len(numbers) > 1 else new))
    except (ValueError, IndexError):
        return _page(request, study, XLSFormUpload(), status=400)
    pair = {version.number: version for version in study.versions.filter(number__in=[old, new])}
    if old not in pair or new not in pair:
        messages.error(request, _("This study has no version %(number)s.")
                       % {"number": old if old not in pair else new})
        return _page(request, study, XLSFormUpload(), status=404)
    comparison = forms_compare(pair[old].form, pair[new].form)
    rows = [{"change": change, "what": CHANGE_LABELS[change.kind]}
            for change in comparison.changes]
    summary = [(CHANGE_LABELS[kind], count) for kind, count in comparison.counts.items()]
    return render(request, "web/studies/compare.html", {
        "study": study, "old": pair[old], "new": pair[new], "numbers": numbers,
        "rows": rows, "summary": summary})


urlpatterns = [
    path("onderzoeken/", study_list, name="studies"),
    path("onderzoeken/nieuw/", study_create, name="study_create"),
    path("onderzoeken/<int:study_id>/", study_page, name="study"),
    path("onderzoeken/<int:study_id>/versie/", study_upload, name="study_upload"),
    path("onderzoeken/<int:study_id>/vergelijken/", study_compare, name="study_compare"),
]
