"""What a study keeps for its results: the weighting targets the researcher set."""

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
    which banners, with which filter and whether weighted; built again whenever asked."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="tab_books", verbose_name=_("study"))
    name = models.CharField(_("name"), max_length=100)
    questions = models.JSONField(_("questions"), default=list, blank=True)
    banners = models.JSONField(_("banners"), default=list, blank=True)
    filter = models.CharField(_("filter"), max_length=500, blank=True)
    weighted = models.BooleanField(_("weighted"), default=False)
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
