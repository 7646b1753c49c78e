"""Codebooks and codings of open answers.

A ``Codebook`` belongs to one text question of one fieldwork; its ``Code`` rows (two levels at
most: a code may have a parent) are what answers are coded with. ``Coding`` holds the codes an
answer carries now; ``CodingChange`` every change (who, when, before and after), which is
also what undo takes back. ``Suggestion`` is a code a theme proposal would give an answer:
never a coding until a person confirms it. ``AnswerScan`` holds the possible personal data in
an answer and whether a person released it. The original answer stays in
``Response.answers``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiling.fieldwork.models import Fieldwork, Response


class Codebook(models.Model):
    """The codes of one open question of a fieldwork."""

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE, related_name="codebooks",
                                  verbose_name=_("fieldwork period"))
    question = models.CharField(_("question"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    #: When its codes or codings last changed: the prepared data of the results pages
    #: (``reports.datasets``) is read again after it.
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("codebook")
        verbose_name_plural = _("codebooks")
        constraints = [models.UniqueConstraint(fields=["fieldwork", "question"],
                                               name="codebook_per_question")]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.question}"


class Code(models.Model):
    """A code (theme) of a codebook. ``name`` is what exports call it and never changes;
    ``label`` is what people read and may be renamed."""

    class Kind(models.TextChoices):
        THEME = "theme", _("theme")
        OTHER = "other", _("other")
        NO_ANSWER = "no_answer", _("no meaningful answer")

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="codes",
                                 verbose_name=_("codebook"))
    name = models.CharField(_("name"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("parent"))
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.THEME)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["codebook", "name"], name="code_name_unique"),
            models.UniqueConstraint(fields=["codebook", "label"], name="code_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Coding(models.Model):
    """One code an answer carries (an answer may carry several)."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="codings",
                                 verbose_name=_("codebook"))
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("response"))
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings",
                             verbose_name=_("code"))
    coded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("coded by"))
    coded_at = models.DateTimeField(_("coded"))

    class Meta:
        verbose_name = _("coding")
        verbose_name_plural = _("codings")
        constraints = [models.UniqueConstraint(fields=["codebook", "response", "code"],
                                               name="coding_unique")]
        indexes = [models.Index(fields=["codebook", "response"], name="coding_answer")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.code_id}"


class CodingChange(models.Model):
    """A change of an answer's codes: the code names before and after, who and when. The
    history of the coding, and what undo takes back (the last change of a person that was
    not undone)."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="changes",
                                 verbose_name=_("codebook"))
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("response"))
    before = models.JSONField(_("codes before"), default=list)
    after = models.JSONField(_("codes after"), default=list)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed"))
    how = models.CharField(_("how"), max_length=20, default="coded")
    undone = models.BooleanField(_("undone"), default=False)

    class Meta:
        verbose_name = _("coding change")
        verbose_name_plural = _("coding changes")
        indexes = [models.Index(fields=["codebook", "changed_by", "undone"],
                                name="coding_change_undo")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.before} → {self.after}"


class Suggestion(models.Model):
    """A code a theme proposal suggests for an answer, with its confidence (0 to 1); a
    person confirms it (it becomes a ``Coding``) or not."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="suggestions",
                                 verbose_name=_("codebook"))
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("response"))
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="suggestions",
                             verbose_name=_("code"))
    confidence = models.FloatField(_("confidence"))

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [models.UniqueConstraint(fields=["codebook", "response", "code"],
                                               name="suggestion_unique")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.code_id} ({self.confidence:.2f})"


class ThemeProposal(models.Model):
    """The themes a proposal found for a codebook's answers (``openanswers.themes``): per
    theme its terms, size and most typical answers; per answer its theme and confidence.
    A researcher accepts, renames, merges or drops the themes; the accepted ones become
    codes and their answers get suggestions."""

    codebook = models.OneToOneField(Codebook, on_delete=models.CASCADE, related_name="proposal",
                                    verbose_name=_("codebook"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("made by"))
    answers = models.PositiveIntegerField(_("answers"))
    stability = models.JSONField(_("stability per number of themes"), default=dict)
    themes = models.JSONField(_("themes"), default=list)
    assignments = models.JSONField(_("theme per answer"), default=dict)

    class Meta:
        verbose_name = _("theme proposal")
        verbose_name_plural = _("theme proposals")

    def __str__(self) -> str:
        return f"{self.codebook}: {len(self.themes)} themes"


class AgreementSample(models.Model):
    """A random sample of a codebook's answers that two coders (or more) code blind: each
    sees only their own codes, not the coding nor each other's."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="samples",
                                 verbose_name=_("codebook"))
    responses = models.JSONField(_("answers in the sample"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("made by"))

    class Meta:
        verbose_name = _("agreement sample")
        verbose_name_plural = _("agreement samples")

    def __str__(self) -> str:
        return f"{self.codebook}: {len(self.responses)} answers"


class BlindCoding(models.Model):
    """The codes (names) one coder gave one answer of an agreement sample."""

    sample = models.ForeignKey(AgreementSample, on_delete=models.CASCADE,
                               related_name="codings", verbose_name=_("agreement sample"))
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("coder"))
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("response"))
    codes = models.JSONField(_("codes"), default=list)
    coded_at = models.DateTimeField(_("coded"), auto_now=True)

    class Meta:
        verbose_name = _("blind coding")
        verbose_name_plural = _("blind codings")
        constraints = [models.UniqueConstraint(fields=["sample", "coder", "response"],
                                               name="blind_coding_unique")]

    def __str__(self) -> str:
        return f"{self.coder_id} {self.response_id}: {self.codes}"


class AnswerScan(models.Model):
    """What the scan for personal data found in one open answer (``privacy.scan``: kind,
    start and end of each part; none is a clean answer), and whether a person released the
    answer to be shown unmasked in reports and exports. The answer itself stays as given."""

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("fieldwork"))
    question = models.CharField(_("question"), max_length=200)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("response"))
    found = models.JSONField(_("possible personal data"), default=list)
    scanned_at = models.DateTimeField(_("scanned"), auto_now=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("released by"))
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan for personal data")
        verbose_name_plural = _("scans for personal data")
        constraints = [models.UniqueConstraint(fields=["fieldwork", "question", "response"],
                                               name="answer_scan_unique")]

    def __str__(self) -> str:
        return f"{self.question} {self.response_id}: {len(self.found)} found"
