"""Respondent pages (personal links, open links), the thank-you pages and the preview.

Thin: find the response a request belongs to, call one service, render. Every refusal is a
``FieldworkError`` rendered as a page in the respondent's language with its 4xx status.
GET never stores anything (mail scanners follow links); starting takes a POST.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from peiling.accounts.permissions import researcher_page, scoped
from peiling.fieldwork import quotas, selectors, services
from peiling.fieldwork.answers import TamperedSubmit, answers_from_json, answers_to_json
from peiling.fieldwork.errors import (
    Closed,
    CookieMissing,
    CsrfFailed,
    FieldworkError,
    LinkUnknown,
    LinkUsed,
    NotOpenYet,
    PageUnavailable,
    ResponseFinished,
    TamperedInput,
)
from peiling.fieldwork.flow import Flow, PageNotShown, Step
from peiling.fieldwork.models import Fieldwork, Invitation, Response
from peiling.fieldwork.presentation import page_view
from peiling.fieldwork.tokens import new_respondent_key
from peiling.forms.model import text_in
from peiling.questionnaires.models import FormVersion

logger = logging.getLogger(__name__)

LANGUAGE_PARAMETER = "lang"
COOKIE_SALT = "peiling.fieldwork.open-link"
PREVIEW_SALT = "peiling.fieldwork.preview"
#: An open link's cookie lives as long as a fieldwork plausibly does.
COOKIE_MAX_AGE = 180 * 24 * 3600
#: A random first-party token per browser, for the quality check on duplicates through open
#: links (with the User-Agent, hashed); it says nothing about the person.
DEVICE_COOKIE = "peiling_apparaat"


#: What Django's ``never_cache`` writes: no browser history or proxy may keep these pages.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _never_cached(view):
    """Django's ``never_cache`` with its headers written out, for the respondent pages.

    ``never_cache`` parses and merges any ``Cache-Control`` the view set, with regular
    expressions, on every response; these views set none, and it cost about 2 % of a page
    submit. Headers as ``never_cache`` sends them: ``Expires`` now and ``NEVER_CACHE``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Expires"] = http_date()
        response.headers["Cache-Control"] = NEVER_CACHE
        return response

    return wrapper


@dataclass
class _Entry:
    """Where a respondent came in: the fieldwork, the response so far and the addresses."""

    fieldwork: Fieldwork
    response: Response | None
    url: str
    thanks_url: str
    source: str
    invitation: Invitation | None = None
    cookie: str = ""


@_never_cached
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_token(token=token)
    except FieldworkError as error:
        return _refuse(request, error)
    if invitation.finished_at or (invitation.started_at and invitation.response is None):
        return _refuse(request, LinkUsed("token used"), invitation.fieldwork)
    entry = _Entry(invitation.fieldwork, invitation.response, request.path,
                   request.path + "bedankt/", services.PANEL_SOURCE, invitation=invitation)
    return _respond(request, entry)


@_never_cached
@require_http_methods(["GET", "HEAD", "POST"])
def open_link_page(request: HttpRequest, key: str) -> HttpResponse:
    try:
        link = selectors.open_link_for_key(key=key)
    except FieldworkError as error:
        return _refuse(request, error)
    cookie = f"peiling_open_{link.fieldwork_id}"
    entry = _Entry(link.fieldwork, _cookie_response(request, link.fieldwork, cookie),
                   request.path, request.path + "bedankt/", link.source, cookie=cookie)
    return _respond(request, entry)


@_never_cached
@require_http_methods(["GET", "HEAD"])
def invitation_thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_token(token=token)
    except FieldworkError as error:
        return _refuse(request, error)
    return _thanks(request, invitation.fieldwork, invitation.response, request.path[:-8])


@_never_cached
@require_http_methods(["GET", "HEAD"])
def open_link_thanks(request: HttpRequest, key: str) -> HttpResponse:
    try:
        link = selectors.open_link_for_key(key=key)
    except FieldworkError as error:
        return _refuse(request, error)
    response = _cookie_response(request, link.fieldwork, f"peiling_open_{link.fieldwork_id}")
    return _thanks(request, link.fieldwork, response, request.path[:-8])


