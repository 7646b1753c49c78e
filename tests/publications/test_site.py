"""The public panel site: an article drafted from a real report, edited, published (with the
results e-mail through a real SMTP server), listed, in the RSS and Atom feeds, cached and
invalidated; reactions held for moderation; and every bad input: script in an article or a
reaction, empty fields, drafts, limits."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.panel import services as panel_services
from peiling.panel.models import Member, PanelInvitation
from peiling.publications import services
from peiling.publications.models import Article, Category, Reaction
from peiling.publications.text import article_html, lead_of
from peiling.questionnaires.services import form_version_import
from peiling.reports import selectors as report_selectors
from tests.panel.conftest import sink, smtp_server  # noqa: F401  (fixtures)
from tests.panel.helpers import csv_bytes, invite_all

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def world(organisation):
    version = form_version_import(source=(EXAMPLES / "digitalisering-overheid.xlsx").read_bytes(),
                                  organisation=organisation).version
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="peiling", name="Peiling 2026",
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=10))
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=120, seed=3, source="panel")
    panel = panel_services.panel_create(
        slug="ambtenarenpanel", name="Ambtenarenpanel", organisation=organisation,
        profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx")
    return panel, fieldwork


@pytest.fixture
def article(world) -> Article:
    panel, fieldwork = world
    report = report_selectors.report_for_fieldwork(reference=str(fieldwork.pk), definition=None)
    return services.article_draft(panel=panel, fieldwork=fieldwork, report=report)


def _site(path: str = "") -> str:
    return f"/panel/ambtenarenpanel/artikelen/{path}"


def test_the_draft_comes_from_the_report_and_stays_off_the_site(article) -> None:
    assert article.status == Article.Status.DRAFT
    assert article.title and not article.body.startswith("# ")
    assert "procent" in article.body  # numbers in running text
    assert "## " in article.body  # a section per theme
    assert re.search(r"Aan het onderzoek.* deden 120 ", article.body)
    assert article.sources and all(source["tables"] for source in article.sources)
    assert Client().get(_site(f"{article.slug}/")).status_code == 404
    assert article.title not in Client().get(_site()).content.decode()


def test_publish_list_feed_category_and_withdraw(article) -> None:
    services.article_update(article=article, title="Ambtenaren willen digitaal",
                            body="Ruim **zeven** op de tien.\n\n## Werk\n\nMeer tekst.",
                            tags="digitalisering, werk", new_categories="Digitalisering")
    services.article_publish(article=article)
    page = Client().get(_site("ambtenaren-willen-digitaal/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>zeven</strong>" in html and "<h2>Werk</h2>" in html
    assert "digitalisering, werk" in html
    listing = Client().get(_site()).content.decode()
    assert "Ambtenaren willen digitaal" in listing and "Ruim zeven op de tien." in listing
    category = Client().get(_site("categorie/digitalisering/"))
    assert "Ambtenaren willen digitaal" in category.content.decode()

    rss = ET.fromstring(Client().get(_site("feed.rss")).content)
    assert [item.findtext("title") for item in rss.iter("item")] == ["Ambtenaren willen digitaal"]
    assert rss.find("channel/item/link").text.endswith(_site("ambtenaren-willen-digitaal/"))
    atom = ET.fromstring(Client().get(_site("feed.atom")).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)] == [
        "Ambtenaren willen digitaal"]

    services.article_withdraw(article=article)
    assert Client().get(_site("ambtenaren-willen-digitaal/")).status_code == 404
    assert "Ambtenaren willen digitaal" not in Client().get(_site()).content.decode()


def test_a_cached_page_is_never_served_after_a_change(article, world) -> None:
    panel, _fieldwork = world
    services.article_publish(article=article)
    first = Client().get(_site()).content.decode()
    assert first == Client().get(_site()).content.decode()
    other = Article.objects.create(panel=panel, title="Tweede artikel", slug="tweede",
                                   body="Tekst.")
    services.article_publish(article=other)
    assert "Tweede artikel" in Client().get(_site()).content.decode()


def test_script_in_an_article_never_runs() -> None:
    html = article_html("<script>alert(1)</script>\n\n[klik](javascript:alert(2)) "
                        "<img src=x onerror=alert(3)>\n\n# Kop")
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "<h2>Kop</h2>" in html
    assert 'rel="noopener noreferrer nofollow"' in article_html("[a](https://example.org)")
    assert lead_of("## Kop\n\nDe **eerste** alinea, met [een link](https://x.nl).") == (
        "De eerste alinea, met een link.")


@pytest.mark.parametrize(("title", "body", "message"), [
    ("", "Tekst.", "Geef het artikel een titel."),
    ("Titel", "  ", "De tekst is leeg."),
    ("x" * 201, "Tekst.", "De titel heeft 201 tekens; hoogstens 200."),
])
def test_an_article_that_cannot_be_is_refused_and_nothing_changes(article, title, body,
                                                                  message) -> None:
    before = (article.title, article.body)
    with pytest.raises(services.PublicationError) as raised:
        services.article_update(article=article, title=title, body=body)
    assert message in raised.value.problems
    article.refresh_from_db()
    assert (article.title, article.body) == before


def test_members_who_took_part_hear_that_the_results_are_online(article, world,
                                                                 sink) -> None:  # noqa: F811
    panel, fieldwork = world
    panel_services.members_import(panel=panel, name="leden.csv", data=csv_bytes(
        "email,org_type,domain,function,gender,age_band",
        "ja@example.org,gemeente,dienstverlening,coordinator,vrouw,45_54",
        "nee@example.org,gemeente,dienstverlening,coordinator,man,45_54",
        "stil@example.org,rijk,dienstverlening,coordinator,man,45_54"))
    invite_all(panel, fieldwork)
    for item in PanelInvitation.objects.select_related("member", "invitation"):
        if item.member.email != "nee@example.org":
            response = fieldwork_services.response_start(fieldwork=fieldwork, language="nl",
                                                         invitation=item.invitation)
            response.status, response.completed_at = "completed", timezone.now()
            response.save()
    Member.objects.filter(email="stil@example.org").update(results_mail=False)
    assert services.article_publish(article=article) is True
    assert services.results_notices_send(article_id=article.pk) == 1
    [received] = sink.messages
    assert received.rcpt_tos == ("ja@example.org",)
    assert str(received.message["Subject"]).strip().startswith("De resultaten staan online: ")
    content = received.message.get_content()
    assert f"/panel/ambtenarenpanel/artikelen/{article.slug}/" in content
    assert "/panel/ambtenarenpanel/mijn/" in content  # where to switch it off
    assert services.results_notices_send(article_id=article.pk) == 0  # once only
    services.article_withdraw(article=article)
    assert services.article_publish(article=article) is False


def test_a_reaction_waits_for_the_moderator_and_never_shows_the_address(article) -> None:
    services.article_publish(article=article)
    path = _site(f"{article.slug}/reageren/")
    form = Client().get(path)
    assert form.status_code == 200 and 'name="csrfmiddlewaretoken"' in form.content.decode()
    sent = Client().post(path, {"name": "Anna", "email": "anna@example.org",
                                "text": "Herkenbaar! <script>alert(1)</script>"})
    assert sent.status_code == 302
    reaction = Reaction.objects.get()
    assert reaction.status == Reaction.Status.PENDING
    assert "Herkenbaar" not in Client().get(_site(f"{article.slug}/")).content.decode()
    services.reaction_moderate(reaction=reaction, approve=True)
    page = Client().get(_site(f"{article.slug}/")).content.decode()
    assert "Herkenbaar!" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    assert "anna@example.org" not in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Vul uw naam in."),
    ({"email": "geen"}, "Vul uw e-mailadres in"),
    ({"text": ""}, "Schrijf uw reactie."),
    ({"text": "x" * 2001}, "Uw reactie heeft 2001 tekens; hoogstens 2000."),
])
def test_a_bad_reaction_is_refused_and_nothing_stored(article, fields, message) -> None:
    services.article_publish(article=article)
    data = {"name": "Anna", "email": "anna@example.org", "text": "Goed.", **fields}
    response = Client().post(_site(f"{article.slug}/reageren/"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Reaction.objects.exists()


def test_robots_drafts_and_floods_get_no_reaction_in(article) -> None:
    path = _site(f"{article.slug}/reageren/")
    assert Client().post(path, {"name": "A", "email": "a@b.nl", "text": "x"}).status_code == 404
    services.article_publish(article=article)
    robot = Client().post(path, {"name": "A", "email": "a@b.nl", "text": "x",
                                 "reaction-url": "http://spam"})
    assert robot.status_code == 302 and not Reaction.objects.exists()
    client = Client(REMOTE_ADDR="198.51.100.4")
    answers = [client.post(path, {"name": "A", "email": "a@b.nl", "text": f"{n}"}).status_code
               for n in range(services.REACTION_LIMIT + 1)]
    assert answers[-1] == 429 and answers.count(302) == services.REACTION_LIMIT


def test_the_researcher_edits_publishes_and_moderates(login_as, article) -> None:
    researcher = login_as("onderzoeker")
    page = researcher.get(f"/publicaties/{article.pk}/")
    assert page.status_code == 200 and "Publiceren" in page.content.decode()
    saved = researcher.post(f"/publicaties/{article.pk}/", {
        "title": "Nieuwe kop", "body": "Tekst met <script>x</script>.",
        "new_categories": "Werk, Digitalisering", "tags": "a, b"})
    assert saved.status_code == 302
    edited = researcher.get(f"/publicaties/{article.pk}/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in edited and "<script>x" not in edited
    assert set(Category.objects.values_list("slug", flat=True)) == {"werk", "digitalisering"}
    refused = researcher.post(f"/publicaties/{article.pk}/", {"title": "", "body": "x"})
    assert refused.status_code == 400
    assert researcher.post(f"/publicaties/{article.pk}/publiceren/").status_code == 302
    assert Client().get(_site("nieuwe-kop/")).status_code == 200
    reaction = Reaction.objects.create(article=article, name="B", email="b@example.org",
                                       text="Eens.", created_at=timezone.now())
    listing = researcher.get("/publicaties/reacties/").content.decode()
    assert "b@example.org" in listing  # the moderator sees the address
    researcher.post(f"/publicaties/reacties/{reaction.pk}/afwijzen/")
    reaction.refresh_from_db()
    assert reaction.status == Reaction.Status.REJECTED
    assert researcher.post(f"/publicaties/reacties/{reaction.pk}/weg/").status_code == 404


def test_drafting_from_the_fieldwork_page(login_as, world) -> None:
    researcher = login_as("onderzoeker")
    panel, fieldwork = world
    form = researcher.get(f"/veldwerk/{fieldwork.slug}/artikel/")
    assert form.status_code == 200
    made = researcher.post(f"/veldwerk/{fieldwork.slug}/artikel/", {"panel": panel.pk})
    assert made.status_code == 302
    article = Article.objects.get()
    assert made["Location"] == f"/publicaties/{article.pk}/"
    assert researcher.post(f"/veldwerk/{fieldwork.slug}/artikel/",
                           {"panel": 999999}).status_code == 400
