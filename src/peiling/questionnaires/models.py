"""Questionnaires and their immutable, content-hashed versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiling.forms.model import Form


class Questionnaire(models.Model):
    """A questionnaire, identified by its XLSForm ``form_id``; its versions hold the content."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="questionnaires",
        verbose_name=_("organisation"),
    )
    form_id = models.SlugField(_("form id"), max_length=100)
    title = models.CharField(_("title"), max_length=500)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["form_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "form_id"],
                                    name="questionnaire_form_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id})"


class FormVersion(models.Model):
    """One imported XLSForm: the Form model as JSON, never edited after import."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("questionnaire"),
    )
    number = models.PositiveIntegerField(_("number"))
    version = models.CharField(_("version (from the form)"), max_length=100, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    definition = models.JSONField(_("form definition"))
    source_name = models.CharField(_("file name"), max_length=255, blank=True)
    source = models.BinaryField(_("original file"), editable=False)
    question_count = models.PositiveIntegerField(_("questions"))
    page_count = models.PositiveIntegerField(_("pages"))
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "content_hash"], name="version_content_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.form_id} v{self.number}"

    @property
    def form(self) -> Form:
        """The Form model of this version."""
        return Form.from_dict(self.definition)
