"""Operations on the public panel site: draft an article from a report, edit, publish and
withdraw it, file it under categories, and take and moderate reactions.

Every change that shows on the public pages moves the panel's cache version
(``selectors.site_version_bump``), so cached pages are never served after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peiling.fieldwork.models import Fieldwork
from peiling.panel.emails import email_normalise
from peiling.panel.joining import network_of
from peiling.panel.models import Panel
from peiling.publications import selectors
from peiling.publications.models import Article, Category, Reaction

__all__ = [
    "REACTION_LIMIT",
    "PublicationError",
    "article_draft",
    "article_publish",
    "article_update",
    "article_withdraw",
    "reaction_moderate",
    "reaction_post",
    "results_notices_send",
]

TITLE_LONGEST, BODY_LONGEST, TAGS_LONGEST = 200, 50_000, 300
REACTION_LONGEST, NAME_LONGEST = 2_000, 100
#: Reactions per network (IPv4 /24, IPv6 /48) per hour at most.
REACTION_LIMIT = 5


class PublicationError(Exception):
    """An edit or a reaction refused; ``problems`` holds one readable line per reason."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


class ReactionLimited(PublicationError):
    """Too many reactions from this network within the hour."""


def _unique_slug(panel: Panel, title: str, exclude: int | None = None) -> str:
    base = slugify(title)[:180].strip("-") or "artikel"
    taken = set(Article.objects.filter(panel=panel, slug__startswith=base)
                .exclude(pk=exclude).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def article_draft(*, panel: Panel, fieldwork: Fieldwork, report: Any, user: Any = None
                  ) -> Article:
    """Draft an article on ``fieldwork`` from its built ``report`` (``reports.model.Report``)
    with ``reports.article.draft_article``; the researcher edits it before publishing."""
    from peiling.reports.article import draft_article

    draft = draft_article(report)
    markdown = draft.markdown()
    # The headline is the article's title; the body is the rest.
    body = markdown.split("\n", 1)[1].strip() if markdown.startswith("# ") else markdown
    sources = [{"text": paragraph.text[:120], "tables": list(paragraph.tables)}
               for paragraph in draft.paragraphs() if paragraph.tables]
    article = Article(panel=panel, fieldwork=fieldwork, title=draft.headline[:TITLE_LONGEST],
                      slug=_unique_slug(panel, draft.headline), body=body, sources=sources,
                      created_by=user if getattr(user, "is_authenticated", False) else None)
    article.full_clean()
    article.save()
    return article


@transaction.atomic
def article_update(*, article: Article, title: str, body: str, tags: str = "",
                   categories: Sequence[Category] = (), new_categories: str = "") -> Article:
    """Change an article's text, tags and categories (``new_categories``: names separated by
    commas, made when the panel has none by that name). Raise ``PublicationError`` (nothing
    changes) for an empty or too long title or text."""
    title, body, tags = " ".join(title.split()), body.strip(), ", ".join(
        tag.strip() for tag in tags.split(",") if tag.strip())
    problems = []
    if not title:
        problems.append(_("Give the article a title."))
    if len(title) > TITLE_LONGEST:
        problems.append(_("The title has %(n)d characters; at most %(max)d.")
                        % {"n": len(title), "max": TITLE_LONGEST})
    if not body:
        problems.append(_("The text is empty."))
    if len(body) > BODY_LONGEST:
        problems.append(_("The text has %(n)d characters; at most %(max)d.")
                        % {"n": len(body), "max": BODY_LONGEST})
    if len(tags) > TAGS_LONGEST:
        problems.append(_("The tags have %(n)d characters; at most %(max)d.")
                        % {"n": len(tags), "max": TAGS_LONGEST})
    if any(category.panel_id != article.panel_id for category in categories):
        problems.append(_("A category belongs to another panel."))
    names = [" ".join(name.split()) for name in new_categories.split(",") if name.strip()]
    if any(len(name) > 100 or not slugify(name) for name in names):
        problems.append(_("A category name is at most 100 characters, with a letter or digit."))
    if problems:
        raise PublicationError(problems)
    chosen = list(categories)
    for name in names:
        category, _made = Category.objects.get_or_create(
            panel=article.panel, slug=slugify(name)[:100], defaults={"name": name})
        chosen.append(category)
    article.title, article.body, article.tags = title, body, tags
    if article.status == Article.Status.DRAFT:
        article.slug = _unique_slug(article.panel, title, exclude=article.pk)
    article.full_clean()
    article.save()
    article.categories.set(chosen)
    selectors.site_version_bump(article.panel)
    return article


@transaction.atomic
def article_publish(*, article: Article, now: dt.datetime | None = None) -> bool:
    """Publish the article on the panel's site; return whether the members who took part
    are to be e-mailed now (the first time it is published, when it is about a fieldwork).
    The caller queues ``tasks.send_results_notices`` then."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    now = now or timezone.now()
    article.status = Article.Status.PUBLISHED
    article.published_at = article.published_at or now
    notify = article.fieldwork_id is not None and article.notified_at is None
    article.save(update_fields=["status", "published_at", "updated_at"])
    selectors.site_version_bump(article.panel)
    return notify


@transaction.atomic
def article_withdraw(*, article: Article) -> None:
    """Take the article off the site (it stays, as a draft, with its reactions)."""
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])
    selectors.site_version_bump(article.panel)


@transaction.atomic
def reaction_post(*, article: Article, name: str, email: str, text: str, ip: str = "",
                  now: dt.datetime | None = None) -> Reaction:
    """Take a reader's reaction, held for moderation. Raise ``PublicationError`` (nothing
    stored) for a missing or too long name or text or a bad address, ``ReactionLimited``
    over the network's limit."""
    now = now or timezone.now()
    name, text = " ".join(name.split()), text.strip()
    problems = []
    if article.status != Article.Status.PUBLISHED:
        problems.append(_("This article is not published."))
    if not name:
        problems.append(_("Fill in your name."))
    elif len(name) > NAME_LONGEST:
        problems.append(_("Your name has %(n)d characters; at most %(max)d.")
                        % {"n": len(name), "max": NAME_LONGEST})
    try:
        address = email_normalise(email)
    except ValueError:
        address = ""
        problems.append(_("Enter your e-mail address, for example naam@voorbeeld.nl."))
    if not text:
        problems.append(_("Write your reaction."))
    elif len(text) > REACTION_LONGEST:
        problems.append(_("Your reaction has %(n)d characters; at most %(max)d.")
                        % {"n": len(text), "max": REACTION_LONGEST})
    if problems:
        raise PublicationError(problems)
    network = network_of(ip)
    recent = Reaction.objects.filter(network=network, created_at__gte=now - dt.timedelta(hours=1))
    if recent.count() >= REACTION_LIMIT:
        raise ReactionLimited(_("Too many reactions came from your network in the last hour. "
                                "Please try again later."))
    return Reaction.objects.create(article=article, name=name, email=address, text=text,
                                   network=network, created_at=now)


