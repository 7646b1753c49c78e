"""Panels and members: create, import (dry run, idempotence, refused rows), consent,
unsubscribe, bounce, erasure and retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from peiling.fieldwork.models import Invitation, Response
from peiling.forms.errors import FormError
from peiling.panel import selectors, services
from peiling.panel.errors import MemberFileError, PanelError, ProfileError
from peiling.panel.models import ConsentRecord, ErasureRecord, Member, Panel, PanelInvitation
from tests.panel.conftest import PROFILE, workbook_bytes
from tests.panel.helpers import csv_bytes, invite_all, respond

pytestmark = pytest.mark.django_db

MEMBERS = csv_bytes(
    "email,name,org_type,domain,birth_year",
    "Jan@Example.org,Jan Jansen,gemeente,ict,1970",
    "piet@example.org,,rijk,,",
)


# -- panels ---------------------------------------------------------------------------------


def test_panel_create_stores_the_profile_as_a_questionnaire_version(tmp_path: Path) -> None:
    panel = services.panel_create(slug="ambtenaren", name="Ambtenarenpanel",
                                  profile_source=workbook_bytes(PROFILE, tmp_path),
                                  profile_name="profiel.xlsx")
    assert (panel.slug, panel.name, panel.profile.questionnaire.form_id) == (
        "ambtenaren", "Ambtenarenpanel", "profiel")
    assert [v.name for v in selectors.panel_variables(panel=panel)] == [
        "org_type", "domain", "birth_year"]


def test_panel_create_refuses_a_taken_or_malformed_slug(panel: Panel, tmp_path: Path) -> None:
    source = workbook_bytes(PROFILE, tmp_path)
    with pytest.raises(PanelError) as caught:
        services.panel_create(slug="testpanel", profile_source=source, profile_name="p.xlsx")
    assert caught.value.problems == (
        "a panel with slug 'testpanel' already exists; choose another slug",)
    with pytest.raises(PanelError, match=r"slug 'mijn panel' may only hold letters, digits"):
        services.panel_create(slug="mijn panel", profile_source=source, profile_name="p.xlsx")


def test_panel_create_refuses_a_profile_with_reserved_names(tmp_path: Path) -> None:
    source = workbook_bytes("""
