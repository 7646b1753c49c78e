"""Operations on organisations, their users, and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peiling.accounts.models import ApiToken, AuditEvent, Membership, Organisation, Role

__all__ = [
    "OrganisationError",
    "api_token_create",
    "api_token_for",
    "api_token_revoke",
    "audit_record",
    "membership_role_set",
    "organisation_create",
    "organisation_default",
    "organisation_get",
    "user_create",
]

DEFAULT_SLUG = "standaard"


class OrganisationError(Exception):
    """An organisation or user that cannot be made or found; the message says why."""


def organisation_create(*, name: str, slug: str = "") -> Organisation:
    organisation = Organisation(name=name.strip(), slug=slug or slugify(name))
    try:
        organisation.full_clean()
    except ValidationError as error:
        raise OrganisationError("; ".join(error.messages)) from None
    organisation.save()
    return organisation


def organisation_get(*, slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
        raise OrganisationError(
            f"no organisation {slug!r} (organisations: {known})") from None


@transaction.atomic
def organisation_default() -> Organisation:
    """Return the organisation that work without one named goes to (command line, imports).

    With one organisation, that one; with none, a new "Standaardorganisatie"; with several,
    an error asking to name one.
    """
    organisations = list(Organisation.objects.select_for_update().order_by("pk")[:2])
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        return Organisation.objects.create(slug=DEFAULT_SLUG, name="Standaardorganisatie")
    raise OrganisationError(
        "there are several organisations; name one with --organisation "
        f"({', '.join(Organisation.objects.values_list('slug', flat=True))})")


@transaction.atomic
def user_create(*, organisation: Organisation, email: str, role: str, password: str | None = None,
                name: str = "") -> Any:
    """Add a user to ``organisation`` in ``role``; log-in by e-mail address.

    Without ``password`` the user sets one through the password-reset e-mail.
    """
    if role not in Role.values:
        raise OrganisationError(f"role must be one of {Role.values!r} (got {role!r})")
    email = email.strip().lower()
    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=email).exists():
        raise OrganisationError(_("There already is a user with the e-mail address %(email)s.")
                                % {"email": email})
    first, _space, last = name.strip().partition(" ")
    user = user_model(username=email[:150], email=email, first_name=first[:150],
                      last_name=last[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as error:
        raise OrganisationError("; ".join(error.messages)) from None
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def membership_role_set(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise OrganisationError(f"role must be one of {Role.values!r} (got {role!r})")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def audit_record(*, user: Any, action: str, target_type: str, target_id: Any,
                 organisation: Organisation | None = None, detail: str = "",
                 channel: str = "web") -> AuditEvent:
    """Log one access to personal data; ``detail`` must not hold the personal data itself."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"action must be one of {AuditEvent.Action.values!r} (got {action!r})")
    if organisation is None and getattr(user, "is_authenticated", False):
        membership = Membership.objects.filter(user=user).select_related("organisation").first()
        organisation = membership.organisation if membership else None
    authenticated = getattr(user, "is_authenticated", False)
    actor = (user.get_username() if authenticated else str(user or "")) or "?"
    return AuditEvent.objects.create(
        organisation=organisation, user=user if authenticated else None, actor=actor[:300],
        action=action, target_type=target_type, target_id=str(target_id)[:100],
        detail=detail[:300], channel=channel)


# -- personal access tokens of the data API ---------------------------------------------------

#: What every token starts with, so that a leaked one is recognised (by secret scanners too).
TOKEN_PREFIX = "pei_"  # noqa: S105 (a marker, not a secret)
ROLE_ORDER = {Role.ANALIST: 0, Role.ONDERZOEKER: 1, Role.BEHEERDER: 2}


def api_token_create(*, user: Any, name: str, role: str, days: int | None = 365
                     ) -> tuple[ApiToken, str]:
    """Make a token for ``user``'s organisation with ``role`` (not above the user's own);
    return it and its text, which is shown once and stored only as a hash."""
    membership = Membership.objects.select_related("organisation").get(user=user)
    if role not in Role.values or ROLE_ORDER[Role(role)] > ROLE_ORDER[Role(membership.role)]:
        raise ValueError(f"role {role!r} is not available to a {membership.role}")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=membership.organisation, user=user, name=name.strip()[:100], role=role,
        prefix=text[:12], token_hash=api_token_hash(text),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None)
    return token, text


def api_token_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def api_token_for(text: str) -> ApiToken | None:
    """The active token whose text this is: not revoked, not expired, its user still an
    active member of its organisation; else ``None``."""
    if not text.startswith(TOKEN_PREFIX) or len(text) > 100:
        return None
    token = (ApiToken.objects.select_related("user", "organisation")
             .filter(token_hash=api_token_hash(text), revoked_at__isnull=True).first())
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    member = Membership.objects.filter(user=token.user, organisation=token.organisation,
                                       user__is_active=True).exists()
    return token if member else None


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
