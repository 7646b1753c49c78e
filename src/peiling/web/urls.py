"""The researcher web app's addresses: one list per area, each in its own module."""

from django.urls import path

from peiling.web import (
    coding,
    emails,
    fieldworks,
    invitations,
    jobs,
    organisation,
    panels,
    publications,
    quality,
    report_builder,
    results,
    studies,
    tokens,
    trends,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    *studies.urlpatterns,
    *fieldworks.urlpatterns,
    *invitations.urlpatterns,
    *emails.urlpatterns,
    *organisation.urlpatterns,
    *jobs.urlpatterns,
    *panels.urlpatterns,
    *publications.urlpatterns,
    *results.urlpatterns,
    *report_builder.urlpatterns,
    *quality.urlpatterns,
    *coding.urlpatterns,
    *tokens.urlpatterns,
    *trends.urlpatterns,
]
