"""Operations that change questionnaires: importing an XLSForm as a new version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from peiling.forms.errors import FormError, Problem
from peiling.forms.xlsform import check_xlsform
from peiling.questionnaires.models import FormVersion, Questionnaire


@dataclass(frozen=True)
class ImportResult:
    """The stored version, whether it is new, and what of the file peiling ignores."""

    version: FormVersion
    created: bool
    warnings: tuple[Problem, ...] = ()


@transaction.atomic
def form_version_import(*, source: bytes, source_name: str = "", user=None) -> ImportResult:
    """Store the XLSForm in ``source`` as a new version of its questionnaire.

    Importing a form equal to an existing version returns that version (``created=False``).

    Raises
    ------
    peiling.forms.errors.FormError
        The file is not a valid XLSForm; nothing is stored.
    """
    checked = check_xlsform(source)
    if checked.problems:
        raise FormError(checked.problems)
    form = checked.form
    assert form is not None
    questionnaire, _ = Questionnaire.objects.select_for_update().get_or_create(
        form_id=form.form_id, defaults={"title": form.title}
    )
    content_hash = form.content_hash()
    existing = questionnaire.versions.filter(content_hash=content_hash).first()
    if existing is not None:
        return ImportResult(existing, created=False, warnings=checked.warnings)
    latest = questionnaire.versions.order_by("-number").values_list("number", flat=True).first()
    if questionnaire.title != form.title:
        questionnaire.title = form.title
        questionnaire.save(update_fields=["title"])
    version = FormVersion(
        questionnaire=questionnaire,
        number=(latest or 0) + 1,
        version=form.version,
        content_hash=content_hash,
        definition=form.to_dict(),
        source_name=source_name[:255],
        source=source,
        question_count=sum(q.is_answered_by_respondent for q in form.questions()),
        page_count=len(form.pages()),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    version.full_clean(exclude=["source"])
    version.save()
    return ImportResult(version, created=True, warnings=checked.warnings)
