"""Log-in: Argon2 stores passwords, and wrong passwords are throttled per address (axes)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client
from django.utils import timezone

import peiling.settings as production

pytestmark = pytest.mark.django_db
PASSWORD = "juist-wachtwoord-" + "x" * 8


def test_argon2_is_the_first_password_hasher(settings) -> None:
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    stored = make_password(PASSWORD)
    assert stored.startswith("argon2$argon2id$") and check_password(PASSWORD, stored)


def _log_in(address: str, password: str) -> tuple[int, bool]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/",
                           {"username": "onderzoeker", "password": password})
    return response.status_code, "_auth_user_id" in client.session


def test_fifty_wrong_passwords_from_one_address_do_not_get_through(django_user_model,
                                                                   caplog) -> None:
    django_user_model.objects.create_user("onderzoeker", password=PASSWORD, is_staff=True)
    caplog.set_level(logging.WARNING, logger="axes")
    outcomes = [_log_in("127.0.0.2", f"fout-{n}") for n in range(50)]
    assert all(not logged_in for _status, logged_in in outcomes)
    assert [status for status, _ in outcomes[:9]] == [200] * 9  # the form again, with its error
    assert {status for status, _ in outcomes[10:]} == {429}  # locked
    assert _log_in("127.0.0.2", PASSWORD) == (429, False)  # not even the right password
    assert _log_in("127.0.0.3", PASSWORD) == (302, True)  # the real user elsewhere gets in
    attempt = AccessAttempt.objects.get(ip_address="127.0.0.2")
    assert attempt.failures_since_start >= 10 and attempt.username == "onderzoeker"
    assert any("AXES: Repeated login failure" in r.getMessage() for r in caplog.records)


def test_the_lock_lasts_minutes_not_longer(django_user_model) -> None:
    django_user_model.objects.create_user("onderzoeker", password=PASSWORD, is_staff=True)
    for n in range(10):
        _log_in("127.0.0.4", f"fout-{n}")
    assert _log_in("127.0.0.4", PASSWORD) == (429, False)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=6))
    assert _log_in("127.0.0.4", PASSWORD) == (302, True)


def test_the_locked_page_says_what_to_do_in_dutch(django_user_model) -> None:
    django_user_model.objects.create_user("onderzoeker", password=PASSWORD, is_staff=True)
    for n in range(10):
        _log_in("127.0.0.5", f"fout-{n}")
    page = Client(REMOTE_ADDR="127.0.0.5").post(
        "/admin/login/", {"username": "onderzoeker", "password": "nog-een"})
    html = page.content.decode()
    assert page.status_code == 429 and "<h1>Te veel pogingen</h1>" in html
    assert "Probeer het over 5 minuten opnieuw" in html


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(settings,
                                                                 django_user_model) -> None:
    """Behind one proxy every request comes from it: throttling goes by the address it
    appended, and a forged X-Forwarded-For entry further left changes nothing."""
    settings.PEILING_PROXY_COUNT = 1
    django_user_model.objects.create_user("onderzoeker", password=PASSWORD, is_staff=True)

    def log_in(client_address: str, forged: str, password: str) -> int:
        client = Client(REMOTE_ADDR="127.0.0.9",
                        HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}")
        return client.post("/admin/login/", {"username": "onderzoeker",
                                             "password": password}).status_code

    for n in range(10):
        log_in("127.0.0.20", f"127.1.0.{n}", f"fout-{n}")  # a new forged address every time
    assert log_in("127.0.0.20", "127.1.1.1", PASSWORD) == 429  # locked all the same
    assert log_in("127.0.0.21", "127.0.0.20", PASSWORD) == 302  # another client is not
