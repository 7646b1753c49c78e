"""The member portal's pages (``peiling.panel.portal``): log-in by a one-time e-mailed link,
then the member's own page: profile, pause, results e-mail, unsubscribe, own data, erasure.

A logged-in member is a session holding ``SESSION_KEY`` (the member's id), set only by a
log-in link's POST (GET changes nothing: mail scanners open links), with a new session key
then. It is no Django user: researcher pages never see it, and the portal never sees a user.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from peiling.fieldwork.answers import AnswerError
from peiling.panel import joining, portal, services
from peiling.panel.errors import PanelError
from peiling.panel.models import Member, MemberToken, Panel
from peiling.panel.profile_form import answers_of_profile, profile_form

SESSION_KEY = "panel_member"
EMAIL = "portal-email"


def _context(panel: Panel, **extra) -> dict:
    return {"panel": panel, "form_title": panel.name, "language": translation.get_language(),
            **extra}


def _logged_in(request: HttpRequest, slug: str) -> Member | None:
    member_id = request.session.get(SESSION_KEY)
    if member_id is None:
        return None
    return (Member.objects.select_related("panel__profile", "panel__organisation")
            .filter(pk=member_id, panel__slug=slug, status__in=portal.PORTAL_STATUSES).first())


def member_page(view: Callable) -> Callable:
    """The page of a logged-in member of the panel ``slug``; else the portal's log-in."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        member = _logged_in(request, slug)
        if member is None:
            return redirect("panel:portal", slug=slug)
        return view(request, member, *args, **kwargs)

    return wrapped


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def portal_home(request: HttpRequest, slug: str) -> HttpResponse:
    """The member's page when logged in; else the form that e-mails a log-in link."""
    started = time.monotonic()
    member = _logged_in(request, slug)
    if member is not None and request.method != "POST":
        return render(request, "panel/portal/home.html", _context(
            member.panel, member=member, pause=PauseForm(), profile=_profile_rows(member)))
    panel = get_object_or_404(Panel.objects.select_related("organisation"), slug=slug)
    if request.method != "POST":
        return render(request, "panel/portal/login.html", _context(panel, email=""))
    email = request.POST.get(EMAIL, "")
    try:
        member_id = portal.login_request(panel=panel, email=email,
                                         ip=request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return render(request, "panel/portal/login.html", _context(
            panel, email=email, problem=_("Enter your e-mail address, for example "
                                          "naam@voorbeeld.nl.")), status=400)
    except joining.SignupLimited:
        return render(request, "panel/portal/login.html", _context(
            panel, email=email, problem=_("Too many requests came from your network in the "
                                          "last hour. Please try again later.")), status=429)
    if member_id is not None:
        from peiling.panel.tasks import send_member_mail

        send_member_mail.enqueue(member_id, "login")
    joining.same_time(started)
    return redirect("panel:portal_sent", slug=panel.slug)


def portal_sent(request: HttpRequest, slug: str) -> HttpResponse:
    panel = get_object_or_404(Panel, slug=slug)
    return render(request, "panel/portal/sent.html", _context(
        panel, minutes=int(joining.LOGIN_VALID.total_seconds() // 60)))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def portal_login(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed log-in link: a button (GET), then the member's page (POST)."""
    purpose = MemberToken.Purpose.LOGIN
    try:
        member = joining.member_link_check(token=token, purpose=purpose)
        if request.method == "POST":
            member = joining.member_link_use(token=token, purpose=purpose)
            request.session.cycle_key()
            request.session[SESSION_KEY] = member.pk
            translation.activate(member.language)
            return redirect("panel:portal", slug=member.panel.slug)
    except joining.LinkError as error:
        return render(request, "panel/portal/link.html", {
            "state": error.reason, "form_title": "peiling",
            "language": translation.get_language()},
            status=404 if error.reason == "unknown" else 410)
    return render(request, "panel/portal/link.html", _context(member.panel, state="confirm"))


@require_POST
def portal_logout(request: HttpRequest, slug: str) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    messages.success(request, _("You are logged out."))
    return redirect("panel:portal", slug=slug)


@member_page
@require_http_methods(["GET", "HEAD", "POST"])
def portal_profile(request: HttpRequest, member: Member) -> HttpResponse:
    """The member's profile, in the profile form's own questions."""
    form_model = member.panel.profile.form
    language = translation.get_language()
    if request.method != "POST":
        form = profile_form(form_model, None, language=language,
                            answers=answers_of_profile(form_model, member.profile))
        return render(request, "panel/portal/profile.html", _context(member.panel, form=form))
    try:
        form = profile_form(form_model, dict(request.POST.lists()), language=language)
    except AnswerError:
        return HttpResponse(_("This form was not sent as the page made it. Please fill it in "
                              "again."), status=400, content_type="text/plain; charset=utf-8")
    if not form.ok:
        return render(request, "panel/portal/profile.html", _context(member.panel, form=form),
                      status=400)
    changed = portal.member_profile_update(member=member, values=form.values)
    messages.success(request, _("Your details were saved.") if changed
                     else _("Nothing changed in your details."))
    return redirect("panel:portal", slug=member.panel.slug)


class PauseForm(forms.Form):
    until = forms.DateField(
        label=gettext_lazy("Pause until"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("No invitations until this day; after it you are a member "
                               "as before."))


@member_page
@require_POST
def portal_pause(request: HttpRequest, member: Member) -> HttpResponse:
    form = PauseForm(request.POST)
    problem = None
    if form.is_valid():
        try:
            portal.member_pause(member=member, until=form.cleaned_data["until"])
        except PanelError as error:
            problem = " ".join(error.problems)
    else:
        problem = _("Enter a day, for example %(day)s.") % {
            "day": (dt.date.today() + dt.timedelta(days=30)).strftime("%d-%m-%Y")}
    if problem:
        return render(request, "panel/portal/home.html", _context(
            member.panel, member=member, pause=form, pause_problem=problem,
            profile=_profile_rows(member)), status=400)
    messages.success(request, _("You are paused: no invitations until that day."))
    return redirect("panel:portal", slug=member.panel.slug)


@member_page
@require_POST
def portal_resume(request: HttpRequest, member: Member) -> HttpResponse:
    try:
        portal.member_resume(member=member)
    except PanelError as error:
        messages.error(request, " ".join(error.problems))
    else:
        messages.success(request, _("Your pause has ended: you can be invited again."))
    return redirect("panel:portal", slug=member.panel.slug)


@member_page
@require_POST
def portal_results_mail(request: HttpRequest, member: Member) -> HttpResponse:
    member.results_mail = request.POST.get("results_mail") == "on"
    member.save(update_fields=["results_mail", "updated_at"])
    messages.success(request, _("You will receive an e-mail when results are published.")
                     if member.results_mail else
                     _("You will receive no e-mail when results are published."))
    return redirect("panel:portal", slug=member.panel.slug)


@member_page
@require_http_methods(["GET", "HEAD", "POST"])
def portal_unsubscribe(request: HttpRequest, member: Member) -> HttpResponse:
    if request.method == "POST":
        services.member_unsubscribe(member_id=member.pk)
        messages.success(request, _("You are unsubscribed: you will receive no invitations "
                                    "any more."))
        return redirect("panel:portal", slug=member.panel.slug)
    return render(request, "panel/portal/unsubscribe.html", _context(member.panel))


@member_page
@require_http_methods(["GET", "HEAD"])
def portal_data(request: HttpRequest, member: Member, kind: str) -> HttpResponse:
    """The member's own data (AVG art. 15 and 20) as JSON or CSV."""
    if kind == "json":
        body, content_type = portal.member_data_json(member=member), "application/json"
    else:
        body, content_type = portal.member_data_csv(member=member), "text/csv"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    name = f"mijn-gegevens-{member.panel.slug}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_page
@require_http_methods(["GET", "HEAD", "POST"])
def portal_erase(request: HttpRequest, member: Member) -> HttpResponse:
    """Erase oneself (AVG art. 17): a page that says what goes and what stays, a box to tick."""
    panel = member.panel
    if request.method == "POST":
        if request.POST.get("understood") != "yes":
            return render(request, "panel/portal/erase.html", _context(
                panel, problem=_("Tick the box to confirm that you understand.")), status=400)
        services.member_erase(member=member)
        request.session.pop(SESSION_KEY, None)
        request.session.cycle_key()
        return render(request, "panel/portal/erased.html", _context(panel))
    return render(request, "panel/portal/erase.html", _context(panel))


def _profile_rows(member: Member) -> list[tuple[str, str]]:
    """The member's profile as (question, answer) in the form's words."""
    from peiling.panel.selectors import panel_variables, profile_choice_labels, value_shown

    labels = profile_choice_labels(panel=member.panel)
    return [(variable.label or variable.name,
             value_shown(member.profile.get(variable.name), dict(labels.get(variable.name, ()))))
            for variable in panel_variables(panel=member.panel)]