## survey
| type | name  | label  |
| text | email | E-mail |
""", tmp_path)
    with pytest.raises(ProfileError) as caught:
        services.panel_create(slug="p", profile_source=source, profile_name="p.xlsx")
    assert caught.value.problems == (
        "p.xlsx: survey!2 (email): the name is a member file column (email, name, language, "
        "recruitment_source, recruited_on); rename the question",)
    assert not Panel.objects.exists()


def test_panel_create_passes_on_xlsform_problems() -> None:
    with pytest.raises(FormError):
        services.panel_create(slug="p", profile_source=b"no workbook", profile_name="p.xlsx")
    assert not Panel.objects.exists()


# -- import ---------------------------------------------------------------------------------


def test_dry_run_reports_and_stores_nothing(panel: Panel) -> None:
    report = services.members_import(panel=panel, data=MEMBERS, name="leden.csv", dry_run=True)
    assert report.summary == "created 2, updated 0, unchanged 0, refused 0"
    assert [(o.row, o.action) for o in report.rows] == [(2, "created"), (3, "created")]
    assert not Member.objects.exists()


def test_import_creates_normalised_members_with_dated_profiles(panel: Panel) -> None:
    now = timezone.make_aware(dt.datetime(2024, 5, 1, 12, 0))
    report = services.members_import(panel=panel, data=MEMBERS, name="leden.csv", now=now)
    assert report.summary == "created 2, updated 0, unchanged 0, refused 0"
    jan = Member.objects.get(email="jan@example.org")
    assert (jan.name, jan.status, jan.language, jan.recruited_on) == (
        "Jan Jansen", "active", "nl", dt.date(2024, 5, 1))
    assert jan.profile == {"org_type": "gemeente", "domain": "ict", "birth_year": 1970}
    assert jan.profile_updated == dict.fromkeys(jan.profile, "2024-05-01")
    assert Member.objects.get(email="piet@example.org").profile == {"org_type": "rijk"}


def test_reimporting_the_same_file_changes_nothing(panel: Panel) -> None:
    services.members_import(panel=panel, data=MEMBERS, name="leden.csv")
    before = list(Member.objects.order_by("pk").values())
    report = services.members_import(panel=panel, data=MEMBERS, name="leden.csv")
    assert report.summary == "created 0, updated 0, unchanged 2, refused 0"
    assert list(Member.objects.order_by("pk").values()) == before


def test_changed_values_update_only_their_dates(panel: Panel) -> None:
    first = timezone.make_aware(dt.datetime(2024, 5, 1, 12, 0))
    services.members_import(panel=panel, data=MEMBERS, name="leden.csv", now=first)
    changed = csv_bytes("email,org_type,domain", "jan@example.org,gemeente,overig",
                        "piet@example.org,,")
    report = services.members_import(panel=panel, data=changed, name="leden.csv",
                                     now=first + dt.timedelta(days=30))
    assert report.summary == "created 0, updated 1, unchanged 1, refused 0"
    assert report.rows[0].changed == ("domain",)
    jan = Member.objects.get(email="jan@example.org")
    assert jan.profile == {"org_type": "gemeente", "domain": "overig", "birth_year": 1970}
    assert jan.profile_updated == {"org_type": "2024-05-01", "domain": "2024-05-31",
                                   "birth_year": "2024-05-01"}


def test_every_bad_row_is_refused_with_its_reason_and_the_rest_imported(panel: Panel) -> None:
    data = csv_bytes(
        "email,org_type,domain,birth_year,language",
        "goed@example.org,gemeente,ict,1980,en",
        "geen-adres,gemeente,,,",
        "slecht@example.org,gemeentes,,,",
        "GOED@example.org,rijk,,,",
        "leeg@example.org,,ict,,",
        "jaar@example.org,rijk,,negentien,",
        "taal@example.org,rijk,,,fr",
        ",rijk,,,",
        "veel@example.org,rijk,,,,extra",
        "twee@example.org,provincie,ict,2x,",
    )
    report = services.members_import(panel=panel, data=data, name="leden.csv")
    assert report.summary == "created 1, updated 0, unchanged 0, refused 9"
    assert [(o.row, o.reason) for o in report.refused] == [
        (3, "e-mail address 'geen-adres' is not a valid address"),
        (4, "org_type 'gemeentes' is not a choice of org_type; expected one of gemeente, "
            "rijk, onderwijs"),
        (5, "duplicate of row 2 (same e-mail address)"),
        (6, "org_type is required for a new member"),
        (7, "birth_year 'negentien' is not a whole number"),
        (8, "language 'fr' is not one of nl, en"),
        (9, "the e-mail address is empty"),
        (10, "has 6 values but the first row names 5 columns"),
        (11, "org_type 'provincie' is not a choice of org_type; expected one of gemeente, "
             "rijk, onderwijs; birth_year '2x' is not a whole number"),
    ]
    assert list(Member.objects.values_list("email", "language")) == [("goed@example.org", "en")]


def test_wrong_columns_refuse_the_whole_file(panel: Panel) -> None:
    data = csv_bytes("mail,org_type,sector,org_type,", "a@example.org,rijk,x,rijk,")
    with pytest.raises(MemberFileError) as caught:
        services.members_import(panel=panel, data=data, name="leden.csv")
    assert caught.value.problems == (
        "leden.csv: no 'email' column; the first row must name the columns, one of them 'email'",
        "leden.csv: column 'mail' is neither a member column (email, name, language, "
        "recruitment_source, recruited_on) nor a profile variable (org_type, domain, "
        "birth_year)",
        "leden.csv: column 'sector' is neither a member column (email, name, language, "
        "recruitment_source, recruited_on) nor a profile variable (org_type, domain, "
        "birth_year)",
        "leden.csv: column 5 has no name in the first row",
        "leden.csv: column 'org_type' appears 2 times",
    )
    assert not Member.objects.exists()


def test_import_never_changes_a_status_and_records_consent(panel: Panel, add_member) -> None:
    add_member("piet@example.org", status=Member.Status.UNSUBSCRIBED, org_type="rijk")
    report = services.members_import(panel=panel, data=MEMBERS, name="leden.csv",
                                     consent_version="2024-01")
    assert report.summary == "created 1, updated 0, unchanged 1, refused 0"
    assert Member.objects.get(email="piet@example.org").status == "unsubscribed"
    consent = ConsentRecord.objects.get()
    assert (consent.member.email, consent.purpose, consent.text_version) == (
        "jan@example.org", "panel", "2024-01")


# -- unsubscribe, bounce ------------------------------------------------------------------


def test_unsubscribe_withdraws_consent_and_marks_the_invitation(panel, add_member,
                                                               fieldwork) -> None:
    member = add_member(org_type="rijk")
    services.consent_record(member=member, purpose="panel", text_version="v1")
    invite_all(panel, fieldwork)
    item = PanelInvitation.objects.get()
    assert services.member_unsubscribe(member_id=member.pk, panel_invitation_id=item.pk)
    member.refresh_from_db()
    item.refresh_from_db()
    assert member.status == "unsubscribed" and item.unsubscribed_at is not None
    assert member.consents.get().withdrawn_at is not None
    changed_at = member.status_changed_at
    services.member_unsubscribe(member_id=member.pk, panel_invitation_id=item.pk)
    member.refresh_from_db()
    assert member.status_changed_at == changed_at


def test_bounces_are_recorded_per_address(panel, add_member, fieldwork) -> None:
    member = add_member("a@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    item = PanelInvitation.objects.get()
    item.deliveries.create(number=0, state="sent", claimed_at=timezone.now(),
                           sent_at=timezone.now(), message_id="<1@x>")
    report = services.members_bounce(panel=panel,
                                     emails=["A@example.org ", "onbekend@example.org", "x"])
    assert report.recorded == ("a@example.org",)
    assert report.unknown == ("onbekend@example.org", "x")
    member.refresh_from_db()
    item.refresh_from_db()
    assert member.status == "bounced" and item.bounced_at is not None


# -- erasure, retention, export -------------------------------------------------------------


def test_erasure_keeps_the_answers_and_cuts_the_link(panel, add_member, fieldwork) -> None:
    member = add_member("jan@example.org", name="Jan", org_type="gemeente")
    services.consent_record(member=member, purpose="panel", text_version="v1")
    invite_all(panel, fieldwork)
    item = PanelInvitation.objects.get()
    response = respond(item)
    record = services.member_erase(member=member)

    member.refresh_from_db()
    assert (member.email, member.name, member.profile, member.status) == (None, "", {}, "erased")
    assert not member.consents.exists() and not member.invitations.exists()
    item.refresh_from_db()
    assert item.member is None and item.link_nonce == ""
    answers = Response.objects.get(pk=response.pk)
    assert answers.answers == {"q1": "ja"} and answers.status == "completed"
    assert Invitation.objects.get(pk=item.invitation_id).response_id == response.pk
    assert (record.reason, record.invitations_unlinked, record.consents_deleted) == (
        "request", 1, 1)
    audit = ErasureRecord.objects.values().get()
    assert set(audit) == {"id", "panel_id", "erased_at", "reason", "invitations_unlinked",
                          "consents_deleted", "erased_by_id"}
    with pytest.raises(PanelError, match="already been erased"):
        services.member_erase(member=member)


def test_an_erased_members_links_carry_nothing(client, panel, add_member, fieldwork) -> None:
    """After erasure the invitation links answer 404: the one whose response was started
    does not resume it (no earlier answer shown), the unused one starts no response with the
    erased member's profile."""
    from peiling.panel.mail import link_token

    started = add_member("jan@example.org", org_type="gemeente")
    unused = add_member("piet@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    links = {item.member_id: "/s/{}/".format(link_token(nonce=item.link_nonce,
                                                        token_hash=item.invitation.token_hash))
             for item in PanelInvitation.objects.select_related("invitation")}
    response = respond(PanelInvitation.objects.get(member=started), complete=False)
    Response.objects.filter(pk=response.pk).update(answers={"q1": "nee"})
    resumed = client.get(links[started.pk])  # before erasure, the link resumes the response
    assert resumed.status_code == 200 and 'value="nee" checked' in resumed.content.decode()

    services.member_erase(member=started)
    services.member_erase(member=unused)

    for link in links.values():
        page = client.get(link)
        assert page.status_code == 404
        assert 'value="nee" checked' not in page.content.decode()
        assert client.post(link, {"page": "q1", "q1": "ja", "action": "next"}).status_code == 404
    assert list(Response.objects.values_list("pk", "answers")) == [(response.pk, {"q1": "nee"})]
    assert list(Invitation.objects.values_list("profile", flat=True)) == [{}, {}]


