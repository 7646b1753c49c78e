"""Researcher accounts through the web: log-in, two-factor authentication for a beheerder,
password reset, closed signup, throttling, session length, user management and the audit log.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

import peiling.settings as production
from peiling.accounts.models import AuditEvent, Membership, Role
from peiling.fieldwork import services as fieldwork_services
from peiling.forms.xlsform import read_xlsform
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import EXAMPLE, version_of

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate limits and used TOTP codes in the (local-memory) cache."""
    cache.clear()
    yield
    cache.clear()


def _client(address: str = "127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.cookies["django_language"] = "en"
    return client


def _logged_in(client: Client):
    return client.session.get("_auth_user_id")


def _log_in(client: Client, email: str, password: str):
    return client.post("/account/login/", {"login": email, "password": password})


def _form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def _current_code(secret: str) -> str:
    """The TOTP code of now, at least two seconds before the period turns."""
    if 30 - time.time() % 30 < 2:
        time.sleep(2.5)
    (counter,) = yield_hotp_counters_from_time()  # TOTP_TOLERANCE is 0: one counter
    return format_hotp_value(hotp_value(secret, counter))


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# -- log-in ---------------------------------------------------------------------------------


def test_log_in_with_e_mail_address_and_password(make_user, organisation) -> None:
    user = make_user("onderzoeker", organisation)
    client = _client()
    response = _log_in(client, "Onderzoeker@Standaard.nl", PASSWORD)  # any case
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in(client) == str(user.pk)
    assert client.get("/onderzoeken/").status_code == 200


def test_a_wrong_password_shows_the_form_again(make_user, organisation) -> None:
    make_user("onderzoeker", organisation)
    client = _client()
    response = _log_in(client, "onderzoeker@standaard.nl", "fout-wachtwoord-123")
    assert response.status_code == 200
    assert _form_errors(response) == [
        "The email address and/or password you specified are not correct."]
    assert _logged_in(client) is None
    unknown = _log_in(client, "niemand@standaard.nl", PASSWORD)
    assert unknown.status_code == 200 and _logged_in(client) is None
    assert _form_errors(unknown) == _form_errors(response)  # no hint which accounts exist


# -- two-factor authentication ---------------------------------------------------------------


def test_a_beheerder_sets_up_totp_before_any_researcher_page(make_user, organisation) -> None:
    assert production.PEILING_MFA_REQUIRED_FOR_BEHEERDER is True
    beheerder = make_user("beheerder", organisation)
    client = _client()
    assert _log_in(client, beheerder.email, PASSWORD).status_code == 302
    assert _logged_in(client) == str(beheerder.pk)
    for url in ("/onderzoeken/", "/organisatie/gebruikers/", "/organisatie/audit/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (
            302, "/account/2fa/totp/activate/"), url
    _with_totp(beheerder)
    assert client.get("/onderzoeken/").status_code == 200
    assert client.get("/organisatie/gebruikers/").status_code == 200


def test_an_onderzoeker_needs_no_totp(make_user, organisation) -> None:
    user = make_user("onderzoeker", organisation)
    client = _client()
    _log_in(client, user.email, PASSWORD)
    assert client.get("/onderzoeken/").status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


def test_a_user_with_totp_logs_in_with_the_code(make_user, organisation) -> None:
    beheerder = make_user("beheerder", organisation)
    secret = _with_totp(beheerder)
    client = _client()
    response = _log_in(client, beheerder.email, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/account/2fa/authenticate/")
    assert _logged_in(client) is None  # the password alone is not enough
    assert client.get("/onderzoeken/")["Location"].startswith("/account/login/")

    code = _current_code(secret)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = client.post("/account/2fa/authenticate/", {"code": wrong})
    assert refused.status_code == 200
    assert _logged_in(client) is None

    done = client.post("/account/2fa/authenticate/", {"code": code})
    assert (done.status_code, done["Location"]) == (302, "/")
    assert _logged_in(client) == str(beheerder.pk)
    assert client.get("/onderzoeken/").status_code == 200

    # A code works once: logging in again within its period needs the next one.
    other = _client()
    _log_in(other, beheerder.email, PASSWORD)
    replay = other.post("/account/2fa/authenticate/", {"code": code})
    assert replay.status_code == 200 and _logged_in(other) is None


# -- password reset -------------------------------------------------------------------------


def _reset_link(message) -> str:
    match = re.search(r"https?://[^\s]+/account/password/reset/key/[^\s]+/", message.body)
    assert match, message.body
    return match.group(0)


def test_a_password_reset_mails_one_link_that_sets_a_new_password(make_user,
                                                                  organisation) -> None:
    user = make_user("onderzoeker", organisation)
    client = _client()
    response = client.post("/account/password/reset/", {"email": user.email})
    assert (response.status_code, response["Location"]) == (302, "/account/password/reset/done/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject.startswith("[peiling] ")
    link = _reset_link(message)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path)
    assert form_page.status_code == 302  # allauth moves the key into the session
    new_password = "een-heel-nieuw-wachtwoord-7"
    changed = client.post(form_page["Location"], {"password1": new_password,
                                                  "password2": new_password})
    assert changed.status_code == 302
    assert _logged_in(client) is None  # ACCOUNT_LOGIN_ON_PASSWORD_RESET is off
    user.refresh_from_db()
    assert user.check_password(new_password) and not user.check_password(PASSWORD)


def test_a_password_reset_for_an_unknown_address_sends_nothing(make_user,
                                                              organisation) -> None:
    """The page answers as for a known address (revealing nothing), and no mail goes out:
    there is no sign-up to invite anyone to (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False)."""
    make_user("onderzoeker", organisation)
    response = _client().post("/account/password/reset/", {"email": "onbekend@example.org"})
    assert (response.status_code, response["Location"]) == (302, "/account/password/reset/done/")
    assert mail.outbox == []


# -- signup is closed -----------------------------------------------------------------------


def test_nobody_signs_up(make_user, organisation) -> None:
    users = User.objects.count()
    client = _client()
    page = client.get("/account/signup/")
    assert page.status_code == 200
    assert page.templates[0].name == "account/signup_closed.html"
    assert 'name="password1"' not in page.content.decode()
    response = client.post("/account/signup/", {
        "email": "indringer@example.org", "password1": "een-lang-wachtwoord-99",
        "password2": "een-lang-wachtwoord-99"})
    assert response.status_code == 200
    assert User.objects.count() == users
    assert not User.objects.filter(email="indringer@example.org").exists()
    assert _logged_in(client) is None


# -- throttling ------------------------------------------------------------------------------


def test_wrong_passwords_for_one_account_never_lock_out_the_real_user_elsewhere(
        make_user, organisation) -> None:
    """Ten wrong passwords for one account from one address lock that address (axes, 429 at
    the tenth), not the account: the real user at another address gets in at once, and the
    locked address gets in again after five minutes."""
    user = make_user("onderzoeker", organisation)
    attacker = _client("10.0.0.1")
    outcomes = [_log_in(attacker, user.email, f"fout-{n}-wachtwoord") for n in range(10)]
    wrong = ["The email address and/or password you specified are not correct."]
    assert [r.status_code for r in outcomes] == [200] * 9 + [429]
    assert [_form_errors(r) for r in outcomes[:9]] == [wrong] * 9
    assert _logged_in(attacker) is None
    assert _log_in(attacker, user.email, PASSWORD).status_code in (200, 429)
    assert _logged_in(attacker) is None

    elsewhere = _client("10.0.0.2")
    response = _log_in(elsewhere, user.email, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in(elsewhere) == str(user.pk)

    cache.clear()  # five minutes later: allauth's counts and axes' lock have expired
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=6))
    response = _log_in(attacker, user.email, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in(attacker) == str(user.pk)


def test_wrong_passwords_from_one_address_lock_that_address_only(make_user,
                                                                 organisation) -> None:
    """Ten wrong log-ins from one address (other accounts each time, so allauth's per-account
    limit never fires) lock the address in django-axes: the right password from there is
    refused; the real user at another address gets in."""
    user = make_user("onderzoeker", organisation)
    attacker = _client("10.0.0.5")
    outcomes = [_log_in(attacker, f"iemand-{n}@example.org", "fout-wachtwoord-1")
                for n in range(10)]
    assert [r.status_code for r in outcomes] == [200] * 9 + [429]  # axes locks at the 10th
    assert sum(AccessAttempt.objects.filter(ip_address="10.0.0.5").values_list(
        "failures_since_start", flat=True)) == 10  # one record per account tried

    refused = _log_in(attacker, user.email, PASSWORD)  # allauth's 10/m/ip answers first
    assert refused.status_code == 200
    assert _form_errors(refused) == ["Too many failed login attempts. Try again later."]
    cache.clear()  # a minute later: allauth's per-address count has expired, axes' lock not
    locked = _log_in(attacker, user.email, PASSWORD)
    assert locked.status_code == 429
    assert _logged_in(attacker) is None

    elsewhere = _client("10.0.0.6")
    response = _log_in(elsewhere, user.email, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in(elsewhere) == str(user.pk)

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=6))
    cache.clear()
    response = _log_in(attacker, user.email, PASSWORD)
    assert response.status_code == 302
    assert _logged_in(attacker) == str(user.pk)


def test_the_axes_log_names_the_account_that_was_tried(make_user, organisation) -> None:
    user = make_user("onderzoeker", organisation)
    _log_in(_client("10.0.0.9"), user.email, "fout-wachtwoord-1")
    assert AccessAttempt.objects.get(ip_address="10.0.0.9").username == user.email


# -- session length --------------------------------------------------------------------------


def test_a_session_lasts_a_working_day_and_ends_with_the_browser() -> None:
    assert production.SESSION_COOKIE_AGE == 8 * 3600
    assert production.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert production.ACCOUNT_SESSION_REMEMBER is False  # no "remember me" that outlives it


def test_the_session_cookie_is_a_browser_session_cookie(make_user, organisation,
                                                        settings) -> None:
    settings.SESSION_COOKIE_AGE = production.SESSION_COOKIE_AGE
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = production.SESSION_EXPIRE_AT_BROWSER_CLOSE
    user = make_user("onderzoeker", organisation)
    client = _client()
    response = _log_in(client, user.email, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # gone when the browser closes
    assert client.session.get_expire_at_browser_close() is True
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()) - dt.timedelta(hours=8)) < dt.timedelta(minutes=1)


