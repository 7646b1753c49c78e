"""Queries on questionnaires."""

from __future__ import annotations

from django.db.models import QuerySet

from peiling.questionnaires.models import FormVersion, Questionnaire


def questionnaire_list() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.prefetch_related("versions").order_by("title")


def form_version_get(*, version_id: int) -> FormVersion:
    """Return the version; raise ``FormVersion.DoesNotExist`` when there is none."""
    return FormVersion.objects.select_related("questionnaire").get(pk=version_id)


def form_version_latest(*, form_id: str) -> FormVersion | None:
    return (
        FormVersion.objects.filter(questionnaire__form_id=form_id)
        .select_related("questionnaire")
        .order_by("-number")
        .first()
    )
