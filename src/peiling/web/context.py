"""What every researcher page's header needs: the menu this user may use, and the organisation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peiling.accounts.permissions import membership_of, user_may

#: The main menu: (url name, label, the action it needs).
MENU = (
    ("web:studies", _("Studies"), "study.view"),
    ("web:panels", _("Panels"), "panel.view"),
    ("web:articles", _("Publications"), "publication.manage"),
    ("web:users", _("Users"), "organisation.manage"),
    ("web:audit", _("Audit log"), "audit.view"),
)


def researcher(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = membership_of(user)
    menu = []
    for name, label, action in MENU:
        if user_may(user, action):
            url = reverse(name)
            menu.append({"url": url, "label": label, "current": request.path.startswith(url)})
    return {"researcher_menu": menu,
            "researcher_organisation": membership.organisation if membership else None,
            "researcher_role": membership.role if membership else None}