# -- user management -------------------------------------------------------------------------


@pytest.fixture
def beheerder(make_user, organisation):
    user = make_user("beheerder", organisation)
    _with_totp(user)
    return user


@pytest.fixture
def admin_client(beheerder) -> Client:
    client = _client()
    client.force_login(beheerder)
    return client


def test_a_beheerder_adds_a_user_who_gets_a_mail_to_set_a_password(admin_client,
                                                                   organisation) -> None:
    response = admin_client.post("/organisatie/gebruikers/", {
        "email": "Nieuwe.Collega@Standaard.nl", "name": "Nieuwe Collega", "role": "analist"})
    assert (response.status_code, response["Location"]) == (302, "/organisatie/gebruikers/")
    user = User.objects.get(email="nieuwe.collega@standaard.nl")
    assert (user.first_name, user.last_name, user.is_active) == ("Nieuwe", "Collega", True)
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (organisation, Role.ANALIST)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nieuwe.collega@standaard.nl"]
    link = _reset_link(mail.outbox[0])
    # The new user follows the link, sets a password and logs in.
    newcomer = _client("127.0.0.9")
    key_page = newcomer.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    password = "mijn-eigen-wachtwoord-2026"
    newcomer.post(key_page["Location"], {"password1": password, "password2": password})
    assert _log_in(newcomer, "nieuwe.collega@standaard.nl", password).status_code == 302
    assert newcomer.get("/onderzoeken/").status_code == 200
    page = admin_client.get("/organisatie/gebruikers/").content.decode()
    assert "nieuwe.collega@standaard.nl" in page


