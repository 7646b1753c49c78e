"""Addresses for the public and for members: a panel's public page and sign-up, the
confirmation link, the member portal, the unsubscribe page and its one-click POST."""

from django.urls import path, re_path

from peiling.panel import portal_views, views

app_name = "panel"
urlpatterns = [
    path("afmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("afmelden/<str:token>/one-click/", views.unsubscribe_one_click,
         name="unsubscribe_one_click"),
    path("bevestigen/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("inloggen/<str:token>/", portal_views.portal_login, name="portal_login"),
    path("<slug:slug>/", views.panel_page, name="public"),
    path("<slug:slug>/aangemeld/", views.signup_sent, name="signup_sent"),
    path("<slug:slug>/privacy/", views.privacy, name="privacy"),
    # the member portal
    path("<slug:slug>/mijn/", portal_views.portal_home, name="portal"),
    path("<slug:slug>/mijn/verstuurd/", portal_views.portal_sent, name="portal_sent"),
    path("<slug:slug>/mijn/uitloggen/", portal_views.portal_logout, name="portal_logout"),
    path("<slug:slug>/mijn/profiel/", portal_views.portal_profile, name="portal_profile"),
    path("<slug:slug>/mijn/pauze/", portal_views.portal_pause, name="portal_pause"),
    path("<slug:slug>/mijn/pauze-stoppen/", portal_views.portal_resume, name="portal_resume"),
    path("<slug:slug>/mijn/resultaten/", portal_views.portal_results_mail,
         name="portal_results_mail"),
    path("<slug:slug>/mijn/afmelden/", portal_views.portal_unsubscribe,
         name="portal_unsubscribe"),
    re_path(r"^(?P<slug>[-\w]+)/mijn/gegevens\.(?P<kind>json|csv)$", portal_views.portal_data,
            name="portal_data"),
    path("<slug:slug>/mijn/wissen/", portal_views.portal_erase, name="portal_erase"),
]
