"""Addresses for the public and for members: a panel's public page and sign-up, the
confirmation link, the unsubscribe page and its one-click POST."""

from django.urls import path

from peiling.panel import views

app_name = "panel"
urlpatterns = [
    path("afmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("afmelden/<str:token>/one-click/", views.unsubscribe_one_click,
         name="unsubscribe_one_click"),
    path("bevestigen/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("<slug:slug>/", views.panel_page, name="public"),
    path("<slug:slug>/aangemeld/", views.signup_sent, name="signup_sent"),
    path("<slug:slug>/privacy/", views.privacy, name="privacy"),
]