def test_an_e_mail_address_in_use_is_refused(admin_client, make_user, organisation,
                                             other_organisation) -> None:
    make_user("analist", other_organisation, email="bezet@example.org")
    users = User.objects.count()
    response = admin_client.post("/organisatie/gebruikers/", {
        "email": "Bezet@Example.org", "name": "", "role": "onderzoeker"})
    assert response.status_code == 400
    assert list(response.context["form"].errors["email"]) == [
        "There already is a user with the e-mail address bezet@example.org."]
    assert User.objects.count() == users
    assert Membership.objects.get(user__email="bezet@example.org").organisation == (
        other_organisation)
    assert mail.outbox == []


def test_a_bad_role_or_address_is_refused(admin_client) -> None:
    users = User.objects.count()
    for data in ({"email": "a@standaard.nl", "role": "baas"},
                 {"email": "geen-adres", "role": "analist"},
                 {"email": "", "role": "analist"}):
        assert admin_client.post("/organisatie/gebruikers/", data).status_code == 400
    assert User.objects.count() == users
    assert mail.outbox == []


def test_a_beheerder_changes_another_users_role_but_not_the_own(admin_client, beheerder,
                                                                make_user,
                                                                organisation) -> None:
    colleague = Membership.objects.get(user=make_user("analist", organisation))
    response = admin_client.post(f"/organisatie/gebruikers/{colleague.pk}/rol/",
                                 {"role": "onderzoeker"})
    assert (response.status_code, response["Location"]) == (302, "/organisatie/gebruikers/")
    colleague.refresh_from_db()
    assert colleague.role == Role.ONDERZOEKER

    admin_client.post(f"/organisatie/gebruikers/{colleague.pk}/rol/", {"role": "baas"})
    colleague.refresh_from_db()
    assert colleague.role == Role.ONDERZOEKER

    own = Membership.objects.get(user=beheerder)
    response = admin_client.post(f"/organisatie/gebruikers/{own.pk}/rol/",
                                 {"role": "analist"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "analist@standaard.nl is now researcher.", "Choose one of the roles.",
        "You cannot change your own role; ask another beheerder."]
    own.refresh_from_db()
    assert own.role == Role.BEHEERDER


def test_a_beheerder_cannot_touch_users_of_another_organisation(admin_client, make_user,
                                                                other_organisation) -> None:
    stranger = make_user("onderzoeker", other_organisation)
    membership = Membership.objects.get(user=stranger)
    assert admin_client.post(f"/organisatie/gebruikers/{membership.pk}/rol/",
                             {"role": "analist"}).status_code == 404
    assert admin_client.post(f"/organisatie/gebruikers/{membership.pk}/actief/",
                             {"active": "0"}).status_code == 404
    membership.refresh_from_db()
    stranger.refresh_from_db()
    assert (membership.role, stranger.is_active) == (Role.ONDERZOEKER, True)
    page = admin_client.get("/organisatie/gebruikers/").content.decode()
    assert stranger.email not in page


def test_a_switched_off_user_can_no_longer_work(admin_client, beheerder, make_user,
                                                organisation) -> None:
    user = make_user("onderzoeker", organisation)
    their_client = _client("127.0.0.7")
    _log_in(their_client, user.email, PASSWORD)
    assert their_client.get("/onderzoeken/").status_code == 200

    membership = Membership.objects.get(user=user)
    response = admin_client.post(f"/organisatie/gebruikers/{membership.pk}/actief/",
                                 {"active": "0"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    page = their_client.get("/onderzoeken/")
    assert (page.status_code, page["Location"]) == (302, "/account/login/?next=/onderzoeken/")
    again = _client("127.0.0.8")
    _log_in(again, user.email, PASSWORD)
    assert _logged_in(again) is None
    assert again.get("/onderzoeken/").status_code == 302

    # Not the own account; switching back on lets the user in again.
    own = Membership.objects.get(user=beheerder)
    admin_client.post(f"/organisatie/gebruikers/{own.pk}/actief/", {"active": "0"})
    beheerder.refresh_from_db()
    assert beheerder.is_active is True
    admin_client.post(f"/organisatie/gebruikers/{membership.pk}/actief/", {"active": "1"})
    _log_in(again, user.email, PASSWORD)
    assert _logged_in(again) == str(user.pk)


def test_an_onderzoeker_manages_no_users(make_user, organisation) -> None:
    client = _client()
    client.force_login(make_user("onderzoeker", organisation))
    assert client.get("/organisatie/gebruikers/").status_code == 403
    assert client.post("/organisatie/gebruikers/", {
        "email": "x@standaard.nl", "role": "beheerder"}).status_code == 403
    assert client.get("/organisatie/audit/").status_code == 403
    assert not User.objects.filter(email="x@standaard.nl").exists()


# -- the audit log ---------------------------------------------------------------------------


def _audit_rows(page: str) -> list[list[str]]:
    match = re.search(r'<table[^>]*id="audit".*?<tbody>(.*?)</tbody>', page, re.S)
    if not match:
        return []
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)]


_EXAMPLE_FORM: list = []


@pytest.fixture
def fieldwork(organisation):
    """The example questionnaire in the field, in ``organisation`` (read once a session)."""
    if not _EXAMPLE_FORM:
        _EXAMPLE_FORM.append(read_xlsform(EXAMPLE.read_bytes()))
    now = timezone.now()
    return fieldwork_services.fieldwork_create(
        form_version=version_of(_EXAMPLE_FORM[0], EXAMPLE.read_bytes()), slug="digi",
        name="Digitalisering", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10))


