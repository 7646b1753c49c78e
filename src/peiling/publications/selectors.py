"""Queries of the public panel site, and the version its cached pages are kept under."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from peiling.panel.models import Panel
from peiling.publications.models import Article, Category, Reaction

__all__ = ["article_public", "published", "site_version", "site_version_bump"]

#: Cached public pages live this long at most (a second app server's cache, or a local
#: memory cache per process, sees a version bump no sooner).
PAGE_SECONDS = 60


def _version_key(slug: str) -> str:
    return f"publications:version:{slug}"


def site_version(slug: str) -> int:
    """The version of a panel's public pages: part of every cached page's key."""
    return cache.get_or_set(_version_key(slug), 1, timeout=None)


def site_version_bump(panel: Panel) -> None:
    """Make every cached page of the panel's site stale (after any change they show)."""
    try:
        cache.incr(_version_key(panel.slug))
    except ValueError:  # not cached yet: the next page starts a version
        cache.set(_version_key(panel.slug), 2, timeout=None)


def panel_with_site(slug: str) -> Panel:
    """The panel of a public page (404 when there is none)."""
    return get_object_or_404(Panel.objects.select_related("organisation"), slug=slug)


def published(*, panel: Panel, category: Category | None = None) -> QuerySet[Article]:
    """The panel's published articles, newest first, with their categories."""
    articles = (Article.objects.filter(panel=panel, status=Article.Status.PUBLISHED)
                .select_related("panel").prefetch_related("categories")
                .order_by("-published_at", "-pk"))
    return articles.filter(categories=category) if category is not None else articles


def article_public(*, panel: Panel, slug: str) -> Article:
    """A published article with its approved reactions (404 for a draft or none)."""
    approved = Reaction.objects.filter(status=Reaction.Status.APPROVED).order_by("created_at")
    return get_object_or_404(
        Article.objects.prefetch_related("categories",
                                         Prefetch("reactions", queryset=approved,
                                                  to_attr="approved")),
        panel=panel, slug=slug, status=Article.Status.PUBLISHED)
