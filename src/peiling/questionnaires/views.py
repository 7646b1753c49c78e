"""Researcher pages for questionnaires: thin views over selectors and the Form outline."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from peiling.accounts.permissions import object_for, researcher_page
from peiling.forms.outline import outline
from peiling.forms.xlsform_writer import write_xlsform
from peiling.questionnaires.models import FormVersion


def _version_or_404(request: HttpRequest, version_id: int) -> FormVersion:
    return object_for(request.user, "study.view",
                      FormVersion.objects.select_related("questionnaire"), pk=version_id)


@researcher_page("study.view")
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(request, version_id)
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


@researcher_page("study.view")
def version_xlsform(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(request, version_id)
    buffer = io.BytesIO()
    write_xlsform(version.form, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{version.questionnaire.form_id}-v{version.number}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
