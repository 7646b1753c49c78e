from django.urls import path

from peiling.reports import views

app_name = "reports"
urlpatterns = [
    path("<slug:reference>/", views.report_page, name="page"),
    path("<slug:reference>/rapport.<str:format>", views.report_download, name="download"),
    path("<slug:reference>/export/", views.data_export, name="export"),
    path("<slug:reference>/maken/", views.report_render, name="render"),
    path("<slug:reference>/<str:name>", views.data_download, name="data"),
]
