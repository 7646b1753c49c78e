"""Every URL pattern of the project × every role × objects of the own and another organisation.

The table below is the contract: one row per address, the status each visitor gets. ``login``
is a redirect to the log-in page, ``admin`` one to the admin's log-in. The rows run in this
order with one client per role (closing the fieldwork comes last). For an address with
objects in it, the test also asks for the same address with the objects of ANOTHER
organisation: a role that may use the page then gets 404 (the object does not exist for it),
a role that may not gets 403, and a visitor who is not logged in goes to the log-in. Public
addresses (respondents, unsubscribing: ``public`` in the last column) answer everyone alike;
their key or token is what opens them.

A new URL pattern without a row here fails ``test_every_url_pattern_is_in_the_matrix``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from peiling.accounts.models import Membership
from peiling.accounts.services import api_token_create
from peiling.fieldwork import services as fieldwork_services
from peiling.jobs.services import job_run, job_start
from peiling.openanswers.services import codebook_create
from peiling.panel import mail
from peiling.panel import services as panel_services
from peiling.panel.models import Member
from peiling.publications.models import Article, Category, Reaction
from peiling.questionnaires.services import form_version_import
from peiling.reports.models import (
    ReportBuild,
    ReportDefinitionVersion,
    ReportFile,
    ReportShare,
    TabBook,
)
from tests.panel.helpers import csv_bytes

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MATRIX = """
name                                | method | path                                          | anon  | beheerder | onderzoeker | analist | kind
web:home                            | GET    | /                                             | 200   | 200       | 200         | 200     |
web:studies                         | GET    | /onderzoeken/                                 | login | 200       | 200         | 200     |
web:study_create                    | POST   | /onderzoeken/nieuw/                           | login | 400       | 400         | 403     |
web:study                           | GET    | /onderzoeken/{study}/                         | login | 200       | 200         | 200     |
web:study_upload                    | POST   | /onderzoeken/{study}/versie/                  | login | 400       | 400         | 403     |
web:study_compare                   | GET    | /onderzoeken/{study}/vergelijken/             | login | 200       | 200         | 200     |
web:study_trends                    | GET    | /onderzoeken/{study}/trends/                  | login | 200       | 200         | 200     |
web:study_trend_threshold           | POST   | /onderzoeken/{study}/trends/drempel/          | login | 400       | 400         | 400     |
web:study_wave_map                  | POST   | /onderzoeken/{study}/trends/koppelingen/      | login | 400       | 400         | 400     |
web:study_wave_maps_import          | POST   | /onderzoeken/{study}/trends/koppelingen/importeren/ | login | 400 | 400   | 400     |
web:fieldwork_create                | GET    | /onderzoeken/{study}/veldwerk/nieuw/          | login | 200       | 200         | 403     |
web:fieldwork                       | GET    | /veldwerk/{fieldwork}/                        | login | 200       | 200         | 200     |
web:fieldwork_reopen                | POST   | /veldwerk/{fieldwork}/heropenen/              | login | 400       | 400         | 403     |
web:link_create                     | POST   | /veldwerk/{fieldwork}/links/                  | login | 400       | 400         | 403     |
web:link_qr                         | GET    | /veldwerk/{fieldwork}/links/{link}/qr.svg     | login | 200       | 200         | 200     |
web:quota_create                    | POST   | /veldwerk/{fieldwork}/quota/                  | login | 400       | 400         | 403     |
web:quota_active                    | POST   | /veldwerk/{fieldwork}/quota/{quota}/actief/   | login | 302       | 302         | 403     |
web:monitor                         | GET    | /veldwerk/{fieldwork}/monitor/                | login | 200       | 200         | 200     |
web:explorer                        | GET    | /veldwerk/{fieldwork}/tabellen/?vraag=desirability | login | 200  | 200         | 200     |
web:explorer_file                   | GET    | /veldwerk/{fieldwork}/tabellen/bestand?vraag=desirability&formaat=csv | login | 200 | 200 | 200 |
web:weighting                       | GET    | /veldwerk/{fieldwork}/weging/                 | login | 200       | 200         | 200     |
web:tab_books                       | GET    | /veldwerk/{fieldwork}/tabellenboeken/          | login | 200       | 200         | 200     |
web:tab_book_build                  | POST   | /veldwerk/{fieldwork}/tabellenboeken/{book}/maken/ | login | 302  | 302         | 302     |
web:quality                         | GET    | /veldwerk/{fieldwork}/kwaliteit/              | login | 200       | 200         | 200     |
web:quality_decide                  | POST   | /veldwerk/{fieldwork}/kwaliteit/beslissen/    | login | 400       | 400         | 400     |
web:quality_rules                   | POST   | /veldwerk/{fieldwork}/kwaliteit/regels/       | login | 400       | 400         | 400     |
web:open_answers                    | GET    | /veldwerk/{fieldwork}/open-antwoorden/         | login | 200       | 200         | 200     |
web:personal_scan                   | POST   | /veldwerk/{fieldwork}/open-antwoorden/scannen/ | login | 302      | 302         | 302     |
web:coding                          | GET    | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/ | login | 200 | 200     | 200     |
web:personal_release                | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/vrijgeven/ | login | 400 | 400 | 400 |
web:coding_start                    | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/starten/ | login | 302 | 302 | 302 |
web:coding_set                      | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/coderen/ | login | 400 | 400 | 400 |
web:coding_undo                     | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/ongedaan/ | login | 302 | 302 | 302 |
web:suggestions_confirm             | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/suggesties/ | login | 400 | 400 | 400 |
web:codebook                        | GET    | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/codeboek/ | login | 200 | 200 | 200 |
web:themes                          | GET    | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/themas/ | login | 200 | 200 | 200 |
web:themes_accept                   | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/themas/overnemen/ | login | 400 | 400 | 400 |
web:agreement                       | GET    | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/overeenstemming/ | login | 200 | 200 | 200 |
web:agreement_draw                  | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/overeenstemming/trekken/ | login | 400 | 400 | 400 |
web:agreement_code                  | POST   | /veldwerk/{fieldwork}/open-antwoorden/desirability_why/overeenstemming/coderen/ | login | 400 | 400 | 400 |
web:report_builder                  | GET    | /veldwerk/{fieldwork}/rapportbouwer/           | login | 200       | 200         | 200     |
web:report_definition_file          | GET    | /veldwerk/{fieldwork}/rapportbouwer/definitie-1.yaml | login | 200 | 200       | 200     |
web:report_build_start              | POST   | /veldwerk/{fieldwork}/rapportbouwer/maken/     | login | 302       | 302         | 302     |
web:report_quotes                   | GET    | /veldwerk/{fieldwork}/rapportbouwer/citaten/?vraag=desirability_why | login | 200 | 200 | 200 |
web:report_coded_quotes             | POST   | /veldwerk/{fieldwork}/rapportbouwer/citaten-per-thema/desirability_why/ | login | 302 | 302 | 302 |
web:report_outline                  | GET    | /veldwerk/{fieldwork}/rapportbouwer/opzet/     | login | 200       | 200         | 200     |
web:report_build_page               | GET    | /rapportversies/{build}/                       | login | 200       | 200         | 200     |
web:report_build_file               | GET    | /rapportversies/{build}/bestand/html           | login | 200       | 200         | 200     |
web:report_finding_edit             | POST   | /rapportversies/{build}/kernpunt/              | login | 400       | 400         | 400     |
web:report_share_create             | POST   | /rapportversies/{build}/delen/                 | login | 302       | 302         | 302     |
web:shared_report                   | GET    | /gedeeld/{share_token}/                        | 200   | 200       | 200         | 200     | public
web:shared_file                     | GET    | /gedeeld/{share_token}/bestand/html            | 200   | 200       | 200         | 200     | public
web:report_share_revoke             | POST   | /deellinks/{share}/intrekken/                  | login | 302       | 302         | 302     |
web:invite                          | GET    | /veldwerk/{fieldwork}/uitnodigen/             | login | 200       | 200         | 403     |
web:deliveries_release              | POST   | /veldwerk/{fieldwork}/onbekend-versturen/     | login | 302       | 302         | 403     |
web:reminders                       | POST   | /veldwerk/{fieldwork}/herinneringen/          | login | 302       | 302         | 403     |
web:message_edit                    | GET    | /veldwerk/{fieldwork}/berichten/reminder/     | login | 200       | 200         | 403     |
web:message_preview                 | POST   | /veldwerk/{fieldwork}/berichten/reminder/voorbeeld/ | login | 400 | 400     | 403     |
web:users                           | GET    | /organisatie/gebruikers/                      | login | 200       | 403         | 403     |
web:user_role                       | POST   | /organisatie/gebruikers/{membership}/rol/     | login | 302       | 403         | 403     |
web:user_active                     | POST   | /organisatie/gebruikers/{membership}/actief/  | login | 302       | 403         | 403     |
web:tokens                          | GET    | /organisatie/api-sleutels/                    | login | 200       | 200         | 200     |
web:token_revoke                    | POST   | /organisatie/api-sleutels/{api_token}/intrekken/ | login | 302  | 404         | 404     |
web:audit                           | GET    | /organisatie/audit/                           | login | 200       | 403         | 403     |
web:panels                          | GET    | /panels/                                      | login | 200       | 200         | 403     |
web:panel_create                    | GET    | /nieuw-panel/                                 | login | 200       | 200         | 403     |
web:panel                           | GET    | /panels/{panel}/                              | login | 200       | 200         | 403     |
web:member_import                   | GET    | /panels/{panel}/import/                       | login | 200       | 200         | 403     |
web:panel_public                    | GET    | /panels/{panel}/openbaar/                     | login | 200       | 200         | 403     |
web:articles                        | GET    | /publicaties/                                 | login | 200       | 200         | 403     |
web:reactions                       | GET    | /publicaties/reacties/                        | login | 200       | 200         | 403     |
web:reaction_moderate               | POST   | /publicaties/reacties/{reaction}/goedkeuren/  | login | 302       | 302         | 403     |
web:article                         | GET    | /publicaties/{article}/                       | login | 200       | 200         | 403     |
web:article_publish                 | POST   | /publicaties/{spare_article}/publiceren/           | login | 302       | 302         | 403     |
web:article_withdraw                | POST   | /publicaties/{spare_article}/intrekken/            | login | 302       | 302         | 403     |
web:article_draft                   | GET    | /veldwerk/{fieldwork}/artikel/                | login | 200       | 200         | 403     |
web:member_import_check             | GET    | /panels/{panel}/import/controle/{check}/      | login | 200       | 200         | 403     |
web:member                          | GET    | /panels/{panel}/leden/{member}/               | login | 200       | 200         | 403     |
web:member_export                   | GET    | /panels/{panel}/leden/{member}/export/        | login | 200       | 200         | 403     |
web:member_erase                    | GET    | /panels/{panel}/leden/{member}/wissen/        | login | 200       | 200         | 403     |
questionnaires:detail               | GET    | /vragenlijsten/versie/{version}/              | login | 200       | 200         | 200     |
questionnaires:xlsform              | GET    | /vragenlijsten/versie/{version}/xlsform.xlsx  | login | 200       | 200         | 200     |
fieldwork:preview                   | GET    | /s/voorbeeld/{version}/                       | login | 200       | 200         | 200     |
reports:page                        | GET    | /rapporten/{fieldwork}/                       | login | 200       | 200         | 200     |
reports:download                    | GET    | /rapporten/{fieldwork}/rapport.json           | login | 200       | 200         | 200     |
reports:data                        | GET    | /rapporten/{fieldwork}/data.csv               | login | 200       | 200         | 200     |
reports:export                      | POST   | /rapporten/{fieldwork}/export/                | login | 400       | 400         | 400     |
reports:render                      | POST   | /rapporten/{fieldwork}/maken/                 | login | 400       | 400         | 400     |
web:job                             | GET    | /taken/{job}/                                 | login | 200       | 200         | 200     |
web:job_file                        | GET    | /taken/{job}/bestand                          | login | 200       | 200         | 200     |
fieldwork:open_link                 | GET    | /s/o/{link_key}/                              | 200   | 200       | 200         | 200     | public
fieldwork:open_link_thanks          | GET    | /s/o/{link_key}/bedankt/                      | 303   | 303       | 303         | 303     | public
fieldwork:invitation                | GET    | /s/{token}/                                   | 200   | 200       | 200         | 200     | public
fieldwork:invitation_thanks         | GET    | /s/{token}/bedankt/                           | 303   | 303       | 303         | 303     | public
panel:unsubscribe                   | GET    | /panel/afmelden/{unsubscribe}/                | 200   | 200       | 200         | 200     | public
panel:unsubscribe_one_click         | POST   | /panel/afmelden/{unsubscribe}/one-click/      | 400   | 400       | 400         | 400     | public
panel:public                        | GET    | /panel/{panel}/                               | 200   | 200       | 200         | 200     | public
panel:signup_sent                   | GET    | /panel/{panel}/aangemeld/                     | 200   | 200       | 200         | 200     | public
panel:privacy                       | GET    | /panel/{panel}/privacy/                       | 200   | 200       | 200         | 200     | public
panel:signup_confirm                | GET    | /panel/bevestigen/{forged_token}/             | 404   | 404       | 404         | 404     | public
publications:list                   | GET    | /panel/{panel}/artikelen/                     | 200   | 200       | 200         | 200     | public
publications:rss                    | GET    | /panel/{panel}/artikelen/feed.rss             | 200   | 200       | 200         | 200     | public
publications:atom                   | GET    | /panel/{panel}/artikelen/feed.atom            | 200   | 200       | 200         | 200     | public
publications:category               | GET    | /panel/{panel}/artikelen/categorie/{category}/| 200   | 200       | 200         | 200     | public
publications:article                | GET    | /panel/{panel}/artikelen/{article_slug}/      | 200   | 200       | 200         | 200     | public
publications:react                  | GET    | /panel/{panel}/artikelen/{article_slug}/reageren/| 200   | 200       | 200         | 200     | public
publications:reacted                | GET    | /panel/{panel}/artikelen/{article_slug}/bedankt/| 200   | 200       | 200         | 200     | public
panel:portal                        | GET    | /panel/{panel}/mijn/                          | 200   | 200       | 200         | 200     | public
panel:portal_sent                   | GET    | /panel/{panel}/mijn/verstuurd/                | 200   | 200       | 200         | 200     | public
panel:portal_login                  | GET    | /panel/inloggen/{forged_token}/               | 404   | 404       | 404         | 404     | public
panel:portal_logout                 | POST   | /panel/{panel}/mijn/uitloggen/                | 302   | 302       | 302         | 302     | public
panel:portal_profile                | GET    | /panel/{panel}/mijn/profiel/                  | 302   | 302       | 302         | 302     | public
panel:portal_pause                  | POST   | /panel/{panel}/mijn/pauze/                    | 302   | 302       | 302         | 302     | public
panel:portal_resume                 | POST   | /panel/{panel}/mijn/pauze-stoppen/            | 302   | 302       | 302         | 302     | public
panel:portal_results_mail           | POST   | /panel/{panel}/mijn/resultaten/               | 302   | 302       | 302         | 302     | public
panel:portal_unsubscribe            | GET    | /panel/{panel}/mijn/afmelden/                 | 302   | 302       | 302         | 302     | public
panel:portal_data                   | GET    | /panel/{panel}/mijn/gegevens.json             | 302   | 302       | 302         | 302     | public
panel:portal_erase                  | GET    | /panel/{panel}/mijn/wissen/                   | 302   | 302       | 302         | 302     | public
set_language                        | POST   | /i18n/setlang/                                | 302   | 302       | 302         | 302     | public
account_login                       | GET    | /account/login/                               | 200   | 302       | 302         | 302     | public
account_logout                      | GET    | /account/logout/                              | login  | 200       | 200         | 200     | public
account_inactive                    | GET    | /account/inactive/                            | 200   | 200       | 200         | 200     | public
account_signup                      | GET    | /account/signup/                              | 200   | 302       | 302         | 302     | public
account_reauthenticate              | GET    | /account/reauthenticate/                      | login | 200       | 200         | 200     | public
account_request_reauthentication_code | GET  | /account/reauthenticate/code/                 | login | 200       | 200         | 200     | public
account_confirm_reauthentication_code | GET  | /account/reauthenticate/code/confirm/         | login | 302       | 302         | 302     | public
account_email                       | GET    | /account/email/                               | login | 200       | 200         | 200     | public
account_email_verification_sent     | GET    | /account/confirm-email/                       | 200   | 200       | 200         | 200     | public
account_change_password             | GET    | /account/password/change/                     | login | 200       | 200         | 200     | public
account_set_password                | GET    | /account/password/set/                        | login | 302       | 302         | 302     | public
account_reset_password              | GET    | /account/password/reset/                      | 200   | 200       | 200         | 200     | public
account_confirm_login_code          | GET    | /account/login/code/confirm/                  | 302   | 302       | 302         | 302     | public
account_confirm_email               | GET    | /account/confirm-email/onbekend/              | 200   | 200       | 200         | 200     | public
account_reset_password_from_key_done | GET   | /account/password/reset/key/done/             | 200   | 200       | 200         | 200     | public
account_reset_password_from_key     | GET    | /account/password/reset/key/1-onbekend/       | 200   | 200       | 200         | 200     | public
account_reset_password_done         | GET    | /account/password/reset/done/                 | 200   | 200       | 200         | 200     | public
mfa_index                           | GET    | /account/2fa/                                 | login | 200       | 200         | 200     | public
mfa_authenticate                    | GET    | /account/2fa/authenticate/                    | login | 302       | 302         | 302     | public
mfa_reauthenticate                  | GET    | /account/2fa/reauthenticate/                  | login | 200       | 302         | 302     | public
mfa_activate_totp                   | GET    | /account/2fa/totp/activate/                   | login | 302       | 302         | 302     | public
mfa_deactivate_totp                 | GET    | /account/2fa/totp/deactivate/                 | login | 302       | 404         | 404     | public
mfa_view_recovery_codes             | GET    | /account/2fa/recovery-codes/                  | login | 404       | 404         | 404     | public
mfa_generate_recovery_codes         | GET    | /account/2fa/recovery-codes/generate/         | login | 302       | 302         | 302     | public
mfa_download_recovery_codes         | GET    | /account/2fa/recovery-codes/download/         | login | 404       | 404         | 404     | public
socialaccount_login_cancelled       | GET    | /account/3rdparty/login/cancelled/            | 200   | 200       | 200         | 200     | public
socialaccount_login_error           | GET    | /account/3rdparty/login/error/                | 401   | 401       | 401         | 401     | public
socialaccount_signup                | GET    | /account/3rdparty/signup/                     | login | login     | login       | login    | public
socialaccount_connections           | GET    | /account/3rdparty/                            | login | 200       | 200         | 200     | public
openid_connect_login                | GET    | /account/oidc/onbekend/login/                 | 404   | 404       | 404         | 404     | public
openid_connect_callback             | GET    | /account/oidc/onbekend/login/callback/        | 404   | 404       | 404         | 404     | public
web:fieldwork_close                 | POST   | /veldwerk/{fieldwork}/sluiten/                | login | 302       | 302         | 403     |
"""

#: allauth's unnamed aliases of its social pages, which answer as their named twins.
ALIASES = {
    "account/social/login/cancelled/": "socialaccount_login_cancelled",
    "account/social/login/error/": "socialaccount_login_error",
    "account/social/signup/": "socialaccount_signup",
    "account/social/connections/": "socialaccount_connections",
}
ROLES = ("beheerder", "onderzoeker", "analist")


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    expected: dict[str, str]
    public: bool


def _rows() -> list[Row]:
    lines = [line for line in MATRIX.strip().splitlines()[1:] if line.strip()]
    rows = []
    for line in lines:
        name, method, path, anon, *roles, kind = (cell.strip() for cell in line.split("|"))
        rows.append(Row(name, method, path, dict(zip(("anon", *ROLES), (anon, *roles),
                                                     strict=True)), kind == "public"))
    return rows


ROWS = _rows()


def _patterns(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(part for part in (namespace, pattern.name or "") if part)
            yield prefix + str(pattern.pattern), name


def test_every_url_pattern_is_in_the_matrix() -> None:
    named = {row.name for row in ROWS}
    # The data API (api/) opens with tokens, not sessions: tests/api walks its scoping.
    missing = [(path, name) for path, name in _patterns()
               if not path.startswith(("admin/", "api/")) and name not in named
               and path not in ALIASES]
    assert missing == []
    assert len(named) == len(ROWS)  # one row per pattern


@pytest.fixture
def world(make_user, organisation, other_organisation) -> dict[str, dict[str, str]]:
    """The objects of two organisations, as the values the addresses need."""
    return {"own": _objects(organisation, make_user, "eigen"),
            "other": _objects(other_organisation, make_user, "ander")}


def _objects(organisation, make_user, suffix: str) -> dict[str, str]:
    version = form_version_import(source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes(),
                                  organisation=organisation).version
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug=f"veld-{suffix}", name=f"Veld {suffix}",
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=10))
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=5, seed=1, source="panel")
    link = fieldwork_services.open_link_create(fieldwork=fieldwork, source="nieuwsbrief")
    quota = fieldwork_services.quota_create(fieldwork=fieldwork, name="Rijk",
                                            condition="${org_type} = 'rijk'", target=10)
    issued = fieldwork_services.invitation_create(fieldwork=fieldwork, profile={})
    colleague = make_user("onderzoeker", organisation, email=f"collega@{suffix}.nl")
    panel = panel_services.panel_create(
        slug=f"panel-{suffix}", profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx", organisation=organisation)
    panel_services.panel_public_set(panel=panel, signup_open=True, description="Over ons.",
                                    privacy_statement="", consent_text="Ik doe mee.",
                                    consent_version="1")
    panel_services.members_import(panel=panel, name="leden.csv", data=csv_bytes(
        "email,org_type,domain,function,gender,age_band",
        f"lid@{suffix}.nl,gemeente,dienstverlening,coordinator,vrouw,45_54"))
    member = Member.objects.get(panel=panel)
    job = job_start(kind="responses_export", organisation=organisation, user=None,
                    action="responses.export", title="data.csv",
                    payload={"fieldwork": fieldwork.pk, "slug": fieldwork.slug,
                             "format": "csv", "name": "data.csv"})
    job_run(job_id=job.pk)
    check = job_start(kind="members_check", organisation=organisation, user=None,
                      action="panel.manage", title="leden.csv",
                      payload={"panel": panel.pk, "name": "leden.csv"},
                      data=csv_bytes("email", f"nieuw@{suffix}.nl"))
    job_run(job_id=check.pk)
    book = TabBook.objects.create(questionnaire=version.questionnaire, name="Alles")
    codebook_create(fieldwork=fieldwork, question="desirability_why")
    ReportDefinitionVersion.objects.create(questionnaire=version.questionnaire, number=1,
                                           text="population: ambtenaren")
    build = ReportBuild.objects.create(fieldwork=fieldwork, title="Rapport", responses=5)
    ReportFile.objects.create(build=build, format="html", name="rapport.html",
                              media_type="text/html; charset=utf-8",
                              data=b'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
                                   b"<title>Rapport</title></head><body><main><h1>Rapport</h1>"
                                   b"</main></body></html>")
    ReportFile.objects.create(build=build, format="page", name="rapport.html",
                              media_type="text/html", data=b"<article><h1>Rapport</h1></article>")
    article = Article.objects.create(panel=panel, fieldwork=fieldwork, title="Uitkomsten",
                                     slug="uitkomsten", body="Het **eerste** artikel.",
                                     status=Article.Status.PUBLISHED,
                                     published_at=timezone.now())
    # publishing and withdrawing (rows of the matrix) act on another one
    spare = Article.objects.create(panel=panel, title="Reserve", slug="reserve", body="Tekst.")
    category = Category.objects.create(panel=panel, name="Werk", slug="werk")
    article.categories.add(category)
    reaction = Reaction.objects.create(article=article, name="Lezer", email="lezer@example.org",
                                       text="Mooi.", created_at=timezone.now())
    api_key = api_token_create(user=colleague, name="script", role="analist")[0]
    token = f"sleutel-{suffix}"
    share = ReportShare.objects.create(
        build=build, token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + dt.timedelta(days=1))
    return {"study": str(version.questionnaire_id), "version": str(version.pk),
            "fieldwork": fieldwork.slug, "link": str(link.pk), "link_key": link.key,
            "quota": str(quota.pk), "token": issued.token,
            "membership": str(Membership.objects.get(user=colleague).pk),
            "panel": panel.slug, "member": str(member.pk), "job": str(job.pk), "check": str(check.pk), "book": str(book.pk),
            "build": str(build.pk), "share": str(share.pk), "share_token": token,
            "api_token": str(api_key.pk),
            "unsubscribe": mail.unsubscribe_token(member_id=member.pk, panel_invitation_id=None),
            "forged_token": "x" * 32, "article": str(article.pk), "article_slug": article.slug,
            "spare_article": str(spare.pk),
            "category": category.slug, "reaction": str(reaction.pk)}


def _client(role: str, make_user, organisation) -> Client:
    client = Client()
    if role != "anon":
        user = make_user(role, organisation)
        if role == "beheerder":  # a beheerder works with two-factor log-in set up
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
    return client


def _status(client: Client, row: Row, objects: dict[str, str]) -> str:
    url = row.path.format(**objects)
    response = client.post(url) if row.method == "POST" else client.get(url)
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/account/login/") and not row.path.startswith("/account/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin"
    return str(response.status_code)


@pytest.mark.parametrize("role", ["anon", *ROLES])
def test_the_matrix(role: str, world, make_user, organisation) -> None:
    """Each role gets its row's status for its own organisation's objects, and 404 (or 403,
    or the log-in) for another organisation's."""
    client = _client(role, make_user, organisation)
    got, wanted = {}, {}
    for row in ROWS:
        own = row.expected[role]
        got[(row.name, "own")], wanted[(row.name, "own")] = _status(client, row, world["own"]), own
        if "{" in row.path and not row.public:
            other = own if own in ("login", "403") else "404"
            got[(row.name, "other")] = _status(client, row, world["other"])
            wanted[(row.name, "other")] = other
    wrong = [f"{name} ({whose}): got {got[name, whose]}, table says {wanted[name, whose]}"
             for name, whose in got if got[name, whose] != wanted[name, whose]]
    assert wrong == []


@pytest.mark.parametrize("role", ["anon", *ROLES])
def test_the_admin_is_for_the_back_office_only(role: str, make_user, organisation) -> None:
    """No researcher role opens any page of the Django admin: each sends to its log-in."""
    client = _client(role, make_user, organisation)
    statuses = {}
    for path, name in _patterns():
        if not path.startswith("admin/") or name in ("admin:login", "admin:logout"):
            continue
        url = "/" + _ADMIN_GROUP.sub(lambda match: match.group(1).split("|")[0],
                                     _CONVERTER.sub("1", path)).replace("^", "").replace("$", "")
        statuses[url] = _status(client, Row(name, "GET", url.replace("{", "{{").replace(
            "}", "}}"), {}, False), {})
    assert len(statuses) > 100 and set(statuses.values()) == {"admin"}


_CONVERTER = re.compile(r"<[^>]+>")
_ADMIN_GROUP = re.compile(r"\(\?P<\w+>([^)]*)\)")
