"""Admin for questionnaires: versions are read-only; a new version comes from an upload."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from peiling.accounts.services import OrganisationError
from peiling.forms.errors import FormError, Problem
from peiling.forms.xlsform import MAX_FILE_BYTES
from peiling.questionnaires import services
from peiling.questionnaires.models import FormVersion, Questionnaire


class UploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm (.xlsx or .xls)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ("number", "version", "question_count", "page_count", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("title", "form_id", "created_at")
    search_fields = ("title", "form_id")
    readonly_fields = ("form_id", "title", "created_at")
    inlines = [FormVersionInline]

    def has_add_permission(self, request):
        return False


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    list_display = (
        "questionnaire",
        "number",
        "version",
        "question_count",
        "page_count",
        "created_at",
    )
    list_filter = ("questionnaire",)
    readonly_fields = (
        "questionnaire",
        "number",
        "version",
        "content_hash",
        "source_name",
        "question_count",
        "page_count",
        "created_at",
        "created_by",
    )
    exclude = ("definition",)

    def has_change_permission(self, request, obj=None):
        return False  # versions are immutable

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="questionnaires_formversion_upload",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:questionnaires_formversion_upload"))

    def upload_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = UploadForm(request.POST or None, request.FILES or None)
        problems: tuple = ()
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.form_version_import(
                    source=upload.read(), source_name=upload.name, user=request.user
                )
            except FormError as error:
                problems = error.problems
            except OrganisationError as error:
                problems = [Problem(str(error))]
            else:
                text = (
                    _("Imported as version %(number)s.")
                    if result.created
                    else _("Unchanged: identical to version %(number)s.")
                )
                self.message_user(
                    request, text % {"number": result.version.number}, messages.SUCCESS
                )
                for warning in result.warnings:
                    self.message_user(request, str(warning), messages.WARNING)
                return HttpResponseRedirect(
                    reverse("admin:questionnaires_formversion_change", args=[result.version.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "problems": problems,
            "title": _("Import an XLSForm"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "questionnaires/admin_upload.html", context)
