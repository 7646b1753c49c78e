"""Panels, their members, samples drawn for fieldwork and the e-mail sent to members.

State only: operations live in ``services.py`` (members, AVG), ``samples.py`` (sampling) and
``mailing.py`` (sending); queries in ``selectors.py``.

Contact data (e-mail address, name) lives only here. A member reaches a response through
``PanelInvitation`` -> ``fieldwork.Invitation`` -> ``fieldwork.Response``; erasure cuts the
first link (``PanelInvitation.member``) and leaves the anonymous answers where they are.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiling.fieldwork.models import Fieldwork, Invitation
from peiling.questionnaires.models import FormVersion


class Panel(models.Model):
    """A list of people who agreed to be asked, with a profile defined by an XLSForm."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="panels",
        verbose_name=_("organisation"),
    )
    slug = models.SlugField(_("short name"), max_length=100, unique=True,
                            help_text=_("Used on the command line, e.g. ambtenarenpanel."))
    name = models.CharField(_("name"), max_length=300)
    profile = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, related_name="panels",
        verbose_name=_("profile questionnaire"),
        help_text=_("The XLSForm whose questions are the profile variables."),
    )
    max_invitations_per_30_days = models.PositiveSmallIntegerField(
        _("invitations per 30 days at most"), default=2, validators=[MinValueValidator(1)],
    )
    min_days_between_invitations = models.PositiveSmallIntegerField(
        _("days between invitations at least"), default=7,
    )
    # The public panel page and its sign-up form (``peiling.panel.joining``).
    signup_open = models.BooleanField(
        _("open for sign-up"), default=False,
        help_text=_("Anyone may join through the panel's public page (with double opt-in)."),
    )
    description = models.TextField(
        _("about the panel"), blank=True,
        help_text=_("What the panel is and who runs it, on the public page (plain text)."),
    )
    privacy_statement = models.TextField(
        _("privacy statement"), blank=True,
        help_text=_("What the panel keeps, why, for how long, and the members' rights."),
    )
    consent_text = models.TextField(
        _("consent text"), blank=True,
        help_text=_("What a new member agrees to; shown next to the box they tick."),
    )
    consent_version = models.CharField(
        _("version of the consent text"), max_length=50, blank=True,
        help_text=_("Recorded with every consent; change it whenever the text changes."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """One person in a panel. ``email`` is stored normalised and is empty only once erased.

    ``profile`` maps profile variable names to values (choice names for select questions);
    ``profile_updated`` maps the same names to the ISO date each value last changed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
        BOUNCED = "bounced", _("bounced")
        ERASED = "erased", _("erased")

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="members",
                              verbose_name=_("panel"))
    email = models.EmailField(_("e-mail address"), max_length=254, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="nl",
                                help_text=_("Language of the e-mail the member receives."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE)
    status_changed_at = models.DateTimeField(_("status since"))
    recruitment_source = models.CharField(_("recruitment source"), max_length=100, blank=True,
                                          help_text=_("E.g. aselecte steekproef."))
    recruited_on = models.DateField(_("recruited on"), null=True, blank=True)
    profile = models.JSONField(_("profile"), default=dict, blank=True)
    profile_updated = models.JSONField(_("profile values last updated"), default=dict,
                                       blank=True)
    paused_until = models.DateField(
        _("paused until"), null=True, blank=True,
        help_text=_("A member who paused in the portal is active again after this day."))
    results_mail = models.BooleanField(
        _("e-mail about results"), default=True,
        help_text=_("E-mailed when results of a survey they answered go online."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["panel", "email"]
        permissions = [
            ("export_member", _("Can export a member's data, contact data included")),
            ("erase_member", _("Can erase members")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["panel", "email"], name="member_email_unique"),
            models.CheckConstraint(
                condition=models.Q(status="erased") | models.Q(email__isnull=False),
                name="member_email_unless_erased",
            ),
        ]
        indexes = [models.Index(fields=["panel", "status"], name="member_panel_status")]

    def __str__(self) -> str:
        return self.email or _("erased member %(id)s") % {"id": self.pk}


class ConsentRecord(models.Model):
    """Consent a member gave for one purpose, under one version of the consent text."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents",
                               verbose_name=_("member"))
    purpose = models.CharField(_("purpose"), max_length=100,
                               help_text=_("E.g. panel membership, profile data."))
    text_version = models.CharField(_("version of the consent text"), max_length=50)
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["member", "given_at"]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.text_version})"


class ReminderSchedule(models.Model):
    """When reminders go out for one fieldwork: days after each member's invitation."""

    fieldwork = models.OneToOneField(Fieldwork, on_delete=models.CASCADE,
                                     related_name="reminder_schedule",
                                     verbose_name=_("fieldwork period"))
    days = models.JSONField(
        _("reminder days"), default=list, blank=True,
        help_text=_("E.g. [4, 8]: reminders 4 and 8 days after the invitation."),
    )

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.days}"


