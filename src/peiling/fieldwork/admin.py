"""Admin for fieldwork: periods with their open links; responses and invitations read-only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peiling.fieldwork import selectors, services
from peiling.fieldwork.models import Fieldwork, Invitation, OpenLink, Quota, Response

_TEXT_FIELDS = ("intro", "thank_you")


class FieldworkForm(forms.ModelForm):
    """Edits the per-language texts as one text box per site language (``intro_nl``...)."""

    class Meta:
        model = Fieldwork
        fields = ("name", "slug", "form_version", "opens_at", "closes_at")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in _TEXT_FIELDS:
            label = Fieldwork._meta.get_field(name).verbose_name
            for code, language in settings.LANGUAGES:
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=f"{label} ({language})", required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    initial=getattr(self.instance, name, {}).get(code, ""))

    def save(self, commit: bool = True) -> Fieldwork:
        for name in _TEXT_FIELDS:
            setattr(self.instance, name, {
                code: self.cleaned_data[f"{name}_{code}"]
                for code, _language in settings.LANGUAGES
                if self.cleaned_data.get(f"{name}_{code}")})
        return super().save(commit)


class OpenLinkInline(admin.TabularInline):
    model = OpenLink
    fields = ("source", "is_active", "address")
    readonly_fields = ("address",)
    extra = 1

    @admin.display(description=_("address"))
    def address(self, link: OpenLink) -> str:
        if not link.pk:
            return "–"
        url = selectors.open_link_url(open_link=link)
        return format_html('<a href="{}">{}</a>', url, url)


class QuotaInline(admin.TabularInline):
    """The fieldwork's quotas, read-only: they are made and changed through
    ``services.quota_create``/``quota_update``, which check the condition."""

    model = Quota
    fields = ("name", "condition", "target", "is_active", "completes")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("completes"))
    def completes(self, quota: Quota) -> int:
        return quota.hits.filter(counted=True).count()


@admin.register(Fieldwork)
class FieldworkAdmin(admin.ModelAdmin):
    form = FieldworkForm
    list_display = ("name", "slug", "form_version", "opens_at", "closes_at", "window",
                    "completed")
    search_fields = ("name", "slug")
    readonly_fields = ("preview",)
    inlines = [OpenLinkInline]
    prepopulated_fields = {"slug": ("name",)}

    def get_inlines(self, request, obj=None):
        return [OpenLinkInline, QuotaInline] if obj is not None else [OpenLinkInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The per-language text boxes are made by FieldworkForm itself, not by the admin.
        kwargs["fields"] = list(FieldworkForm.Meta.fields)
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        texts = [f"{name}_{code}" for name in _TEXT_FIELDS for code, _l in settings.LANGUAGES]
        return [
            (None, {"fields": ["name", "slug", "form_version", "opens_at", "closes_at"]}),
            (_("Texts"), {"fields": texts}),
            (_("Preview"), {"fields": ["preview"]}),
        ]

    @admin.display(description=_("open?"))
    def window(self, fieldwork: Fieldwork) -> str:
        window = selectors.fieldwork_window(fieldwork=fieldwork, now=timezone.now())
        return {"before": _("not yet"), "open": _("open"), "after": _("closed")}[window]

    @admin.display(description=_("completed"))
    def completed(self, fieldwork: Fieldwork) -> int:
        return fieldwork.responses.filter(status=Response.Status.COMPLETED).count()

    @admin.display(description=_("preview"))
    def preview(self, fieldwork: Fieldwork) -> str:
        if not fieldwork.pk:
            return "–"
        url = reverse("fieldwork:preview", args=[fieldwork.form_version_id])
        return format_html('<a href="{}">{}</a>', url, _("Walk the questionnaire (nothing is "
                                                          "stored)"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not OpenLink:
            return super().save_formset(request, form, formset, change)
        links = formset.save(commit=False)
        for link in links:
            if link.pk is None:
                services.open_link_create(fieldwork=form.instance, source=link.source)
            else:
                link.save()
        for link in formset.deleted_objects:
            link.delete()
        return None


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(_ReadOnly):
    list_display = ("respondent_key", "fieldwork", "source", "status", "language",
                    "device_class", "started_at", "completed_at")
    list_filter = ("fieldwork", "status", "source", "language", "device_class")
    search_fields = ("respondent_key",)
    date_hierarchy = "started_at"


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ("fieldwork", "created_at", "started_at", "finished_at")
    list_filter = ("fieldwork",)
    exclude = ("token_hash",)
