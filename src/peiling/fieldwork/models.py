"""Fieldwork periods, their ways in (personal invitations, open links) and the responses.

State only: the operations live in ``services.py``, the queries in ``selectors.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiling.questionnaires.models import FormVersion

#: The source of responses through personal links.
PANEL_SOURCE = "panel"

class Fieldwork(models.Model):
    """One questionnaire version in the field between two moments, with its texts."""

    slug = models.SlugField(_("short name"), max_length=100, unique=True,
                            help_text=_("Used on the command line, e.g. digitalisering-2018."))
    name = models.CharField(_("name"), max_length=300)
    form_version = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, related_name="fieldworks",
        verbose_name=_("questionnaire version"),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    intro = models.JSONField(_("introduction text"), default=dict, blank=True,
                             help_text=_('Per language code, e.g. {"nl": "...", "en": "..."}.'))
    thank_you = models.JSONField(_("thank-you text"), default=dict, blank=True,
                                 help_text=_('Per language code, e.g. {"nl": "..."}.'))
    # Kept by the quota services: a respondent request reads it with the fieldwork and looks
    # the quotas up only when there are any, so fieldwork without quotas pays no query.
    has_quotas = models.BooleanField(_("has quotas"), default=False, editable=False)
    quality_rules = models.JSONField(
        _("data quality rules"), default=dict, blank=True,
        help_text=_("Thresholds of the quality checks that differ from the defaults."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("fieldwork period")
        verbose_name_plural = _("fieldwork periods")
        ordering = ["-opens_at"]
        permissions = [("view_report", _("Can view the report of a fieldwork"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="fieldwork_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return self.name


class OpenLink(models.Model):
    """A public link to a fieldwork; responses through it carry its ``source`` tag."""

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE, related_name="open_links",
                                  verbose_name=_("fieldwork period"))
    source = models.SlugField(_("source tag"), max_length=50,
                              help_text=_("Stored with every response, e.g. nieuwsbrief."))
    key = models.CharField(_("link key"), max_length=32, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("open link")
        verbose_name_plural = _("open links")
        ordering = ["fieldwork_id", "source"]
        constraints = [
            models.UniqueConstraint(fields=["fieldwork", "source"], name="open_link_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.source}"


class Response(models.Model):
    """One respondent's answers to one fieldwork, keyed by variable name.

    ``respondent_key`` is random: it is not the member id and says nothing about the person.
    ``version`` grows by one with every saved page submit.
    """

    class Status(models.TextChoices):
        STARTED = "started", _("started")
        COMPLETED = "completed", _("completed")
        SCREENED_OUT = "screened_out", _("screened out")
        #: Ended because a quota cell the respondent is in was full (AAPOR 4.80, not eligible).
        QUOTA_FULL = "quota_full", _("quota full")

    class Device(models.TextChoices):
        MOBILE = "mobile", _("mobile")
        TABLET = "tablet", _("tablet")
        DESKTOP = "desktop", _("desktop")
        UNKNOWN = "unknown", _("unknown")

    # Indexes cost every start, and every page submit that PostgreSQL cannot write in place:
    # the fieldwork's is the first column of ``response_fieldwork_status``; a source or a key
    # is never searched by prefix, so neither needs Django's ``varchar_pattern_ops`` twin.
    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.PROTECT, related_name="responses",
                                  verbose_name=_("fieldwork period"), db_index=False)
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("questionnaire version"))
    respondent_key = models.CharField(_("respondent key"), max_length=32, editable=False)
    source = models.CharField(_("source"), max_length=50)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.STARTED)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    current_page = models.CharField(_("current page"), max_length=200, blank=True)
    page_times = models.JSONField(_("page submitted at"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=20)
    device_class = models.CharField(_("device"), max_length=10, choices=Device.choices,
                                    default=Device.UNKNOWN)
    profile = models.JSONField(_("profile snapshot"), default=dict, blank=True)
    # A hash of the browser (User-Agent) and a random first-party cookie, for spotting the
    # same device answering an open link twice; never an IP address.
    device_key = models.CharField(_("device key"), max_length=32, blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=0)
    started_at = models.DateTimeField(_("started"))
    updated_at = models.DateTimeField(_("last saved"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["fieldwork_id", "started_at"]
        # The monitor and the overviews count responses per fieldwork, status, source and
        # day, and take the median duration: with the times in the index (PostgreSQL's
        # INCLUDE; SQLite ignores it) those are index-only scans of the fieldwork's entries.
        # Page submits do not change these columns, so they stay in-place (HOT) updates.
        indexes = [models.Index(fields=["fieldwork", "status", "source"],
                                include=["started_at", "completed_at", "id"],
                                name="response_fieldwork_status")]
        constraints = [models.UniqueConstraint(fields=["respondent_key"],
                                               name="response_respondent_key_unique")]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.respondent_key[:8]}"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.STARTED


class Invitation(models.Model):
    """A personal link: the token is only ever stored as its SHA-256 hash.

    The invitation is where a response meets whoever was invited (the panel links its members
    here); cutting ``response`` (erasure) leaves the answers and keeps the link unusable, since
    ``started_at`` stays set.
    """

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.PROTECT, related_name="invitations",
                                  verbose_name=_("fieldwork period"))
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    profile = models.JSONField(_("profile snapshot"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    response = models.OneToOneField(Response, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="invitation", verbose_name=_("response"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["fieldwork_id", "created_at"]
        # A constraint, not ``unique=True``: the hash is only ever looked up whole.
        constraints = [models.UniqueConstraint(fields=["token_hash"],
                                               name="invitation_token_hash_unique")]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.token_hash[:8]}"


class Quota(models.Model):
    """A target number of completes for the respondents whose answers or profile snapshot
    satisfy ``condition`` (an XLSForm expression, e.g. ``${org_type} = 'gemeente'``).

    Which quotas a response counted in is stored as ``QuotaHit`` rows, written when the
    response finishes (``peiling.fieldwork.services``); counting completes is one query.
    """

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE, related_name="quotas",
                                  verbose_name=_("fieldwork period"))
    name = models.CharField(_("name"), max_length=200,
                            help_text=_("Shown to researchers, e.g. Gemeenten."))
    condition = models.TextField(
        _("condition"), help_text=_("Who counts in this quota, as an XLSForm expression over "
                                    "answers and profile variables, e.g. "
                                    "${org_type} = 'gemeente'."))
    target = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)],
                                         help_text=_("Completes wanted in this quota."))
    text = models.JSONField(
        _("quota-full text"), default=dict, blank=True,
        help_text=_('Shown to a respondent screened out by this quota, per language code, '
                    'e.g. {"nl": "..."}; empty: a standard text.'))
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Only active quotas screen respondents out."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["fieldwork_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fieldwork", "name"], name="quota_name_unique"),
            models.CheckConstraint(condition=models.Q(target__gte=1),
                                   name="quota_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target})"


class QuotaHit(models.Model):
    """A finished response that is in a quota's cell: ``counted`` (it completed) or turned
    away by the quota (status ``quota_full``). Written with the response's final status,
    which never changes after, so counting needs no look at the responses."""

    # The unique constraint's index (quota first) and ``quota_hit_counted`` serve the
    # lookups by quota, so it needs no index of its own; the response's serves the quota-full
    # page and deleting responses.
    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="hits",
                              verbose_name=_("quota"), db_index=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="quota_hits",
                                 verbose_name=_("response"))
    counted = models.BooleanField(_("counted"), help_text=_("The response completed."))

    class Meta:
        verbose_name = _("quota hit")
        verbose_name_plural = _("quota hits")
        constraints = [models.UniqueConstraint(fields=["quota", "response"],
                                               name="quota_hit_unique")]
        # Counting completes per quota reads this index alone.
        indexes = [models.Index(fields=["quota"], condition=models.Q(counted=True),
                                name="quota_hit_counted")]

    def __str__(self) -> str:
        return f"{self.quota_id}: {self.response_id}"


class ResponseReview(models.Model):
    """A researcher's decision on a response the quality checks flagged: kept in the analysis
    or excluded from it (never deleted), with who decided and when, and the rules that
    flagged it then."""

    class Decision(models.TextChoices):
        KEEP = "keep", _("kept")
        EXCLUDE = "exclude", _("excluded")

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="review",
                                    verbose_name=_("response"))
    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE, related_name="reviews",
                                  verbose_name=_("fieldwork period"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    rules = models.JSONField(_("flagged by"), default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("response review")
        verbose_name_plural = _("response reviews")
        indexes = [models.Index(fields=["fieldwork", "decision"], name="review_decision")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.decision}"
