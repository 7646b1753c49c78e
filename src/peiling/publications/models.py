"""The public panel site: articles on a panel's results, their categories, and reactions.

State only: operations live in ``services.py``, queries in ``selectors.py``. An article's body
is Markdown as the researcher wrote it; it is turned into HTML only when shown, and sanitised
then (``publications.text``). A reaction's e-mail address is kept for the moderator and never
shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A heading a panel's articles are filed under ("Digitalisering", "Werk")."""

    panel = models.ForeignKey("panel.Panel", on_delete=models.CASCADE,
                              related_name="categories", verbose_name=_("panel"))
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=100)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["panel", "slug"],
                                               name="category_slug_per_panel")]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """An article on a panel's site, drafted from a report and edited by the researcher."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    panel = models.ForeignKey("panel.Panel", on_delete=models.PROTECT,
                              related_name="articles", verbose_name=_("panel"))
    fieldwork = models.ForeignKey(
        "fieldwork.Fieldwork", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="articles", verbose_name=_("fieldwork"),
        help_text=_("The survey it is about: its panel respondents are e-mailed."))
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown or plain text."))
    sources = models.JSONField(
        _("sources"), default=list, blank=True,
        help_text=_("Per paragraph of the draft: the tables its numbers come from."))
    tags = models.CharField(_("tags"), max_length=300, blank=True,
                            help_text=_("Separated by commas."))
    categories = models.ManyToManyField(Category, blank=True, related_name="articles",
                                        verbose_name=_("categories"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notified_at = models.DateTimeField(_("members e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["panel", "slug"],
                                               name="article_slug_per_panel")]
        indexes = [models.Index(fields=["panel", "status", "-published_at"],
                                name="article_panel_published")]

    def __str__(self) -> str:
        return self.title

    @property
    def lead(self) -> str:
        """The first paragraph, without markup (for lists, feeds and the page's summary)."""
        from peiling.publications.text import lead_of

        return lead_of(self.body)

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class Reaction(models.Model):
    """A reader's reaction to an article, shown once a moderator approved it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reactions",
                                verbose_name=_("article"))
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail address"), max_length=254,
                              help_text=_("For the moderator only; never shown."))
    text = models.TextField(_("reaction"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    network = models.CharField(_("network"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent"))
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("moderated by"))

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["network", "created_at"], name="reaction_network")]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"