@_never_cached
@researcher_page("study.view")
@require_http_methods(["GET", "HEAD", "POST"])
def preview(request: HttpRequest, version_id: int) -> HttpResponse:
    """Walk a questionnaire version as a respondent, routing included; nothing is stored:
    the answers travel in a signed field of the page itself."""
    try:  # only a version of the user's own organisation
        version = scoped(request.user, "study.view", FormVersion.objects.filter(
            pk=version_id)).select_related("questionnaire").get()
    except ObjectDoesNotExist:
        return _refuse(request, LinkUnknown("no such version"))
    flow = selectors.flow_for(form_version=version)
    language = _language(request, flow, None)
    with translation.override(language):
        try:
            return _preview(request, flow, language)
        except FieldworkError as error:
            return _refuse(request, error)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page for a post without a valid CSRF token (settings.CSRF_FAILURE_VIEW)."""
    return _refuse(request, CsrfFailed(reason))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page (``handler400``): e.g. a post with too many fields or bytes."""
    return _refuse(request, TamperedInput(str(exception or ""), reason=""))


# -- respondent pages -----------------------------------------------------------------------


def _respond(request: HttpRequest, entry: _Entry) -> HttpResponse:
    flow = selectors.flow_for(form_version=entry.fieldwork.form_version)
    language = _language(request, flow, entry.response)
    with translation.override(language):
        try:
            return _dispatch(request, entry, flow, language)
        except FieldworkError as error:
            return _refuse(request, error, entry.fieldwork)


def _dispatch(request: HttpRequest, entry: _Entry, flow: Flow, language: str) -> HttpResponse:
    fieldwork, response = entry.fieldwork, entry.response
    window = selectors.fieldwork_window(fieldwork=fieldwork, now=timezone.now())
    if window == "before":
        raise NotOpenYet("before opens_at", opens_at=fieldwork.opens_at)
    if window == "after":
        raise Closed("after closes_at", closes_at=fieldwork.closes_at)
    if response is not None and response.is_finished:
        raise LinkUsed("finished") if entry.invitation else ResponseFinished("finished")
    if request.method in ("GET", "HEAD"):
        if response is None:
            return _render(request, "fieldwork/intro.html", flow, language, {
                "fieldwork": fieldwork,
                "intro": text_in(fieldwork.intro, language),
                "page_count": len(flow.visible_pages({})),
            })
        return _render_page(request, flow, response.respondent_key, language,
                            answers=_answers(flow, response), key=response.current_page)
    action = _control(request, "action")
    if response is None:
        if action != "start":
            raise CookieMissing("no response") if entry.cookie else PageUnavailable("no response")
        device = request.COOKIES.get(DEVICE_COOKIE, "")
        if entry.cookie and not (16 <= len(device) <= 64 and device.isascii()):
            device = secrets.token_urlsafe(16)
        response = services.response_start(
            fieldwork=fieldwork, language=language, source=entry.source,
            user_agent=request.headers.get("User-Agent", ""),
            invitation=entry.invitation,
            device_key=_device_key(request, device) if entry.cookie else "",
        )
        # A personal link's profile may put the respondent in a full quota at once.
        redirect = _redirect(entry.thanks_url if response.is_finished else entry.url, request)
        if entry.cookie:
            redirect.set_signed_cookie(
                entry.cookie, response.respondent_key, salt=COOKIE_SALT,
                max_age=COOKIE_MAX_AGE, secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                samesite="Lax")
            redirect.set_cookie(DEVICE_COOKIE, device, max_age=COOKIE_MAX_AGE,
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                                samesite="Lax")
        return redirect
    if action == "start":  # a second click, or the intro page from the history
        return _redirect(entry.url, request)
    if action not in ("next", "back"):
        raise TamperedInput("bad action", reason="unknown_field")
    result = services.response_submit(
        fieldwork=fieldwork, response=response, page_key=_control(request, "page"),
        data=_posted_answers(request), action=action, language=language)
    return _after_step(request, entry, flow, language, result.response, result.step)


