"""Samples: eligibility (status, contact rules, earlier draws), stratified proportions,
reproducibility, targets, design problems, and committing exactly the previewed draw."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone, translation

from peiling.fieldwork.models import Invitation
from peiling.fieldwork.tokens import token_hash, well_formed
from peiling.panel.errors import SampleChanged, SampleError
from peiling.panel.mail import LinkUnavailable, link_token
from peiling.panel.models import Member, PanelInvitation, Sample
from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
from tests.panel.helpers import invite_all

pytestmark = pytest.mark.django_db

PROPORTIONAL = SampleDesign(method="proportional", variables=("org_type", "domain"), size=20,
                            seed=7)


@pytest.fixture(autouse=True)
def english():
    """The messages below are the English ones; ``test_problems_in_dutch`` checks the
    Dutch that researchers read by default."""
    with translation.override("en"):
        yield


@pytest.fixture
def hundred(add_member):
    """60 gemeente (30 ict, 30 overig), 30 rijk (ict), 10 onderwijs (overig)."""
    members = [add_member(org_type="gemeente", domain="ict") for _ in range(30)]
    members += [add_member(org_type="gemeente", domain="overig") for _ in range(30)]
    members += [add_member(org_type="rijk", domain="ict") for _ in range(30)]
    members += [add_member(org_type="onderwijs", domain="overig") for _ in range(10)]
    return members


def _strata(plan) -> list[tuple[str, int, int, int]]:
    return [(" / ".join(s.key), s.eligible, s.target, s.achieved) for s in plan.strata]


def test_proportional_stratified_sample(panel, fieldwork, hundred) -> None:
    plan = sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    assert _strata(plan) == [("gemeente / ict", 30, 6, 6), ("gemeente / overig", 30, 6, 6),
                             ("rijk / ict", 30, 6, 6), ("onderwijs / overig", 10, 2, 2)]
    drawn = Member.objects.filter(pk__in=plan.member_ids.tolist())
    assert Counter(m.profile["org_type"] for m in drawn) == {"gemeente": 12, "rijk": 6,
                                                             "onderwijs": 2}


def test_a_seed_reproduces_the_draw(panel, fieldwork, hundred) -> None:
    first = sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    again = sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    other = sample_preview(panel=panel, fieldwork=fieldwork,
                           design=SampleDesign(**{**PROPORTIONAL.__dict__, "seed": 8}))
    assert first.member_ids.tolist() == again.member_ids.tolist()
    assert first.member_ids.tolist() != other.member_ids.tolist()


def test_targets_show_the_shortfall(panel, fieldwork, hundred) -> None:
    design = SampleDesign(method="targets", variables=("org_type",), seed=1,
                          targets={("rijk",): 10, ("onderwijs",): 15})
    plan = sample_preview(panel=panel, fieldwork=fieldwork, design=design)
    assert _strata(plan) == [("rijk", 30, 10, 10), ("onderwijs", 10, 15, 10)]
    assert (plan.target, plan.drawn, plan.strata[1].shortfall) == (25, 20, 5)


def test_inactive_members_and_missing_values_are_excluded(panel, fieldwork, add_member) -> None:
    add_member(org_type="rijk", domain="ict")
    add_member(org_type="rijk")
    add_member(org_type="rijk", domain="ict", status=Member.Status.PAUSED)
    add_member(org_type="rijk", domain="ict", status=Member.Status.BOUNCED)
    add_member(org_type="rijk", domain="ict", status=Member.Status.UNSUBSCRIBED)
    design = SampleDesign(method="proportional", variables=("org_type", "domain"), size=1)
    plan = sample_preview(panel=panel, fieldwork=fieldwork, design=design)
    assert plan.excluded == {"not active": 3, "already drawn for this fieldwork": 0,
                             "invited too often": 0, "invited too recently": 0,
                             "no valid org_type": 0, "no valid domain": 1}
    assert plan.drawn == 1


def test_contact_rules_exclude_recent_and_frequent_invitees(panel, make_fieldwork,
                                                          add_member) -> None:
    # Rules of the panel fixture: at most 2 invitations per 30 days, at least 7 days apart.
    now = timezone.now()
    recent, _frequent, fine = (add_member(org_type="rijk") for _ in range(3))
    invite_all(panel, make_fieldwork(), now=now - dt.timedelta(days=20))
    invite_all(panel, make_fieldwork(), now=now - dt.timedelta(days=10))
    PanelInvitation.objects.filter(member=fine).update(drawn_at=now - dt.timedelta(days=40))
    PanelInvitation.objects.filter(member=recent).update(drawn_at=now - dt.timedelta(days=40))
    PanelInvitation.objects.filter(member=recent, fieldwork__slug="veldwerk-1").update(
        drawn_at=now - dt.timedelta(days=6))
    target = make_fieldwork()
    plan = sample_preview(panel=panel, fieldwork=target,
                          design=SampleDesign(method="simple", size=1, seed=3), now=now)
    # Each member counts under the first rule it breaks: "frequent" had the maximum of 2
    # invitations in 30 days, "recent" was drawn 6 days ago (the rules want 7).
    assert plan.excluded["invited too often"] == 1
    assert plan.excluded["invited too recently"] == 1
    assert plan.member_ids.tolist() == [fine.pk]


def test_a_member_is_drawn_once_per_fieldwork(panel, fieldwork, add_member) -> None:
    add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    with pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=fieldwork,
                       design=SampleDesign(method="simple", size=1))
    assert caught.value.problems == (
        "size 1 is more than the 0 eligible members (excluded: 1 already drawn for this "
        "fieldwork)",)


def test_an_empty_panel_has_no_one_to_draw(panel, fieldwork) -> None:
    with pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    assert caught.value.problems == ("size 20 is more than the 0 eligible members",)


def test_problems_in_dutch(panel, fieldwork, add_member) -> None:
    add_member(org_type="rijk")
    invite_all(panel, fieldwork)
    design = SampleDesign(method="proportional", variables=("org_type", "sector"), size=2)
    with translation.override("nl"), pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=fieldwork, design=design)
    assert caught.value.problems == (
        "'sector' is geen profielvariabele van panel 'testpanel'; kies uit org_type, domain, "
        "birth_year",)
    with translation.override("nl"), pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=fieldwork,
                       design=SampleDesign(method="simple", size=1))
    assert caught.value.problems == (
        "steekproefomvang 1 is groter dan de 0 leden die in aanmerking komen (uitgesloten: "
        "1 al getrokken voor dit veldwerk)",)


def test_design_problems_are_all_named(panel, make_fieldwork, hundred) -> None:
    closed = make_fieldwork(opens_in=dt.timedelta(days=-10), closes_in=dt.timedelta(days=-1))
    design = SampleDesign(method="targets", variables=("org_type", "birth_year", "sector"),
                          targets={("rijk",): 5})
    with pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=closed, design=design)
    closes = timezone.localtime(closed.closes_at).strftime("%Y-%m-%d %H:%M")
    assert caught.value.problems == (
        "'birth_year' is of type integer; strata need select_one variables",
        "'sector' is not a profile variable of panel 'testpanel'; choose from org_type, "
        "domain, birth_year",
        f"fieldwork '{closed.slug}' closed at {closes}; samples are drawn for fieldwork that "
        f"is open or yet to open",
    )
    with pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=make_fieldwork(), design=SampleDesign(
            method="targets", variables=("org_type", "domain"),
            targets={("rijk",): 5, ("rijk", "cloud"): 2, ("gemeente", "ict"): -1}))
    assert caught.value.problems == (
        "stratum 'rijk' names 1 values; the design has 2 variables (org_type, domain)",
        "stratum 'rijk / cloud': 'cloud' is not a choice of domain; expected one of ict, overig",
        "stratum 'gemeente / ict': the target must be 0 or more (got -1)",
    )
    with pytest.raises(SampleError) as caught:
        sample_preview(panel=panel, fieldwork=make_fieldwork(),
                       design=SampleDesign(method="simple", variables=("org_type",)))
    assert caught.value.problems == (
        "a simple random sample takes no stratification variables; use proportional or "
        "targets to stratify",
        "the sample size must be 1 or more",
    )


def test_commit_stores_exactly_the_preview(panel, fieldwork, hundred) -> None:
    plan = sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    sample = sample_commit(plan=plan)
    assert (sample.method, sample.size, sample.drawn, sample.seed) == ("proportional", 20, 20, 7)
    assert sample.plan["strata"][0] == {"stratum": ["gemeente", "ict"], "eligible": 30,
                                        "target": 6, "achieved": 6}
    items = PanelInvitation.objects.filter(sample=sample).select_related("member", "invitation")
    assert sorted(item.member_id for item in items) == plan.member_ids.tolist()
    assert Counter(item.stratum for item in items) == {
        "gemeente / ict": 6, "gemeente / overig": 6, "rijk / ict": 6, "onderwijs / overig": 2}
    item = items[0]
    assert item.invitation.profile == item.member.profile
    token = link_token(nonce=item.link_nonce, token_hash=item.invitation.token_hash)
    assert Invitation.objects.get(token_hash=token_hash(token)) == item.invitation
    assert token not in item.link_nonce and well_formed(token)


def test_links_survive_a_key_rotation_and_fail_clearly_without_the_old_key(
    panel, fieldwork, hundred, settings
) -> None:
    sample = sample_commit(plan=sample_preview(panel=panel, fieldwork=fieldwork,
                                               design=PROPORTIONAL))
    item = PanelInvitation.objects.filter(sample=sample).select_related("invitation")[0]
    before = link_token(nonce=item.link_nonce, token_hash=item.invitation.token_hash)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 40
    assert link_token(nonce=item.link_nonce, token_hash=item.invitation.token_hash) == before
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(LinkUnavailable):
        link_token(nonce=item.link_nonce, token_hash=item.invitation.token_hash)


def test_commit_refuses_when_drawn_members_changed(panel, fieldwork, hundred) -> None:
    plan = sample_preview(panel=panel, fieldwork=fieldwork, design=PROPORTIONAL)
    Member.objects.filter(pk=int(plan.member_ids[0])).update(status=Member.Status.PAUSED)
    with pytest.raises(SampleChanged) as caught:
        sample_commit(plan=plan)
    assert str(caught.value) == ("1 of the 20 members drawn are no longer eligible (their "
                                 "status changed, or they were invited meanwhile); preview "
                                 "the sample again")
    assert not Sample.objects.exists() and not Invitation.objects.exists()
