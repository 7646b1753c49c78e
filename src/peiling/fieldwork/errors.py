"""Errors of fieldwork: each is a page a respondent may see, with its HTTP status.

::

    FieldworkError            code, status, title, message (translated when shown)
     ├── LinkUnknown          404  no personal link or open link with this token or key
     ├── LinkUsed             403  the personal link's response is finished (one per token)
     ├── ResponseFinished     403  the response has been sent; it can no longer change
     ├── NotOpenYet           403  the fieldwork has not opened (``opens_at`` in ``context``)
     ├── Closed               403  the fieldwork has closed
     ├── CookieMissing        403  an open-link page submit without the browser's cookie
     ├── CsrfFailed           403  a post without a valid CSRF token (CSRF_FAILURE_VIEW)
     ├── PageUnavailable      409  a submit for a page that is not (or no longer) shown
     └── TamperedInput        400  a post the pages cannot produce (``flow.TamperedSubmit``)

Nothing is stored when one of these is raised. ``peiling.fieldwork.views`` renders them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

__all__ = [
    "Closed",
    "CookieMissing",
    "CsrfFailed",
    "FieldworkError",
    "LinkUnknown",
    "LinkUsed",
    "NotOpenYet",
    "PageUnavailable",
    "ResponseFinished",
    "TamperedInput",
]


class FieldworkError(Exception):
    """A request the respondent pages refuse; ``title`` and ``message`` are what they show."""

    code = "fieldwork"
    status = 400
    title = _("Something went wrong")
    message = _("Nothing has been saved.")

    def __init__(self, detail: str = "", **context: Any) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.context = context


class LinkUnknown(FieldworkError):
    code = "link_unknown"
    status = 404
    title = _("This link does not work")
    message = _("We cannot find a questionnaire for this link. Check that you copied the whole "
                "link from the invitation; if it still does not work, ask the sender for a new "
                "one.")


class LinkUsed(FieldworkError):
    code = "link_used"
    status = 403
    title = _("You have already filled in this questionnaire")
    message = _("This personal link can be used for one response only, and that response has "
                "been sent. Thank you for taking part.")


class ResponseFinished(FieldworkError):
    code = "response_finished"
    status = 403
    title = _("You have already filled in this questionnaire")
    message = _("Your answers have been sent and can no longer be changed. Thank you for "
                "taking part.")


class NotOpenYet(FieldworkError):
    code = "not_open_yet"
    status = 403
    title = _("This questionnaire is not open yet")
    message = _("You can fill in the questionnaire from %(opens_at)s. Please come back then; "
                "the link stays the same.")


class Closed(FieldworkError):
    code = "closed"
    status = 403
    title = _("This questionnaire is closed")
    message = _("The questionnaire closed on %(closes_at)s. Answers can no longer be given or "
                "changed. Thank you for your interest.")


class CookieMissing(FieldworkError):
    code = "cookie_missing"
    status = 403
    title = _("We cannot find your answers")
    message = _("Your browser did not send the cookie that keeps your answers together. Allow "
                "cookies for this site and open the link again.")


class CsrfFailed(FieldworkError):
    code = "csrf_failed"
    status = 403
    title = _("This page has expired")
    message = _("For your safety, this form can only be sent from a page you opened in this "
                "browser with cookies allowed. Nothing has been saved. Open the link again and "
                "continue.")


class PageUnavailable(FieldworkError):
    code = "page_unavailable"
    status = 409
    title = _("This page is not available")
    message = _("The page you sent is not part of your questionnaire at this point, for "
                "example because you changed an answer in another window. Nothing from it has "
                "been saved. Continue where you are.")


class TamperedInput(FieldworkError):
    code = "tampered_input"
    status = 400
    title = _("Your answers could not be processed")
    message = _("The page received data the questionnaire cannot send (%(reason)s). Nothing "
                "from this page has been saved. Go back and fill in the page again.")
