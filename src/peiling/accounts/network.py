"""The address a request came from, for log-in throttling (django-axes).

Behind ``PEILING_PROXY_COUNT`` reverse proxies (a TLS terminator, a load balancer) every
request comes from the last proxy's address; the client's is the one the outermost proxy
appended to ``X-Forwarded-For``, counted from the right. Entries further left are what the
client sent itself and may be forged. Written here rather than taken from django-ipware:
ipware prefers public addresses and skips private ones, which behind an internal load balancer
are the real clients; this takes exactly the address the outermost trusted proxy saw.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

__all__ = ["client_ip"]


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address (see the module docstring)."""
    proxies = getattr(settings, "PEILING_PROXY_COUNT", 0)
    if proxies <= 0:
        return request.META.get("REMOTE_ADDR")
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()]
    if len(hops) < proxies:  # not through the proxies: a request to the app server itself
        return request.META.get("REMOTE_ADDR")
    return hops[-proxies]


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the account a log-in tried, for django-axes' log: the admin posts ``username``,
    the researcher log-in (allauth) authenticates with ``email`` from its ``login`` field."""
    credentials = credentials or {}
    for key in ("email", "username"):
        if credentials.get(key):
            return str(credentials[key])
    data = getattr(request, "POST", {}) or {}
    return data.get("login") or data.get("username") or None