class MessageText(models.Model):
    """A fieldwork's own wording of its invitation or reminder e-mail in one language.

    ``subject`` and ``body`` are plain text with placeholders (``peiling.panel.mail``);
    members in a language without its own text get the standard message.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        REMINDER = "reminder", _("reminder")

    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.CASCADE,
                                  related_name="message_texts",
                                  verbose_name=_("fieldwork period"))
    kind = models.CharField(_("message"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=20)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("e-mail text")
        verbose_name_plural = _("e-mail texts")
        constraints = [models.UniqueConstraint(fields=["fieldwork", "kind", "language"],
                                               name="message_text_unique")]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.kind} ({self.language})"


class Sample(models.Model):
    """One draw of members for a fieldwork, as committed, with the preview it showed."""

    class Method(models.TextChoices):
        SIMPLE = "simple", _("simple random")
        PROPORTIONAL = "proportional", _("stratified, proportional")
        TARGETS = "targets", _("stratified, targets per stratum")

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="samples",
                              verbose_name=_("panel"))
    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.PROTECT,
                                  related_name="panel_samples",
                                  verbose_name=_("fieldwork period"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    variables = models.JSONField(_("stratification variables"), default=list, blank=True)
    size = models.PositiveIntegerField(_("size asked"))
    seed = models.BigIntegerField(_("seed"))
    drawn = models.PositiveIntegerField(_("drawn"))
    plan = models.JSONField(_("achieved against targets"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.drawn} ({self.get_method_display()})"


class PanelInvitation(models.Model):
    """A member drawn for a fieldwork, and their personal invitation.

    ``link_nonce`` is the random nonce the personal token of ``invitation`` is derived from
    under SECRET_KEY (``peiling.panel.mail.link_token``), so reminders can repeat the link;
    the token itself is stored nowhere, and fieldwork keeps only its hash. ``drawn_at`` is
    when the member was drawn for the invitation: the moment the contact rules count (an
    invitation waiting to be sent counts).
    """

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("sample"))
    fieldwork = models.ForeignKey(Fieldwork, on_delete=models.PROTECT,
                                  related_name="panel_invitations",
                                  verbose_name=_("fieldwork period"))
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="invitations", verbose_name=_("member"))
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT,
                                      related_name="panel_invitation",
                                      verbose_name=_("personal link"))
    stratum = models.CharField(_("stratum"), max_length=300, blank=True)
    link_nonce = models.CharField(_("link nonce"), max_length=64, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn"))
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel invitation")
        verbose_name_plural = _("panel invitations")
        ordering = ["fieldwork", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fieldwork", "member"],
                                    name="panel_invitation_once_per_fieldwork"),
        ]
        indexes = [models.Index(fields=["member", "drawn_at"], name="panel_invitation_contact")]

    def __str__(self) -> str:
        return f"{self.fieldwork.slug}: {self.member or '-'}"


class Delivery(models.Model):
    """One e-mail for an invitation: number 0 is the invitation, 1, 2, ... the reminders.

    A row is *claimed* in its own transaction before the message goes to the SMTP server and
    marked *sent* after the server accepted it; the unique (invitation, number) pair makes a
    second claim fail, so no worker, crash or re-run ever sends one message twice. A row left
    *claimed* means a worker stopped in between: the message may or may not have gone out.
    """

    class State(models.TextChoices):
        CLAIMED = "claimed", _("being sent (unconfirmed)")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    panel_invitation = models.ForeignKey(PanelInvitation, on_delete=models.CASCADE,
                                         related_name="deliveries",
                                         verbose_name=_("panel invitation"))
    number = models.PositiveSmallIntegerField(_("number"),
                                              help_text=_("0 = invitation, 1 = 1st reminder"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.CLAIMED)
    claimed_at = models.DateTimeField(_("claimed"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["panel_invitation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["panel_invitation", "number"],
                                    name="delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.panel_invitation_id} #{self.number}: {self.state}"


class ErasureRecord(models.Model):
    """That a member was erased, and why — without anything that identifies the member."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("request of the member")
        RETENTION = "retention", _("retention period passed")

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="erasures",
                              verbose_name=_("panel"))
    erased_at = models.DateTimeField(_("erased"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    invitations_unlinked = models.PositiveIntegerField(_("invitations unlinked"), default=0)
    consents_deleted = models.PositiveIntegerField(_("consent records deleted"), default=0)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("erased by"))

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.panel.slug}: {self.erased_at:%Y-%m-%d} ({self.reason})"


class ProfileChange(models.Model):
    """A profile value a member changed in the portal: the old and the new value, and when.
    Sampling uses the new value from then on; erasure deletes these with the profile."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="changes",
                               verbose_name=_("member"))
    variable = models.CharField(_("variable"), max_length=200)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["member", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.variable}"


class MemberToken(models.Model):
    """A one-time link sent to a member's address: to confirm a sign-up or to log in to the
    member portal. Only the SHA-256 of the token is stored (``fieldwork.tokens.token_hash``);
    it works once, until ``expires_at``."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("confirm sign-up")
        LOGIN = "login", _("log in")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tokens",
                               verbose_name=_("member"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    digest = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("member link")
        verbose_name_plural = _("member links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.purpose}"


class SignupAttempt(models.Model):
    """One sign-up sent to a public panel page, kept a day to limit sign-ups per address and
    per network (``peiling.panel.joining.rate_limits``). The address is kept as a keyed hash,
    the network as its prefix (IPv4 /24, IPv6 /48): nothing here identifies a person."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("panel"))
    address_hash = models.CharField(_("address hash"), max_length=64)
    network = models.CharField(_("network"), max_length=64)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("sign-up attempt")
        verbose_name_plural = _("sign-up attempts")
        indexes = [models.Index(fields=["address_hash", "at"], name="signup_address"),
                   models.Index(fields=["network", "at"], name="signup_network")]

    def __str__(self) -> str:
        return f"{self.network} {self.at:%Y-%m-%d %H:%M}"
