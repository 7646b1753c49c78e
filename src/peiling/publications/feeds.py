"""RSS 2.0 and Atom feeds of a panel's published articles (Django's syndication framework)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from peiling.panel.models import Panel
from peiling.publications import selectors
from peiling.publications.models import Article
from peiling.publications.text import lead_of

ITEMS = 20


class ArticlesRss(Feed):
    def get_object(self, request, slug: str) -> Panel:
        return selectors.panel_with_site(slug)

    def title(self, panel: Panel) -> str:
        return _("All articles of %(panel)s") % {"panel": panel.name}

    def link(self, panel: Panel) -> str:
        return reverse("publications:list", args=[panel.slug])

    def description(self, panel: Panel) -> str:
        return panel.description or panel.name

    def items(self, panel: Panel):
        return selectors.published(panel=panel)[:ITEMS]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return lead_of(item.body)

    def item_link(self, item: Article) -> str:
        return reverse("publications:article", args=[item.panel.slug, item.slug])

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [category.name for category in item.categories.all()] + item.tag_list


class ArticlesAtom(ArticlesRss):
    feed_type = Atom1Feed

    def subtitle(self, panel: Panel) -> str:
        return self.description(panel)
