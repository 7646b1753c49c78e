"""Respondent addresses: personal links, open links, their thank-you pages, the preview."""

from django.urls import path

from peiling.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("s/o/<str:key>/", views.open_link_page, name="open_link"),
    path("s/o/<str:key>/bedankt/", views.open_link_thanks, name="open_link_thanks"),
    path("s/voorbeeld/<int:version_id>/", views.preview, name="preview"),
    path("s/<str:token>/", views.invitation_page, name="invitation"),
    path("s/<str:token>/bedankt/", views.invitation_thanks, name="invitation_thanks"),
]
