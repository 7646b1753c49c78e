"""Queries on questionnaires (a study is a questionnaire with its versions and fieldwork)."""

from __future__ import annotations

from django.db.models import DateTimeField, OuterRef, QuerySet

from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.subqueries import aggregate_of, count_of


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
    (completed responses over all its fieldwork). Each is a subquery per study, so a study
    reads only its own rows; completes are counted through the fieldworks on the responses'
    ``(fieldwork, status)`` index.
    """
    from peiling.fieldwork.models import Fieldwork, Response

    fieldworks = Fieldwork.objects.filter(form_version__questionnaire=OuterRef("pk"))
    completes = Response.objects.filter(fieldwork__form_version__questionnaire=OuterRef("pk"),
                                        status=Response.Status.COMPLETED)
    return (
        questionnaires.annotate(
            version_count=count_of(FormVersion.objects.filter(questionnaire=OuterRef("pk"))),
            fieldwork_count=count_of(fieldworks),
            first_opens=aggregate_of(fieldworks, "MIN", "opens_at", DateTimeField()),
            last_closes=aggregate_of(fieldworks, "MAX", "closes_at", DateTimeField()),
            completes=count_of(completes),
        )
        .order_by("-created_at", "title")
    )


def study_versions(*, questionnaire: Questionnaire) -> QuerySet[FormVersion]:
    """The study's versions, newest first, without the stored files."""
    return questionnaire.versions.defer("source", "definition").order_by("-number")
