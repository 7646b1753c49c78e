"""The public panel site: the list of articles ("alle artikelen", per category), an article
with its approved reactions, the reaction form, and the RSS and Atom feeds.

The list and article pages hold no form and no per-visitor content, so they are cached whole
(``cached_public``) under the panel's site version: any change they show moves the version
(``selectors.site_version_bump``). The reaction form is a page of its own, with its CSRF token,
never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peiling.publications import selectors, services
from peiling.publications.models import Category
from peiling.publications.text import article_html

HONEYPOT = "reaction-url"


def cached_public(view: Callable) -> Callable:
    """Serve a public page from the cache when it is there (kept ``PAGE_SECONDS`` under the
    panel's site version and the language); a page that is no 200 is not kept."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        key = (f"publications:page:{selectors.site_version(slug)}:"
               f"{translation.get_language()}:{request.get_full_path()}")
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        response = view(request, slug, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            cache.set(key, (response.content, response["Content-Type"]),
                      selectors.PAGE_SECONDS)
        return response

    return wrapped


def _context(panel, **extra) -> dict:
    return {"panel": panel, "form_title": panel.name, "language": translation.get_language(),
            **extra}


@require_http_methods(["GET", "HEAD"])
@cached_public
def article_list(request: HttpRequest, slug: str, category: str | None = None) -> HttpResponse:
    panel = selectors.panel_with_site(slug)
    chosen = get_object_or_404(Category, panel=panel, slug=category) if category else None
    articles = list(selectors.published(panel=panel, category=chosen)[:100])
    categories = Category.objects.filter(panel=panel, articles__status="published").distinct()
    return render(request, "publications/list.html", _context(
        panel, articles=articles, category=chosen, categories=categories))


@require_http_methods(["GET", "HEAD"])
@cached_public
def article_page(request: HttpRequest, slug: str, article: str) -> HttpResponse:
    panel = selectors.panel_with_site(slug)
    item = selectors.article_public(panel=panel, slug=article)
    return render(request, "publications/article.html", _context(
        panel, article=item, html=article_html(item.body),
        share_url=settings.PEILING_BASE_URL + request.path))


@require_http_methods(["GET", "HEAD", "POST"])
def react(request: HttpRequest, slug: str, article: str) -> HttpResponse:
    """The reaction form (GET) and a reaction sent (POST): held for moderation."""
    panel = selectors.panel_with_site(slug)
    item = selectors.article_public(panel=panel, slug=article)
    fields = {"name": request.POST.get("name", ""), "email": request.POST.get("email", ""),
              "text": request.POST.get("text", "")}
    if request.method != "POST":
        return render(request, "publications/react.html", _context(panel, article=item,
                                                                    fields=fields))
    if request.POST.get(HONEYPOT):  # a robot filled in the field people do not see
        return redirect("publications:reacted", slug=panel.slug, article=item.slug)
    try:
        services.reaction_post(article=item, ip=request.META.get("REMOTE_ADDR", ""), **fields)
    except services.ReactionLimited as error:
        return render(request, "publications/react.html", _context(
            panel, article=item, fields=fields, problems=error.problems), status=429)
    except services.PublicationError as error:
        return render(request, "publications/react.html", _context(
            panel, article=item, fields=fields, problems=error.problems), status=400)
    return redirect("publications:reacted", slug=panel.slug, article=item.slug)


def reacted(request: HttpRequest, slug: str, article: str) -> HttpResponse:
    panel = selectors.panel_with_site(slug)
    item = selectors.article_public(panel=panel, slug=article)
    return render(request, "publications/reacted.html", _context(panel, article=item,
                                                                   title=_("Thank you")))
