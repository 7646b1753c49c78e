"""The unsubscribe page (no login) and its RFC 8058 one-click endpoint.

The page shows a button; GET never changes anything, because mail scanners open links. The
one-click endpoint is what ``List-Unsubscribe`` names: a mail client POSTs
``List-Unsubscribe=One-Click`` there without cookies, so it is the one view exempt from CSRF;
the signed token is what authorises it.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from peiling.panel import selectors, services
from peiling.panel.mail import unsubscribe_token_read

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Show the unsubscribe button (GET) or unsubscribe (POST, with CSRF token)."""
    try:
        member_id, panel_invitation_id = unsubscribe_token_read(token)
    except signing.BadSignature:
        return _page(request, "invalid", status=404)
    member = selectors.member_for_unsubscribe(member_id=member_id)
    if member is None:
        return _page(request, "done")
    language = member.language
    if request.method == "POST":
        services.member_unsubscribe(member_id=member_id, panel_invitation_id=panel_invitation_id)
        return _page(request, "done", panel=member.panel.name, language=language)
    state = "done" if member.status == member.Status.UNSUBSCRIBED else "confirm"
    return _page(request, state, panel=member.panel.name, language=language)


@csrf_exempt
@require_POST
def unsubscribe_one_click(request: HttpRequest, token: str) -> HttpResponse:
    """Unsubscribe at once, for a mail client's one-click POST (RFC 8058, section 3.2)."""
    if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return HttpResponse(f"expected the body {ONE_CLICK_FIELD}={ONE_CLICK_VALUE}\n",
                            status=400, content_type="text/plain; charset=utf-8")
    try:
        member_id, panel_invitation_id = unsubscribe_token_read(token)
    except signing.BadSignature:
        return HttpResponse("unknown unsubscribe link\n", status=404,
                            content_type="text/plain; charset=utf-8")
    services.member_unsubscribe(member_id=member_id, panel_invitation_id=panel_invitation_id)
    return HttpResponse("unsubscribed\n", content_type="text/plain; charset=utf-8")


def _page(request: HttpRequest, state: str, *, panel: str = "", language: str | None = None,
          status: int = 200) -> HttpResponse:
    language = language or translation.get_language()
    with translation.override(language):
        titles = {
            "invalid": _("This link does not work"),
            "confirm": _("Unsubscribe"),
            "done": _("You are unsubscribed"),
        }
        context = {"state": state, "title": titles[state], "panel": panel,
                   "form_title": panel or "peiling", "language": language}
        response = render(request, "panel/unsubscribe.html", context, status=status)
    return response
