"""HTTP behaviour every page shares: ``HEAD`` like ``GET`` without a body, and a database
that drops away answered with a retry or a friendly 503 instead of a server error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again (``Retry-After``).
RETRY_AFTER = 60
_DROPPED = (OperationalError, InterfaceError)


#: The load balancer's health check: answered before any other middleware (no host check, no
#: HTTPS redirect: a load balancer asks the host's own address over plain HTTP).
HEALTH_PATH = "/health/"


class HealthCheck:
    """``GET /health/``: 200 ``ok`` when this host reaches the database and the task queue
    (and the shared cache, when there is one), else 503 ``unavailable``. The answer never says
    which part failed or why (that goes to the log): it is public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        healthy = _reachable()
        response = HttpResponse("ok\n" if healthy else "unavailable\n",
                                status=200 if healthy else 503,
                                content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response


def _reachable() -> bool:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if settings.PEILING_TASKS == "rq":
            import django_rq

            django_rq.get_connection("default").ping()
        if settings.PEILING_REDIS_URL:
            cache.get("peiling:health")
    except Exception:  # any failure is "unavailable"; the log says which
        logger.warning("health check failed", exc_info=True)
        return False
    return True


class HeadWithoutBody:
    """Send no body for ``HEAD`` (RFC 9110, section 9.3.2): the views answer it as ``GET``;
    gunicorn would drop the body too, but logs a warning for every such response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.content = b""
        return response


class DatabaseOutage:
    """A view that lost its database connection (a restart, a failover): run an idempotent
    request (``GET``/``HEAD``) once more on a new connection; otherwise, or when that fails
    too, answer 503 with ``Retry-After`` and a page that keeps a respondent's answers in a
    form to send again. Sending them again is safe: a page submit is applied to the answers
    as stored, whether or not the lost request's write reached the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception,
                          ) -> HttpResponse | None:
        if not _connection_lost(exception):
            return None
        _close_connections()
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match is not None:
            try:
                response = match.func(request, *match.args, **match.kwargs)
                if hasattr(response, "render"):  # a TemplateResponse queries as it renders
                    response.render()
                return response
            except DatabaseError as again:
                if not _connection_lost(again):
                    raise
                exception = again
                _close_connections()
        logger.warning("database unavailable for %s %s: %s", request.method, request.path,
                       exception)
        return _unavailable(request)


def _connection_lost(exception: Exception) -> bool:
    """Return whether ``exception`` came from a lost connection, not from the query: libpq
    reports a connection killed mid-statement as a plain DatabaseError."""
    if isinstance(exception, _DROPPED):
        return True
    if not isinstance(exception, DatabaseError):
        return False
    return any(connection.connection is not None and getattr(connection.connection, "closed",
                                                             False)
               for connection in connections.all(initialized_only=True))


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        # Closing a dead connection can fail too; it is gone either way.
        with contextlib.suppress(*_DROPPED):
            connection.close()


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page; on a respondent page it keeps the posted answers in a form to send
    again (nowhere else: a log-in form's password must never come back in a page)."""
    match = request.resolver_match
    respondent = match is not None and match.namespace == "fieldwork"
    posted = [(name, value) for name, values in request.POST.lists() for value in values] \
        if request.method == "POST" and respondent else []
    response = render(request, "web/unavailable.html", {
        "language": translation.get_language(), "posted": posted, "action": request.path,
        "retry_minutes": max(1, RETRY_AFTER // 60)}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response
