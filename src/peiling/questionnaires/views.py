"""Researcher pages for questionnaires: thin views over selectors and the Form outline."""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from peiling.accounts.permissions import researcher_page
from peiling.forms.outline import outline
from peiling.forms.xlsform_writer import write_xlsform
from peiling.questionnaires import selectors
from peiling.questionnaires.models import FormVersion


def _version_or_404(version_id: int) -> FormVersion:
    try:
        return selectors.form_version_get(version_id=version_id)
    except FormVersion.DoesNotExist:
        raise Http404("no such questionnaire version") from None


@researcher_page("questionnaire.view")
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "questionnaires/list.html", {"questionnaires": selectors.questionnaire_list()}
    )


@researcher_page("questionnaire.view")
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(version_id)
    form = version.form
    language = request.GET.get("taal") or get_language()
    return render(
        request,
        "questionnaires/detail.html",
        {
            "version": version,
            "form": form,
            "pages": outline(form, language),
            "choice_list_count": len(form.choice_lists),
        },
    )


@researcher_page("questionnaire.view")
def version_xlsform(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(version_id)
    buffer = io.BytesIO()
    write_xlsform(version.form, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{version.questionnaire.form_id}-v{version.number}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
