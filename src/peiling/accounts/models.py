"""Organisations, who works in them in which role, and the audit log of personal-data access.

State only. Who may do what is decided in ``permissions.py``; the operations live in
``services.py``. Domain models point here by name (``"accounts.Organisation"``), so this app
imports none of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A research agency, magazine or ministry department: it owns studies, panels and reports."""

    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member of an organisation may do (``permissions.ROLE_ACTIONS``)."""

    BEHEERDER = "beheerder", _("administrator")
    ONDERZOEKER = "onderzoeker", _("researcher")
    ANALIST = "analist", _("analyst")


class Membership(models.Model):
    """A user's place in one organisation. A user works for one organisation at a time."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="membership", verbose_name=_("user"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="memberships",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class AuditEvent(models.Model):
    """One access to personal data: who, when, what, never the data itself.

    ``target`` names the object by type and id (``member`` 42, ``fieldwork`` 7); ``detail``
    holds what makes the access readable without personal data (a file format, a panel).
    ``actor`` keeps the user's name when the user is later deleted.
    """

    class Action(models.TextChoices):
        MEMBER_VIEWED = "member.viewed", _("member page viewed")
        MEMBER_EXPORTED = "member.exported", _("member data exported")
        MEMBER_ERASED = "member.erased", _("member erased")
        MEMBERS_SEARCHED = "members.listed", _("member list viewed")
        RESPONSES_EXPORTED = "responses.exported", _("response data exported")
        API_CALLED = "api.called", _("data API called")

    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="audit_events",
                                     verbose_name=_("organisation"))
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("user"))
    actor = models.CharField(_("who"), max_length=300)
    action = models.CharField(_("what"), max_length=40, choices=Action.choices)
    target_type = models.CharField(_("object type"), max_length=40)
    target_id = models.CharField(_("object"), max_length=100)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    channel = models.CharField(_("through"), max_length=20, default="web",
                               help_text=_("web, command or admin"))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_organisation_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.action} {self.target_type} " \
               f"{self.target_id}"


class ApiToken(models.Model):
    """A personal access token for the data API (``/api/v1/``): made by a user for one
    organisation and a role no higher than the user's own, shown once, stored as a SHA-256
    hash; revoked or expired, it opens nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="api_tokens",
                                     verbose_name=_("organisation"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("made by"))
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What it is for, e.g. 'nightly R script'."))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(_("token (hash)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
