from django.urls import path

from peiling.questionnaires import views

app_name = "questionnaires"
urlpatterns = [
    path("versie/<int:version_id>/", views.version_detail, name="detail"),
    path("versie/<int:version_id>/xlsform.xlsx", views.version_xlsform, name="xlsform"),
]
