"""The load balancer's health check: ``GET /health/`` answers 200 ``ok`` when the host reaches
its database and task queue, 503 ``unavailable`` when not (a real Redis on a closed port),
whatever Host header or scheme the load balancer uses, and never says why."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_a_healthy_host_says_ok_to_any_host_name_over_http(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True  # as in production: the check is not redirected
    response = Client().get("/health/", HTTP_HOST="10.0.0.7:8000")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Cache-Control"] == "no-store"


def test_the_rq_queue_reached_through_redis(settings) -> None:
    settings.PEILING_TASKS = "rq"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/0"}}
    assert Client().get("/health/").status_code == 200


@pytest.mark.parametrize("part", ["queue", "cache"])
def test_an_unreachable_part_makes_the_host_unavailable_without_saying_why(settings,
                                                                          part) -> None:
    if part == "queue":
        settings.PEILING_TASKS = "rq"
        settings.RQ_QUEUES = {"default": {"URL": CLOSED}}
    else:
        settings.PEILING_REDIS_URL = CLOSED
        settings.CACHES = {**settings.CACHES, "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}
    response = Client().get("/health/")
    assert (response.status_code, response.content) == (503, b"unavailable\n")