def test_a_data_download_is_in_the_audit_log_of_its_organisation_only(
        fieldwork, make_user, organisation, beheerder, admin_client,
        other_organisation) -> None:
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=4, seed=5)
    analist = _client()
    analist.force_login(make_user("analist", organisation))
    assert AuditEvent.objects.count() == 0

    download = analist.get(f"/rapporten/{fieldwork.slug}/data.csv")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{fieldwork.slug}-data.csv"'
    event = AuditEvent.objects.get()
    assert (event.action, event.organisation, event.user.email, event.actor) == (
        "responses.exported", organisation, "analist@standaard.nl", "analist@standaard.nl")
    assert (event.target_type, event.target_id, event.detail, event.channel) == (
        "fieldwork", str(fieldwork.pk), "data.csv", "web")

    rows = _audit_rows(admin_client.get("/organisatie/audit/").content.decode())
    assert len(rows) == 1
    assert rows[0][1:] == ["analist@standaard.nl", "response data exported",
                           f"fieldwork {fieldwork.pk}", "data.csv", "web"]

    stranger = make_user("beheerder", other_organisation)
    _with_totp(stranger)
    other_client = _client()
    other_client.force_login(stranger)
    page = other_client.get("/organisatie/audit/")
    assert page.status_code == 200
    assert _audit_rows(page.content.decode()) == []
    assert "analist@standaard.nl" not in page.content.decode()
    # Nor can the other organisation download this fieldwork's data.
    assert other_client.get(f"/rapporten/{fieldwork.slug}/data.csv").status_code == 404
    assert AuditEvent.objects.count() == 1


