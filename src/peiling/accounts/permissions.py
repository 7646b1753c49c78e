"""The one place that says who may see or do what in the researcher web app.

A user works for one organisation (``Membership``) in one role. A role allows a set of
actions; an object belongs to an organisation through the path in ``OWNER_PATHS``. Views ask
here — ``researcher_page(action)`` around the view, ``object_for`` / ``scoped`` for what it
reads — and never filter by organisation themselves. The URL × role matrix test
(``tests/accounts/test_matrix.py``) holds every page to this table:

| action | beheerder | onderzoeker | analist | what it opens |
|---|---|---|---|---|
| study.view | ✓ | ✓ | ✓ | studies, questionnaire versions, preview, comparison |
| study.edit | ✓ | ✓ |  | new studies, XLSForm uploads |
| fieldwork.view | ✓ | ✓ | ✓ | fieldwork pages, links, the live monitor |
| fieldwork.manage | ✓ | ✓ |  | creating, closing and re-opening fieldwork; links; quotas |
| panel.view | ✓ | ✓ |  | panels, members and their contact data |
| panel.manage | ✓ | ✓ |  | member imports, samples, invitations |
| member.export | ✓ | ✓ |  | a member's data with name and e-mail (AVG art. 15) |
| member.erase | ✓ | ✓ |  | erasing members (AVG art. 17) |
| publication.manage | ✓ | ✓ |  | articles on a panel's public site, moderating reactions |
| report.view | ✓ | ✓ | ✓ | reports in every format |
| responses.export | ✓ | ✓ | ✓ | anonymous answers (microdata) and codebook |
| organisation.manage | ✓ |  |  | users and their roles |
| audit.view | ✓ |  |  | the audit log of personal-data access |

A user without a membership (a back-office superuser too) opens no researcher page: the Django
admin is where the back office works. An ``analist`` never reaches member contact data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

from peiling.accounts.models import Membership, Organisation, Role

__all__ = [
    "ACTIONS",
    "OWNER_PATHS",
    "ROLE_ACTIONS",
    "Action",
    "membership_of",
    "object_for",
    "organisation_of",
    "researcher_page",
    "scoped",
    "user_may",
]

Action = Literal[
    "study.view", "study.edit", "fieldwork.view", "fieldwork.manage", "panel.view",
    "panel.manage", "member.export", "member.erase", "publication.manage", "report.view",
    "results.edit",
    "responses.export", "organisation.manage", "audit.view",
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

_RESULTS = frozenset({"study.view", "fieldwork.view", "report.view", "results.edit",
                      "responses.export"})
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.BEHEERDER: frozenset(ACTIONS),
    Role.ONDERZOEKER: frozenset(ACTIONS) - {"organisation.manage", "audit.view"},
    Role.ANALIST: _RESULTS,
}

#: How each model the web app reads reaches its organisation (``app_label.modelname``).
OWNER_PATHS: dict[str, str] = {
    "accounts.organisation": "pk",
    "accounts.membership": "organisation",
    "accounts.auditevent": "organisation",
    "accounts.apitoken": "organisation",
    "questionnaires.questionnaire": "organisation",
    "questionnaires.formversion": "questionnaire__organisation",
    "fieldwork.fieldwork": "form_version__questionnaire__organisation",
    "openanswers.codebook": "fieldwork__form_version__questionnaire__organisation",
    "openanswers.code": "codebook__fieldwork__form_version__questionnaire__organisation",
    "fieldwork.openlink": "fieldwork__form_version__questionnaire__organisation",
    "fieldwork.quota": "fieldwork__form_version__questionnaire__organisation",
    "fieldwork.response": "fieldwork__form_version__questionnaire__organisation",
    "fieldwork.responsereview": "fieldwork__form_version__questionnaire__organisation",
    "panel.panel": "organisation",
    "panel.member": "panel__organisation",
    "panel.sample": "panel__organisation",
    "panel.panelinvitation": "sample__panel__organisation",
    "jobs.job": "organisation",
    "publications.article": "panel__organisation",
    "publications.category": "panel__organisation",
    "publications.reaction": "article__panel__organisation",
    "reports.weightingtargets": "questionnaire__organisation",
    "reports.tabbook": "questionnaire__organisation",
    "reports.reportdefinitionversion": "questionnaire__organisation",
    "reports.reportbuild": "fieldwork__form_version__questionnaire__organisation",
    "reports.reportshare": "build__fieldwork__form_version__questionnaire__organisation",
}

M = TypeVar("M", bound=Model)


def membership_of(user: Any) -> Membership | None:
    """Return the active user's membership (cached on the user object), or None."""
    if not (user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_peiling_membership"):
        user._peiling_membership = (
            Membership.objects.select_related("organisation").filter(user=user).first())
    return user._peiling_membership


def organisation_of(user: Any) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {sorted(ACTIONS)!r} (got {action!r})")


def _role_allows(membership: Membership | None, action: str) -> bool:
    return membership is not None and action in ROLE_ACTIONS[membership.role]


def user_may(user: Any, action: Action, obj: Model | None = None) -> bool:
    """Return whether ``user`` may do ``action`` (to ``obj``, when given)."""
    _check_action(action)
    membership = membership_of(user)
    if not _role_allows(membership, action):
        return False
    if obj is None:
        return True
    return scoped(user, action, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def scoped(user: Any, action: Action, queryset: QuerySet[M]) -> QuerySet[M]:
    """Return the part of ``queryset`` that ``user`` may ``action``: own organisation only."""
    _check_action(action)
    label = queryset.model._meta.label_lower
    try:
        path = OWNER_PATHS[label]
    except KeyError:
        raise ValueError(f"{label} has no owner path in OWNER_PATHS; add one") from None
    membership = membership_of(user)
    if not _role_allows(membership, action):
        return queryset.none()
    return queryset.filter(**{path: membership.organisation_id})


def object_for(user: Any, action: Action, queryset: QuerySet[M], **lookup: Any) -> M:
    """Return the one object of ``queryset`` matching ``lookup`` that ``user`` may ``action``.

    Raises ``PermissionDenied`` (403) when the role does not allow the action at all, and
    ``Http404`` when no such object exists in the user's organisation: an object of another
    organisation looks exactly like one that does not exist.
    """
    membership = membership_of(user)
    if not _role_allows(membership, action):
        raise PermissionDenied(action)
    try:
        return scoped(user, action, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404(queryset.model._meta.verbose_name) from None


View = Callable[..., HttpResponse]


def _needs_second_factor(request: HttpRequest, membership: Membership) -> bool:
    """A ``beheerder`` must have TOTP set up before opening any researcher page."""
    if membership.role != Role.BEHEERDER or not settings.PEILING_MFA_REQUIRED_FOR_BEHEERDER:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=request.user,
                                            type=Authenticator.Type.TOTP).exists()


def researcher_page(action: Action) -> Callable[[View], View]:
    """Decorate a researcher view: log in first, then ``action`` must be allowed (else 403).

    A ``beheerder`` without two-factor authentication is sent to set it up first. Every
    response is marked ``Cache-Control: private, no-store``: researcher pages and files hold
    results, answers and contact data that no shared cache, and no browser cache, may keep.
    """
    _check_action(action)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_of(request.user)
            if not request.user.is_authenticated:
                response: HttpResponse = redirect_to_login(request.get_full_path())
            elif not _role_allows(membership, action):
                raise PermissionDenied(action)
            elif _needs_second_factor(request, membership):
                response = redirect("mfa_activate_totp")
            else:
                response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response

        wrapper.peiling_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate
