"""The start page: where a researcher begins after logging in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from peiling.accounts.permissions import membership_of, scoped
from peiling.fieldwork.models import Fieldwork
from peiling.fieldwork.selectors import fieldworks_overview

RUNNING_SHOWN = 10


def home(request: HttpRequest) -> HttpResponse:
    """Logged out: what peiling is and the log-in. Logged in: running fieldwork and links."""
    context: dict = {"membership": membership_of(request.user)}
    if context["membership"] is not None:
        now = timezone.now()
        running = scoped(request.user, "fieldwork.view", Fieldwork.objects.filter(
            opens_at__lte=now, closes_at__gt=now))
        context.update(running=fieldworks_overview(fieldworks=running)[:RUNNING_SHOWN], now=now)
    response = render(request, "web/home.html", context)
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_store=True)
    return response