def test_the_log_in_page_offers_the_password_reset_once() -> None:
    page = _client().get("/account/login/").content.decode()
    assert page.count('href="/account/password/reset/"') == 1


def test_single_sign_on_is_offered_when_configured(settings) -> None:
    """OpenID Connect (allauth's provider) from the environment's settings: the log-in page
    offers it, and its log-in address leads to the provider; without it, no button."""
    assert "Single sign-on" not in _client().get("/account/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{
        "provider_id": "sso", "name": "Single sign-on Rijk", "client_id": "peiling",
        "secret": "geheim", "settings": {"server_url": "https://sso.example.org"}}]}}
    page = _client().get("/account/login/").content.decode()
    assert "Single sign-on Rijk" in page and "/account/oidc/sso/login/" in page


def test_the_oidc_settings_come_from_the_environment(monkeypatch) -> None:
    import importlib

    import peiling.settings

    monkeypatch.setenv("PEILING_OIDC_SERVER_URL", "https://sso.example.org")
    monkeypatch.setenv("PEILING_OIDC_CLIENT_ID", "peiling")
    monkeypatch.setenv("PEILING_OIDC_CLIENT_SECRET", "geheim")
    try:
        configured = importlib.reload(peiling.settings).SOCIALACCOUNT_PROVIDERS
    finally:
        monkeypatch.delenv("PEILING_OIDC_SERVER_URL")
        importlib.reload(peiling.settings)
    app = configured["openid_connect"]["APPS"][0]
    assert (app["client_id"], app["secret"], app["settings"]) == (
        "peiling", "geheim", {"server_url": "https://sso.example.org"})