@transaction.atomic
def reaction_moderate(*, reaction: Reaction, approve: bool, user: Any = None,
                      now: dt.datetime | None = None) -> Reaction:
    """Approve (shown under the article) or reject a reaction."""
    reaction.status = Reaction.Status.APPROVED if approve else Reaction.Status.REJECTED
    reaction.moderated_at = now or timezone.now()
    reaction.moderated_by = user if getattr(user, "is_authenticated", False) else None
    reaction.save(update_fields=["status", "moderated_at", "moderated_by"])
    selectors.site_version_bump(reaction.article.panel)
    return reaction


def results_notices_send(*, article_id: int, now: dt.datetime | None = None) -> int:
    """E-mail the members who completed the article's fieldwork and want to hear about
    results (``panel.selectors.results_recipients``) that the results are online; return
    how many. The article is claimed first (``notified_at``), so a second run, worker or
    publication sends nobody anything twice."""
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from peiling.panel.mail import portal_url
    from peiling.panel.selectors import results_recipients

    now = now or timezone.now()
    claimed = Article.objects.filter(pk=article_id, notified_at__isnull=True,
                                     status=Article.Status.PUBLISHED,
                                     fieldwork__isnull=False).update(notified_at=now)
    if not claimed:
        return 0
    article = Article.objects.select_related("panel").get(pk=article_id)
    url = settings.PEILING_BASE_URL + reverse("publications:article",
                                              args=[article.panel.slug, article.slug])
    sent = 0
    with get_connection() as connection:
        for member in results_recipients(panel=article.panel, fieldwork_id=article.fieldwork_id):
            with translation.override(member.language):
                body = render_to_string("publications/email/results.txt", {
                    "panel": article.panel.name, "title": article.title, "url": url,
                    "portal": portal_url(article.panel.slug)})
                subject = _("The results are online: %(title)s") % {"title": article.title}
            EmailMessage(subject=" ".join(subject.split()), body=body,
                         from_email=settings.DEFAULT_FROM_EMAIL, to=[member.email],
                         headers={"Auto-Submitted": "auto-generated"},
                         connection=connection).send()
            sent += 1
    return sent