def _after_step(request: HttpRequest, entry: _Entry, flow: Flow, language: str,
                response: Response, step: Step) -> HttpResponse:
    if step.finished or response.is_finished:  # the latter: a full quota
        return _redirect(entry.thanks_url, request)
    if step.outcome in ("invalid", "more"):
        return _render_page(request, flow, response.respondent_key, language,
                            answers=step.answers, key=step.page or "", step=step)
    return _redirect(entry.url, request)


def _render_page(request: HttpRequest, flow: Flow, respondent_key: str, language: str, *,
                 answers: dict, key: str, step: Step | None = None,
                 extra: dict | None = None) -> HttpResponse:
    page = flow.resume_page(answers, key or None)
    if page is None:
        raise PageUnavailable("no page left to show")
    view = page_view(
        flow, page, answers, language=language, respondent_key=respondent_key,
        raw=step.check.raw if step and step.outcome == "invalid" else None,
        errors=step.check.errors if step else (),
        new_questions=step.check.new_questions if step else (),
    )
    context = {"page": view, **(extra or {})}
    return _render(request, "fieldwork/page.html", flow, language, context)


def _thanks(request: HttpRequest, fieldwork: Fieldwork, response: Response | None,
            entry_url: str) -> HttpResponse:
    if response is None or not response.is_finished:
        return _redirect(entry_url, request)
    flow = selectors.flow_for(form_version=fieldwork.form_version)
    language = _language(request, flow, response)
    with translation.override(language):
        if response.status == Response.Status.QUOTA_FULL:
            return _render(request, "fieldwork/quota_full.html", flow, language, {
                "title": text_in(quotas.TITLE, language, "nl"),
                "text": selectors.quota_full_text(response=response, language=language),
            })
        return _render(request, "fieldwork/thanks.html", flow, language, {
            "thank_you": text_in(fieldwork.thank_you, language),
            "screened_out": response.status == Response.Status.SCREENED_OUT,
        })


# -- preview --------------------------------------------------------------------------------


def _preview(request: HttpRequest, flow: Flow, language: str) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        first = flow.first_page({})
        state = {"answers": {}, "current": first.key if first else "",
                 "key": new_respondent_key()}
        return _render_preview(request, flow, language, state)
    try:
        state = signing.loads(request.POST.get("state", ""), salt=PREVIEW_SALT)
    except signing.BadSignature:
        raise TamperedInput("preview state", reason="bad_state") from None
    answers = answers_from_json(flow.form, state["answers"])
    action = _control(request, "action")
    if action not in ("next", "back"):
        raise TamperedInput("bad action", reason="unknown_field")
    data = {k: v for k, v in _posted_answers(request).items() if k != "state"}
    try:
        step = flow.submit(answers, current=state["current"] or None,
                           page=_control(request, "page"), data=data, action=action,
                           language=language)
    except TamperedSubmit as error:
        raise TamperedInput(error.detail, reason=error.code) from None
    except PageNotShown as error:
        raise PageUnavailable(error.reason) from None
    if step.finished:
        return _render(request, "fieldwork/thanks.html", flow, language, {
            "preview": True, "screened_out": step.outcome == "screened_out"})
    state = {"answers": answers_to_json(step.answers), "current": step.page,
             "key": state["key"]}
    return _render_preview(request, flow, language, state, step)


def _render_preview(request: HttpRequest, flow: Flow, language: str, state: dict,
                    step: Step | None = None) -> HttpResponse:
    answers = answers_from_json(flow.form, state["answers"])
    return _render_page(request, flow, state["key"], language, answers=answers,
                        key=state["current"], step=step, extra={
                            "preview": True,
                            "state": signing.dumps(state, salt=PREVIEW_SALT, compress=True)})


# -- helpers --------------------------------------------------------------------------------


def _answers(flow: Flow, response: Response) -> dict:
    return answers_from_json(flow.form, response.answers)


def _control(request: HttpRequest, name: str) -> str:
    """Return a navigation field of the post; raise TamperedInput when it is sent twice."""
    values = request.POST.getlist(name)
    if len(values) > 1:
        raise TamperedInput(f"{name} posted {len(values)} times", reason="multiple_values")
    return values[0] if values else ""


