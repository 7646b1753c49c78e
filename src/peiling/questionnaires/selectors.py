"""Queries on questionnaires (a study is a questionnaire with its versions and fieldwork)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, Max, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from peiling.questionnaires.models import FormVersion, Questionnaire


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


def studies_overview(*, questionnaires: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    """Annotate each study with its versions, fieldwork window and completes (one query).

    ``version_count``, ``fieldwork_count``, ``first_opens``, ``last_closes`` and ``completes``
    (completed responses over all its fieldwork).
    """
    from peiling.fieldwork.models import Response

    completes = (
        Response.objects.filter(form_version__questionnaire=OuterRef("pk"), status="completed")
        .order_by().values("form_version__questionnaire")
        .annotate(n=Count("pk")).values("n")
    )
    return (
        questionnaires.annotate(
            version_count=Count("versions", distinct=True),
            fieldwork_count=Count("versions__fieldworks", distinct=True),
            first_opens=Min("versions__fieldworks__opens_at"),
            last_closes=Max("versions__fieldworks__closes_at"),
            completes=Coalesce(Subquery(completes, output_field=IntegerField()), 0),
        )
        .order_by("-created_at", "title")
    )


def study_versions(*, questionnaire: Questionnaire) -> QuerySet[FormVersion]:
    """The study's versions, newest first, without the stored files."""
    return questionnaire.versions.defer("source", "definition").order_by("-number")
