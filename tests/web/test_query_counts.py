"""Every researcher page asks the database as often with more data as with little.

The pages are the GET rows of the URL matrix (``tests/accounts/test_matrix.py``) that a
beheerder opens with 200: the same addresses the matrix and the axe sweep walk. Each is
counted with a small world of every kind of data, then again after the organisation has
about five times the responses, members, invitations, fieldworks, users and audit events; a page whose count grows
runs a query per row somewhere. ``bench/researcher_pages.py`` does the same at 100,000.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peiling.accounts.services import audit_record
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Fieldwork
from peiling.panel import services as panel_services
from peiling.panel.models import Panel
from peiling.publications.models import Article, Category, Reaction
from peiling.questionnaires.models import FormVersion
from tests.accounts.test_matrix import ROWS, _client, _objects
from tests.panel.helpers import csv_bytes, invite_all, respond

pytestmark = pytest.mark.django_db

#: Researcher pages with objects, the publication pages without (lists), and the public
#: panel site's pages, counted uncached (their cache is cleared before each request).
PAGES = [row for row in ROWS if row.method == "GET" and row.expected["beheerder"] == "200"
         and (("{" in row.path and not row.public)
              or row.name in ("web:articles", "web:reactions")
              or row.name.startswith("publications:"))]


def _queries(client, pages, objects) -> dict[str, int]:
    counts = {}
    for row in pages:
        url = row.path.format(**objects)
        if row.public:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[row.name] = len(captured)
    return counts


def _grow(organisation, objects, make_user, step: int, times: int) -> None:
    """More of everything behind the pages of ``objects``: ``times`` as much as step 1."""
    fieldwork = Fieldwork.objects.get(slug=objects["fieldwork"])
    panel = Panel.objects.get(slug=objects["panel"])
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=15 * times, seed=step,
                                          source="panel")
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=2 * times, seed=step,
                                          source=f"nieuwsbrief-{step}")
    panel_services.members_import(panel=panel, name="meer.csv", data=csv_bytes(
        "email,org_type,domain,function,gender,age_band",
        *(f"lid{step}-{n}@meer.nl,{'rijk' if n % 2 else 'gemeente'},ict,beleid,man,35_44"
          for n in range(10 * times))))
    now = timezone.now()
    another = fieldwork_services.fieldwork_create(
        form_version=FormVersion.objects.get(pk=objects["version"]),
        slug=f"{fieldwork.slug}-{step}", name=f"Ronde {step}",
        opens_at=now - dt.timedelta(days=40), closes_at=now + dt.timedelta(days=3))
    # Drawn 20 and 10 days ago: the panel's contact rules let every member in both times.
    sample = invite_all(panel, another, now=now - dt.timedelta(days=30 - 10 * step))
    for invitation in list(sample.invitations.all())[:3 * times]:
        respond(invitation, complete=False)  # started through the personal link
    category = Category.objects.create(panel=panel, name=f"Rubriek {step}",
                                       slug=f"rubriek-{step}")
    article = Article.objects.get(pk=objects["article"])
    for n in range(3 * times):
        more = Article.objects.create(panel=panel, title=f"Artikel {step}-{n}",
                                      slug=f"artikel-{step}-{n}", body="Tekst.",
                                      status=Article.Status.PUBLISHED, published_at=now)
        more.categories.add(category, *article.categories.all())
        for status in (Reaction.Status.APPROVED, Reaction.Status.PENDING):
            Reaction.objects.create(article=article, name="Lezer", email="l@example.org",
                                    text="Eens.", status=status, created_at=now)
    for n in range(3 * times):
        make_user("onderzoeker", organisation, email=f"collega{step}-{n}@meer.nl")
        audit_record(user=None, action="member.viewed", target_type="member",
                     target_id=objects["member"], detail=f"{panel.slug} {n}",
                     organisation=organisation)


def test_no_researcher_page_asks_more_often_with_more_data(make_user, organisation,
                                                           other_organisation) -> None:
    objects = _objects(organisation, make_user, "eigen")
    _objects(other_organisation, make_user, "ander")
    client = _client("beheerder", make_user, organisation)
    assert len(PAGES) > 20
    _grow(organisation, objects, make_user, step=1, times=1)
    _queries(client, PAGES, objects)  # first requests fill caches (sessions, content types)
    before = _queries(client, PAGES, objects)
    _grow(organisation, objects, make_user, step=2, times=4)
    # The results pages read the changed answers once (reports.datasets), the quality page
    # its flags (fieldwork.reviews) and the coding pages the open answers
    # (openanswers.selectors), then keep them: the second request is the one every later
    # click repeats.
    _queries(client, [row for row in PAGES if "/tabellen/" in row.path
                      or "/weging/" in row.path or "/kwaliteit/" in row.path
                      or "/open-antwoorden/" in row.path], objects)
    after = _queries(client, PAGES, objects)
    grown = {name: (before[name], after[name]) for name in before
             if after[name] != before[name]}
    assert grown == {}
