"""Addresses members reach from their e-mail: the unsubscribe page and its one-click POST."""

from django.urls import path

from peiling.panel import views

app_name = "panel"
urlpatterns = [
    path("afmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("afmelden/<str:token>/one-click/", views.unsubscribe_one_click,
         name="unsubscribe_one_click"),
]
