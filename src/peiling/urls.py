"""URL configuration: the admin, researcher pages and (later) respondent pages."""

from django.contrib import admin
from django.urls import include, path

from peiling.api.v1 import api as api_v1

urlpatterns = [
    # Respondent pages first: they take nearly all requests, and Django tries in order.
    path("", include("peiling.fieldwork.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("allauth.urls")),
    path("", include("peiling.web.urls")),
    path("vragenlijsten/", include("peiling.questionnaires.urls")),
    path("panel/", include("peiling.panel.urls")),
    path("panel/", include("peiling.publications.urls")),
    path("rapporten/", include("peiling.reports.urls")),
    path("api/v1/", api_v1.urls),
]

handler400 = "peiling.fieldwork.views.bad_request"
