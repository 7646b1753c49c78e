"""The one place that says who may do what on the researcher side.

Views, admin actions and commands ask here by the name of an action ("report.view"), never by
a permission string of their own. Until organisations and roles (issue 18) replace them, an
action maps to a Django model permission, so a site administrator grants it per user or per
group in the admin. A superuser may do everything. (Bouncing, pausing and reactivating members
need Django's own ``panel.change_member``, which the admin checks itself.)

| action | Django permission | what it opens |
|---|---|---|
| questionnaire.view | questionnaires.view_formversion | questionnaires, XLSForm download, preview |
| report.view | fieldwork.view_report | the report page and the report in every format |
| responses.export | fieldwork.view_response | data downloads (answers, open answers), codebook |
| member.export | panel.export_member | a member's data with name and e-mail (AVG art. 15) |
| member.erase | panel.erase_member | erasing members (AVG art. 17) |
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

__all__ = ["ACTIONS", "Action", "researcher_page", "user_may"]

Action = Literal[
    "questionnaire.view", "report.view", "responses.export", "member.export", "member.erase",
]

ACTIONS: dict[str, str] = {
    "questionnaire.view": "questionnaires.view_formversion",
    "report.view": "fieldwork.view_report",
    "responses.export": "fieldwork.view_response",
    "member.export": "panel.export_member",
    "member.erase": "panel.erase_member",
}


def user_may(user: Any, action: Action) -> bool:
    """Return whether ``user`` may do ``action`` (an active, logged-in user with its permission)."""
    try:
        permission = ACTIONS[action]
    except KeyError:
        raise ValueError(f"action must be one of {sorted(ACTIONS)!r} (got {action!r})") from None
    return bool(user.is_authenticated and user.is_active and user.has_perm(permission))


View = Callable[..., HttpResponse]


def researcher_page(action: Action) -> Callable[[View], View]:
    """Decorate a researcher view: log in first, then ``action`` must be allowed (else 403).

    Every response is marked ``Cache-Control: private, no-store``: researcher pages and files
    hold results and answers that no shared cache, and no browser cache, may keep.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {sorted(ACTIONS)!r} (got {action!r})")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                response: HttpResponse = redirect_to_login(request.get_full_path())
            elif not user_may(request.user, action):
                raise PermissionDenied(action)
            else:
                response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response

        return wrapper

    return decorate
