"""What a study keeps for its results: the weighting targets the researcher set, saved tab
books and report definitions, and how its waves line up (``WaveMap``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiling.questionnaires.models import Questionnaire


class WeightingTargets(models.Model):
    """Raking targets of a study: variable -> category -> percentage of the population.

    One set per study (questionnaire), so that every fieldwork of it is weighted the same;
    the table explorer and the tab book weight with it when asked.
    """

    questionnaire = models.OneToOneField(Questionnaire, on_delete=models.CASCADE,
                                         related_name="weighting_targets",
                                         verbose_name=_("study"))
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("weighting targets")
        verbose_name_plural = _("weighting targets")

    def __str__(self) -> str:
        return f"{self.questionnaire}: {', '.join(self.targets) or '-'}"


class TabBook(models.Model):
    """A saved tab book (tabellenboek) of a study: which questions (all when empty), against
    which banners, with which filter, whether weighted and whether over the waves; built
    again whenever asked."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="tab_books", verbose_name=_("study"))
    name = models.CharField(_("name"), max_length=100)
    questions = models.JSONField(_("questions"), default=list, blank=True)
    banners = models.JSONField(_("banners"), default=list, blank=True)
    filter = models.CharField(_("filter"), max_length=500, blank=True)
    weighted = models.BooleanField(_("weighted"), default=False)
    #: Over the study's waves up to the fieldwork it is made of: a column per wave, and per
    #: wave and subgroup for each banner (``explorer.explore_waves``).
    waves = models.BooleanField(_("all waves"), default=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("tab book")
        verbose_name_plural = _("tab books")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "name"],
                                               name="tab_book_name_unique")]

    def __str__(self) -> str:
        return self.name


class ReportDefinitionVersion(models.Model):
    """One saved version of a study's report definition (the YAML of ``rapport.yaml``); the
    newest is the one reports are built with. Earlier versions stay, for builds made with
    them and to go back to."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="report_definitions", verbose_name=_("study"))
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("definition (YAML)"))
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("saved by"))

    class Meta:
        verbose_name = _("report definition")
        verbose_name_plural = _("report definitions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "number"],
                                               name="report_definition_number_unique")]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"


class ReportBuild(models.Model):
    """A report built from a fieldwork's answers at one moment, with the definition version
    it used, kept with its files (HTML, Word, Excel, PDF, JSON)."""

    fieldwork = models.ForeignKey("fieldwork.Fieldwork", on_delete=models.CASCADE,
                                  related_name="report_builds", verbose_name=_("fieldwork"))
    definition = models.ForeignKey(ReportDefinitionVersion, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="builds",
                                   verbose_name=_("definition"))
    title = models.CharField(_("title"), max_length=300)
    responses = models.PositiveIntegerField(_("completed responses"))
    created_at = models.DateTimeField(_("built"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("built by"))

    class Meta:
        verbose_name = _("report build")
        verbose_name_plural = _("report builds")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"


class ReportFile(models.Model):
    """One file of a report build."""

    build = models.ForeignKey(ReportBuild, on_delete=models.CASCADE, related_name="files",
                              verbose_name=_("report build"))
    format = models.CharField(_("format"), max_length=10)
    name = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("file type"), max_length=100)
    data = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [models.UniqueConstraint(fields=["build", "format"],
                                               name="report_file_format_unique")]


class ReportShare(models.Model):
    """A read-only link to one report build for a client: the token is shown once and only
    its hash is kept; it works until it expires or is revoked."""

    build = models.ForeignKey(ReportBuild, on_delete=models.CASCADE, related_name="shares",
                              verbose_name=_("report build"))
    token_hash = models.CharField(_("token (hash)"), max_length=64, unique=True)
    label = models.CharField(_("for"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("made by"))

    class Meta:
        verbose_name = _("report share link")
        verbose_name_plural = _("report share links")
        ordering = ["-created_at"]


class WaveMap(models.Model):
    """How a study's question was asked in an earlier wave (fieldwork): under the name
    ``question`` then, ``to`` now, with its answer codes then mapped to the codes now
    (``codes``: pairs [old, new]; codes not named stay). Trends use it to line the waves up
    (``analysis.trends.harmonise``)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="wave_maps", verbose_name=_("study"))
    fieldwork = models.ForeignKey("fieldwork.Fieldwork", on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("wave"))
    question = models.CharField(_("question then"), max_length=200)
    to = models.CharField(_("question now"), max_length=200)
    codes = models.JSONField(_("answer codes then and now"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("made by"))

    class Meta:
        verbose_name = _("wave mapping")
        verbose_name_plural = _("wave mappings")
        constraints = [models.UniqueConstraint(fields=["fieldwork", "question"],
                                               name="wave_map_unique")]

    def __str__(self) -> str:
        return f"{self.fieldwork_id}: {self.question} -> {self.to}"


class WaveTargets(models.Model):
    """Raking targets of one fieldwork (a wave of a monitor) that differ from the study's:
    the population may have changed between waves. Without them, the study's targets count
    (``selectors.weighting_targets``)."""

    fieldwork = models.OneToOneField("fieldwork.Fieldwork", on_delete=models.CASCADE,
                                     related_name="wave_targets", verbose_name=_("wave"))
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("weighting targets of a wave")
        verbose_name_plural = _("weighting targets of waves")

    def __str__(self) -> str:
        return f"{self.fieldwork_id}: {', '.join(self.targets) or '-'}"


class TrendThreshold(models.Model):
    """Where "onvoldoende" starts for a numeric question of a study: trend tables show the
    share of answers below ``below`` as a second row under the mean. Without one, a
    report-card grade (every answer 1–10) has 6 (``reports.waves.threshold_of``)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="trend_thresholds", verbose_name=_("study"))
    question = models.CharField(_("question"), max_length=200)
    below = models.FloatField(_("onvoldoende below"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("threshold of a trend")
        verbose_name_plural = _("thresholds of trends")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "question"],
                                               name="trend_threshold_unique")]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}: {self.question} < {self.below:g}"