def test_links_of_members_erased_before_the_fix_are_revoked(panel, add_member,
                                                           fieldwork) -> None:
    """Migration panel 0003 revokes the links that erasure used to leave working."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("peiling.panel.migrations.0003_revoke_erased_links")
    add_member("jan@example.org", org_type="gemeente")
    kept = add_member("piet@example.org", org_type="rijk")
    invite_all(panel, fieldwork)
    PanelInvitation.objects.exclude(member=kept).update(member=None, link_nonce="")
    before = dict(Invitation.objects.values_list("panel_invitation__member", "token_hash"))
    migration.revoke_links_of_erased_members(apps, None)
    after = dict(Invitation.objects.values_list("panel_invitation__member", "token_hash"))
    assert after[kept.pk] == before[kept.pk]
    assert after[None].startswith("revoked:") and after[None] != before[None]
    assert Invitation.objects.get(panel_invitation__member=None).profile == {}


def test_retention_erases_only_members_gone_long_enough(panel, add_member, settings) -> None:
    settings.PEILING_RETENTION_DAYS = 30
    now = timezone.now()
    old = add_member(status=Member.Status.UNSUBSCRIBED)
    bounced = add_member(status=Member.Status.BOUNCED)
    recent = add_member(status=Member.Status.UNSUBSCRIBED)
    active = add_member()
    Member.objects.filter(pk__in=[old.pk, bounced.pk, active.pk]).update(
        status_changed_at=now - dt.timedelta(days=31))
    assert services.members_erase_expired(now=now) == 2
    statuses = dict(Member.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "erased", bounced.pk: "erased", recent.pk: "unsubscribed",
                        active.pk: "active"}
    assert list(ErasureRecord.objects.values_list("reason", flat=True)) == ["retention"] * 2


def test_export_holds_everything_on_one_member(panel, add_member, fieldwork) -> None:
    member = add_member("jan@example.org", name="Jan", org_type="gemeente")
    services.consent_record(member=member, purpose="panel", text_version="v1")
    invite_all(panel, fieldwork)
    respond(PanelInvitation.objects.get())
    data = selectors.member_export(member=member)
    assert (data["panel"], data["email"], data["name"], data["status"]) == (
        "testpanel", "jan@example.org", "Jan", "active")
    assert data["profile"] == [{"variable": "org_type", "value": "gemeente",
                                "updated_on": "2024-01-01"}]
    assert [c["text_version"] for c in data["consents"]] == ["v1"]
    [invitation] = data["invitations"]
    assert invitation["fieldwork"] == fieldwork.slug
    assert invitation["profile_snapshot"] == {"org_type": "gemeente"}
    assert invitation["response"]["answers"] == {"q1": "ja"}
    assert invitation["response"]["status"] == "completed"


def test_an_excel_file_imports_like_a_csv(panel: Panel, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Email", "org_type", "birth_year"])
    workbook.active.append(["jan@example.org", "rijk", 1970])
    workbook.active.append(["piet@example.org", "provincie", None])
    workbook.save(tmp_path / "leden.xlsx")
    report = services.members_import(panel=panel, data=(tmp_path / "leden.xlsx").read_bytes(),
                                     name="leden.xlsx")
    assert report.summary == "created 1, updated 0, unchanged 0, refused 1"
    assert report.refused[0].row == 3
    assert Member.objects.get().profile == {"org_type": "rijk", "birth_year": 1970}


def test_a_start_racing_the_erasure_stores_nothing(panel, add_member, fieldwork) -> None:
    """The respondent's page read the link just before the member was erased: the start
    that follows finds it revoked and stores no response with the erased profile."""
    from peiling.fieldwork import services as fieldwork_services
    from peiling.fieldwork.errors import LinkUnknown

    member = add_member("jan@example.org", org_type="gemeente")
    invite_all(panel, fieldwork)
    link = PanelInvitation.objects.select_related("invitation").get().invitation
    services.member_erase(member=member)  # after the page read ``link``
    with pytest.raises(LinkUnknown):
        fieldwork_services.response_start(fieldwork=fieldwork, language="nl", invitation=link)
    assert Response.objects.count() == 0
