"""The public panel site's addresses, under /panel/<panel>/artikelen/."""

from django.urls import path

from peiling.publications import feeds, views

app_name = "publications"
urlpatterns = [
    path("<slug:slug>/artikelen/", views.article_list, name="list"),
    path("<slug:slug>/artikelen/feed.rss", feeds.ArticlesRss(), name="rss"),
    path("<slug:slug>/artikelen/feed.atom", feeds.ArticlesAtom(), name="atom"),
    path("<slug:slug>/artikelen/categorie/<slug:category>/", views.article_list,
         name="category"),
    path("<slug:slug>/artikelen/<slug:article>/", views.article_page, name="article"),
    path("<slug:slug>/artikelen/<slug:article>/reageren/", views.react, name="react"),
    path("<slug:slug>/artikelen/<slug:article>/bedankt/", views.reacted, name="reacted"),
]
