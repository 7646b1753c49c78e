"""Pages for the public and for members, without a researcher log-in: the panel's public page
with its sign-up form and the confirmation link (double opt-in, ``peiling.panel.joining``), and
the unsubscribe page with its RFC 8058 one-click endpoint.

The page shows a button; GET never changes anything, because mail scanners open links. The
one-click endpoint is what ``List-Unsubscribe`` names: a mail client POSTs
``List-Unsubscribe=One-Click`` there without cookies, so it is the one view exempt from CSRF;
the signed token is what authorises it.
"""

from __future__ import annotations

import time

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from peiling.fieldwork.answers import AnswerError
from peiling.panel import joining, selectors, services
from peiling.panel.emails import email_normalise
from peiling.panel.mail import unsubscribe_token_read
from peiling.panel.models import Panel
from peiling.panel.profile_form import profile_form

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


# -- the public panel page and sign-up ---------------------------------------------------------

#: The sign-up form's own fields; an XLSForm name cannot hold a hyphen, so none is a question's.
EMAIL, CONSENT, SOURCE, HONEYPOT = "signup-email", "signup-consent", "signup-source", "signup-url"


def _public_panel(slug: str) -> Panel:
    return get_object_or_404(Panel.objects.select_related("organisation", "profile"),
                             slug=slug, signup_open=True)


@require_http_methods(["GET", "HEAD", "POST"])
def panel_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The panel's public page: what it is, who runs it, and the sign-up form (POST here)."""
    started = time.monotonic()
    panel = _public_panel(slug)
    language = translation.get_language()
    if request.method != "POST":
        form = profile_form(panel.profile.form, None, language=language)
        return _signup_page(request, panel, form, source=request.GET.get("bron", ""))
    try:
        form = profile_form(panel.profile.form, dict(request.POST.lists()), language=language)
    except AnswerError:
        return _signup_page(request, panel, profile_form(panel.profile.form, None,
                                                         language=language),
                            problems=[_("This form was not sent as the page made it. "
                                        "Please fill it in again.")], status=400)
    email = request.POST.get(EMAIL, "")
    source = request.POST.get(SOURCE, "")
    problems = {}
    try:
        email_normalise(email)
    except ValueError:
        problems[EMAIL] = _("Enter your e-mail address, for example naam@voorbeeld.nl.")
    if request.POST.get(CONSENT) != "yes":
        problems[CONSENT] = _("Tick the box to agree; without it you cannot join.")
    if problems or not form.ok:
        return _signup_page(request, panel, form, source=source, email=email,
                            field_problems=problems, status=400)
    if request.POST.get(HONEYPOT):  # a robot filled in the field people do not see
        joining.same_time(started)
        return redirect("panel:signup_sent", slug=panel.slug)
    try:
        outcome = joining.signup(panel=panel, email=email, profile=form.values, source=source,
                                 language=language, ip=request.META.get("REMOTE_ADDR", ""))
    except joining.SignupLimited:
        return _signup_page(request, panel, form, source=source, email=email, status=429,
                            problems=[_("Too many sign-ups came from your network in the last "
                                        "hour. Please try again later.")])
    if outcome.mail is not None:
        from peiling.panel.tasks import send_member_mail

        send_member_mail.enqueue(outcome.member_id, outcome.mail)
    joining.same_time(started)
    return redirect("panel:signup_sent", slug=panel.slug)


def _signup_page(request: HttpRequest, panel: Panel, form, *, source: str = "",
                 email: str = "", problems=(), field_problems=None,
                 status: int = 200) -> HttpResponse:
    context = {"panel": panel, "form": form, "email": email,
               "source": joining.source_clean(source), "problems": list(problems),
               "field_problems": field_problems or {},
               "email_problem": (field_problems or {}).get(EMAIL, ""),
               "consent_problem": (field_problems or {}).get(CONSENT, ""), "fields": {
                   "email": EMAIL, "consent": CONSENT, "source": SOURCE, "honeypot": HONEYPOT},
               "form_title": panel.name, "language": translation.get_language()}
    return render(request, "panel/public.html", context, status=status)


def signup_sent(request: HttpRequest, slug: str) -> HttpResponse:
    """What every sign-up is told, whatever it did: look in your mailbox."""
    panel = _public_panel(slug)
    return render(request, "panel/signup_sent.html", {
        "panel": panel, "form_title": panel.name, "language": translation.get_language(),
        "days": joining.CONFIRM_VALID.days})


def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _public_panel(slug)
    return render(request, "panel/privacy.html", {
        "panel": panel, "form_title": panel.name, "language": translation.get_language()})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation e-mail: a button (GET changes nothing: mail scanners open
    links); POST confirms. A forged, used or expired link says so, with a way to start again."""
    try:
        member = joining.member_link_check(token=token, purpose="confirm")
        if request.method == "POST":
            member = joining.signup_confirm(token=token)
            state = "done"
        else:
            state = "confirm"
    except joining.LinkError as error:
        return render(request, "panel/signup_confirm.html", {
            "state": error.reason, "form_title": "peiling",
            "language": translation.get_language()}, status=404 if error.reason == "unknown"
            else 410)
    return render(request, "panel/signup_confirm.html", {
        "state": state, "panel": member.panel, "form_title": member.panel.name,
        "language": translation.get_language()})
