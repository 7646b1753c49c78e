"""``peiling organisation``: the first organisation and its first beheerder from the shell."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from peiling.accounts.models import Membership, Organisation
from peiling.cli import main

pytestmark = pytest.mark.django_db


def _run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def test_create_an_organisation_and_its_first_beheerder(capsys, monkeypatch) -> None:
    assert _run(capsys, "organisation", "create", "Bureau Peil") == (
        0, ["created organisation bureau-peil (Bureau Peil)"], [])
    monkeypatch.setattr("getpass.getpass", lambda prompt: "een-lang-wachtwoord-7")
    assert _run(capsys, "organisation", "user", "bureau-peil", "Eva@Example.org",
                "--password-from-prompt") == (
        0, ["added eva@example.org to bureau-peil as beheerder"], [])
    user = get_user_model().objects.get(email="eva@example.org")
    assert user.check_password("een-lang-wachtwoord-7")
    assert Membership.objects.get(user=user).role == "beheerder"
    assert _run(capsys, "organisation", "user", "bureau-peil", "jan@example.org", "--role",
                "analist") == (0, ["added jan@example.org to bureau-peil as analist; they "
                                   "set a password with 'Forgot your password?'"], [])
    assert not get_user_model().objects.get(email="jan@example.org").has_usable_password()
    assert _run(capsys, "organisation", "list") == (0, [
        "bureau-peil\tBureau Peil", "  eva@example.org\tbeheerder",
        "  jan@example.org\tanalist"], [])


def test_mistakes_are_one_line_and_store_nothing(capsys, monkeypatch) -> None:
    _run(capsys, "organisation", "create", "Bureau Peil")
    status, out, err = _run(capsys, "organisation", "create", "Bureau Peil")
    assert (status, out, err) == (1, [], [
        "peiling organisation: Er bestaat al een Organisatie met eenzelfde Korte naam."])
    assert _run(capsys, "organisation", "user", "onbekend", "a@example.org")[2] == [
        "peiling organisation: no organisation 'onbekend' (organisations: bureau-peil)"]
    monkeypatch.setattr("getpass.getpass", lambda prompt: "kort")
    status, _out, err = _run(capsys, "organisation", "user", "bureau-peil", "a@example.org",
                             "--password-from-prompt")
    assert status == 1 and err[0].startswith("peiling organisation: password: ")
    assert _run(capsys, "organisation", "user", "bureau-peil", "geen-adres")[0] == 1
    assert Organisation.objects.count() == 1 and get_user_model().objects.count() == 0
