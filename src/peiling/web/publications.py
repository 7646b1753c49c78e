"""Articles on the panels' public sites: drafted from a fieldwork's report, edited in the
browser (Markdown, with a preview of what the site will show), published and withdrawn; the
reactions readers sent, moderated."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, researcher_page, scoped
from peiling.fieldwork.models import Fieldwork
from peiling.panel.models import Panel
from peiling.publications import services
from peiling.publications.models import Article, Category, Reaction
from peiling.publications.text import article_html
from peiling.reports import selectors as report_selectors

ACTION = "publication.manage"


@researcher_page(ACTION)
@require_http_methods(["GET", "HEAD"])
def article_list(request: HttpRequest) -> HttpResponse:
    """Every article of the organisation's panels, and the reactions waiting."""
    articles = (scoped(request.user, ACTION, Article.objects.all())
                .select_related("panel", "fieldwork").order_by("-updated_at", "-pk"))
    waiting = scoped(request.user, ACTION, Reaction.objects.filter(
        status=Reaction.Status.PENDING)).count()
    return render(request, "web/publications/list.html", {
        "articles": articles, "waiting": waiting})


class DraftForm(forms.Form):
    panel = forms.ModelChoiceField(
        queryset=Panel.objects.none(), label=gettext_lazy("Panel"),
        help_text=gettext_lazy("The article appears on this panel's public site."))

    def __init__(self, *args, panels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = panels


@researcher_page(ACTION)
@require_http_methods(["GET", "HEAD", "POST"])
def article_draft(request: HttpRequest, slug: str) -> HttpResponse:
    """Draft an article from the report of fieldwork ``slug`` (its numbers and quotes)."""
    fieldwork = object_for(request.user, ACTION, Fieldwork.objects.all(), slug=slug)
    panels = scoped(request.user, ACTION, Panel.objects.all()).order_by("name")
    sampled = panels.filter(samples__fieldwork=fieldwork).first()
    form = DraftForm(request.POST or None, panels=panels,
                     initial={"panel": sampled or panels.first()})
    if request.method == "POST" and form.is_valid():
        try:
            report = report_selectors.report_for_fieldwork(
                reference=str(fieldwork.pk),
                definition=report_selectors.stored_definition(fieldwork=fieldwork))
        except report_selectors.ReportSourceError as error:
            form.add_error(None, str(error))
        else:
            article = services.article_draft(panel=form.cleaned_data["panel"],
                                              fieldwork=fieldwork, report=report,
                                              user=request.user)
            messages.success(request, _("The draft is ready: read it, edit it, publish it."))
            return redirect("web:article", article.pk)
    return render(request, "web/publications/draft.html", {
        "fieldwork": fieldwork, "form": form, "no_panel": not panels.exists()},
        status=400 if form.errors else 200)


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_LONGEST)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=services.BODY_LONGEST,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=gettext_lazy("Markdown: an empty line between paragraphs, ## for a "
                               "heading, > for a quote, **bold**. HTML is shown as text."))
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.none(), required=False, label=gettext_lazy("Categories"),
        widget=forms.CheckboxSelectMultiple)
    new_categories = forms.CharField(
        label=gettext_lazy("New categories"), required=False, max_length=300,
        help_text=gettext_lazy("Names separated by commas."))
    tags = forms.CharField(label=gettext_lazy("Tags"), required=False, max_length=300,
                           help_text=gettext_lazy("Separated by commas."))

    def __init__(self, *args, panel: Panel, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.filter(panel=panel)


@researcher_page(ACTION)
@require_http_methods(["GET", "HEAD", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    """Edit an article; below the form, the article as the public site will show it."""
    article = object_for(request.user, ACTION,
                         Article.objects.select_related("panel", "fieldwork"), pk=article_id)
    initial = {"title": article.title, "body": article.body, "tags": article.tags,
               "categories": list(article.categories.all())}
    form = ArticleForm(request.POST or None, initial=initial, panel=article.panel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.article_update(article=article, title=data["title"], body=data["body"],
                                    tags=data["tags"], categories=data["categories"],
                                    new_categories=data["new_categories"])
        except services.PublicationError as error:
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The article was saved."))
            return redirect("web:article", article.pk)
    article.refresh_from_db()
    return render(request, "web/publications/edit.html", {
        "article": article, "form": form, "preview": article_html(article.body),
        "waiting": article.reactions.filter(status=Reaction.Status.PENDING).count()},
        status=400 if form.errors else 200)


@researcher_page(ACTION)
@require_POST
def article_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    article = object_for(request.user, ACTION, Article.objects.select_related("panel"),
                         pk=article_id)
    if services.article_publish(article=article):
        from peiling.publications.tasks import send_results_notices

        send_results_notices.enqueue(article.pk)
        messages.success(request, _("The article is online. The members who took part get "
                                    "an e-mail that the results are online."))
    else:
        messages.success(request, _("The article is online."))
    return redirect("web:article", article.pk)


@researcher_page(ACTION)
@require_POST
def article_withdraw(request: HttpRequest, article_id: int) -> HttpResponse:
    article = object_for(request.user, ACTION, Article.objects.select_related("panel"),
                         pk=article_id)
    services.article_withdraw(article=article)
    messages.success(request, _("The article is off the site; it is a draft again."))
    return redirect("web:article", article.pk)


@researcher_page(ACTION)
@require_http_methods(["GET", "HEAD"])
def reactions(request: HttpRequest) -> HttpResponse:
    """Reactions to moderate (waiting first), with the article each is on."""
    items = (scoped(request.user, ACTION, Reaction.objects.all())
             .select_related("article__panel").order_by("status", "-created_at")[:200])
    return render(request, "web/publications/reactions.html", {"reactions": items})


@researcher_page(ACTION)
@require_POST
def reaction_moderate(request: HttpRequest, reaction_id: int, verdict: str) -> HttpResponse:
    reaction = object_for(request.user, ACTION, Reaction.objects.select_related(
        "article__panel"), pk=reaction_id)
    services.reaction_moderate(reaction=reaction, approve=verdict == "goedkeuren",
                               user=request.user)
    messages.success(request, _("The reaction is shown under the article.")
                     if verdict == "goedkeuren" else _("The reaction is rejected."))
    return redirect("web:reactions")


urlpatterns = [
    path("publicaties/", article_list, name="articles"),
    path("publicaties/reacties/", reactions, name="reactions"),
    re_path(r"^publicaties/reacties/(?P<reaction_id>[0-9]+)/(?P<verdict>goedkeuren|afwijzen)/$",
            reaction_moderate, name="reaction_moderate"),
    path("publicaties/<int:article_id>/", article_edit, name="article"),
    path("publicaties/<int:article_id>/publiceren/", article_publish, name="article_publish"),
    path("publicaties/<int:article_id>/intrekken/", article_withdraw, name="article_withdraw"),
    path("veldwerk/<slug:slug>/artikel/", article_draft, name="article_draft"),
]