def _posted_answers(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.POST.getlist(name) for name in request.POST
            if name not in services.CONTROL_FIELDS}


def _device_key(request: HttpRequest, device: str) -> str:
    """The device key stored with an open-link response: a hash of the User-Agent and the
    browser's own random token (no IP address)."""
    agent = request.headers.get("User-Agent", "")[:500]
    return hashlib.sha256(f"{agent}\n{device}".encode()).hexdigest()[:32]


def _cookie_response(request: HttpRequest, fieldwork: Fieldwork, cookie: str,
                     ) -> Response | None:
    key = request.get_signed_cookie(cookie, default=None, salt=COOKIE_SALT,
                                    max_age=COOKIE_MAX_AGE)
    if not key:
        return None
    return selectors.response_for_key(fieldwork=fieldwork, respondent_key=key)


def _language(request: HttpRequest, flow: Flow, response: Response | None) -> str:
    """Return the respondent's language code: ``?lang=``, else the response's, else the
    form's default language."""
    offered = [code for code, _name in selectors.respondent_languages(form=flow.form)]
    wanted = _wanted_language(request)
    if wanted in offered:
        return wanted
    if response is not None and response.language in offered:
        return response.language
    return offered[0]


def _wanted_language(request: HttpRequest) -> str:
    """Return the ``?lang=`` of the address, if any."""
    if not request.META.get("QUERY_STRING"):  # most requests: skip parsing the query
        return ""
    return request.GET.get(LANGUAGE_PARAMETER, "")


def _redirect(url: str, request: HttpRequest) -> HttpResponse:
    wanted = _wanted_language(request)
    query = f"?{urlencode({LANGUAGE_PARAMETER: wanted})}" if wanted.isalpha() else ""
    redirect = HttpResponseRedirect(url + query)
    redirect.status_code = 303
    return redirect


def _render(request: HttpRequest, template: str, flow: Flow | None, language: str,
            context: dict, status: int = 200) -> HttpResponse:
    languages = selectors.respondent_languages(form=flow.form) if flow else []
    base = {
        "form_title": flow.form.title if flow else "",
        "language": language,
        "languages": languages if len(languages) > 1 else [],
    }
    return render(request, template, {**base, **context}, status=status)


_REASONS = {
    "unknown_field": gettext_noop("a field that is not on this page"),
    "unknown_choice": gettext_noop("an answer option that does not exist"),
    "too_long": gettext_noop("a text longer than 10,000 characters"),
    "out_of_range": gettext_noop("a number outside the possible range"),
    "multiple_values": gettext_noop("several answers where one is possible"),
    "duplicate_choice": gettext_noop("the same answer option twice"),
    "null_character": gettext_noop("a character that is not allowed"),
    "bad_state": gettext_noop("a page state that was changed"),
    "": gettext_noop("input the page cannot send"),
}


def _refuse(request: HttpRequest, error: FieldworkError,
            fieldwork: Fieldwork | None = None) -> HttpResponse:
    """Render ``error`` as a page with its status; log what a researcher needs."""
    logger.info("respondent request refused (%s): %s", error.code, error.detail)
    context = dict(error.context)
    for moment in ("opens_at", "closes_at"):
        if moment in context:
            local = timezone.localtime(context[moment])
            context[moment] = date_format(local, "DATETIME_FORMAT")
    flow = selectors.flow_for(form_version=fieldwork.form_version) if fieldwork else None
    wanted = _wanted_language(request)
    language = (wanted if wanted in dict(settings.LANGUAGES)
                else translation.get_language() or settings.LANGUAGE_CODE)
    with translation.override(language):
        context["reason"] = _(_REASONS.get(context.get("reason", ""), _REASONS[""]))
        message = str(error.message)
        try:
            message = message % context if "%(" in message else message
        except (KeyError, TypeError, ValueError):
            logger.warning("message of %s lacks its context", error.code)
        return _render(request, "fieldwork/message.html", flow, language, {
            "title": error.title, "message": message}, status=error.status)
