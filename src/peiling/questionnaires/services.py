"""Operations that change questionnaires: importing an XLSForm as a new version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from peiling.accounts.models import Organisation
from peiling.accounts.services import organisation_default
from peiling.forms.errors import FormError, Problem
from peiling.forms.xlsform import CheckedForm, check_xlsform
from peiling.questionnaires.models import FormVersion, Questionnaire


@dataclass(frozen=True)
class ImportResult:
    """The stored version, whether it is new, and what of the file peiling ignores."""

    version: FormVersion
    created: bool
    warnings: tuple[Problem, ...] = ()


@transaction.atomic
def form_version_import(*, source: bytes, source_name: str = "", user=None,
                        organisation: Organisation | None = None) -> ImportResult:
    """Store the XLSForm in ``source`` as a new version of its questionnaire.

    The questionnaire is the organisation's with the form's ``form_id`` (made when new);
    without ``organisation``, the default one (``accounts.services.organisation_default``).
    Importing a form equal to an existing version returns that version (``created=False``).

    Raises
    ------
    peiling.forms.errors.FormError
        The file is not a valid XLSForm; nothing is stored.
    """
    checked = check_xlsform(source)
    if checked.problems:
        raise FormError(checked.problems)
    return _store(checked, source, source_name, user, organisation or organisation_default())


def _store(checked: CheckedForm, source: bytes, source_name: str, user,
           organisation: Organisation) -> ImportResult:
    form = checked.form
    assert form is not None
    questionnaire, _ = Questionnaire.objects.select_for_update().get_or_create(
        organisation=organisation, form_id=form.form_id, defaults={"title": form.title}
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


class UploadError(Exception):
    """An upload that is not a form of this study; the message says why (nothing stored)."""


@transaction.atomic
def form_version_upload(*, source: bytes, source_name: str, organisation: Organisation,
                        questionnaire: Questionnaire | None = None, user=None) -> ImportResult:
    """Store an uploaded XLSForm: a new study, or (with ``questionnaire``) its next version.

    Raises ``FormError`` for a file that fails the form check and ``UploadError`` for a form
    whose ``form_id`` is not the study's; nothing is stored then.
    """
    checked = check_xlsform(source)
    if checked.problems:
        raise FormError(checked.problems)
    form = checked.form
    assert form is not None
    if questionnaire is not None and form.form_id != questionnaire.form_id:
        raise UploadError(
            _("This form has form_id %(got)s; the study's questionnaire has form_id %(expected)s. "
              "Set form_id on the settings sheet to %(expected)s, or upload it as a new study.")
            % {"got": form.form_id, "expected": questionnaire.form_id})
    if questionnaire is None and Questionnaire.objects.filter(
            organisation=organisation, form_id=form.form_id).exists():
        raise UploadError(
            _("There already is a study with form_id %(form_id)s; upload the form on that "
              "study's page to make a new version, or change form_id on the settings sheet.")
            % {"form_id": form.form_id})
    return _store(checked, source, source_name, user, organisation)
