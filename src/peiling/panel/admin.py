"""Admin for panels: members with their participation history, consent, bounces, erasure and
export; samples, invitations and erasure records read-only. Actions call services."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peiling.accounts.models import AuditEvent
from peiling.accounts.services import audit_record
from peiling.panel import mailing, selectors, services
from peiling.panel.emails import email_normalise
from peiling.panel.errors import PanelError
from peiling.panel.models import (
    ConsentRecord,
    Delivery,
    ErasureRecord,
    Member,
    Panel,
    PanelInvitation,
    ReminderSchedule,
    Sample,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "profile", "max_invitations_per_30_days",
                    "min_days_between_invitations", "created_at")
    readonly_fields = ("profile", "created_at")

    def has_add_permission(self, request):
        return False  # `peiling panel create` checks the profile form


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    fields = ("purpose", "text_version", "given_at", "withdrawn_at")


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ("email", "name", "language", "recruitment_source", "recruited_on")

    def clean_email(self):
        try:
            return email_normalise(self.cleaned_data.get("email") or "")
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberForm
    list_display = ("email", "name", "panel", "status", "recruitment_source", "recruited_on")
    list_filter = ("panel", "status", "recruitment_source")
    search_fields = ("email", "name")
    readonly_fields = ("panel", "status", "status_changed_at", "profile_table",
                       "participation", "created_at", "updated_at")
    fields = ("panel", "email", "name", "language", "status", "status_changed_at",
              "recruitment_source", "recruited_on", "profile_table", "participation",
              "created_at", "updated_at")
    inlines = [ConsentInline]
    actions = ["record_bounce", "pause", "reactivate", "export_json", "erase"]

    def has_add_permission(self, request):
        return False  # members come in through `peiling panel import`

    def has_delete_permission(self, request, obj=None):
        return False  # erasure keeps the answers and an audit record; deleting would not

    # Each action names the permission it needs: Django offers (and runs) an action only for a
    # user who has it; a user who may only view members gets none of them. The admin is the
    # back office: Django's model permissions apply here, not the organisation roles.
    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("panel.export_member")

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("panel.erase_member")

    @admin.display(description=_("profile"))
    def profile_table(self, member: Member):
        rows = ((name, value, member.profile_updated.get(name, ""))
                for name, value in member.profile.items())
        return format_html("<table><tbody>{}</tbody></table>", format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)) if member.profile else "-"

    @admin.display(description=_("participation"))
    def participation(self, member: Member):
        history = selectors.member_participation(member=member)
        if not history:
            return "-"

        def when(value):
            return value.strftime("%Y-%m-%d %H:%M") if value else "-"

        rows = ((p.fieldwork_name, when(p.invited_at), ", ".join(map(when, p.reminded_at)) or "-",
                 when(p.started_at), when(p.completed_at), p.status) for p in history)
        header = format_html_join("", "<th>{}</th>", ((str(t),) for t in (
            _("fieldwork"), _("invited"), _("reminded"), _("started"), _("completed"),
            _("outcome"))))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header,
                           format_html_join("", "<tr>" + "<td>{}</td>" * 6 + "</tr>", rows))

    @admin.action(permissions=["change"],
                  description=_("Record a bounce for the selected members"))
    def record_bounce(self, request: HttpRequest, queryset: QuerySet[Member]):
        members = list(queryset.exclude(status=Member.Status.ERASED).select_related("panel"))
        for member in members:
            services.member_bounce(member=member)
        self.message_user(request, ngettext("Bounce recorded for %(n)d member.",
                                            "Bounce recorded for %(n)d members.",
                                            len(members)) % {"n": len(members)})

    @admin.action(permissions=["change"],
                  description=_("Pause the selected members"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Member]):
        self._set_status(request, queryset, Member.Status.PAUSED)

    @admin.action(permissions=["change"],
                  description=_("Make the selected paused members active again"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Member]):
        self._set_status(request, queryset.filter(status=Member.Status.PAUSED),
                         Member.Status.ACTIVE)

    def _set_status(self, request, queryset, status):
        members = list(queryset.filter(status__in=[Member.Status.ACTIVE, Member.Status.PAUSED]))
        for member in members:
            services.member_status_set(member=member, status=status)
        self.message_user(request, ngettext("%(n)d member changed.", "%(n)d members changed.",
                                            len(members)) % {"n": len(members)})

    @admin.action(permissions=["export"],
                  description=_("Export everything held on the selected member (JSON)"))
    def export_json(self, request: HttpRequest, queryset: QuerySet[Member]):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one member to export."),
                              messages.WARNING)
            return None
        member = queryset.select_related("panel").get()
        data = selectors.member_export(member=member)
        audit_record(user=request.user, action=AuditEvent.Action.MEMBER_EXPORTED,
                     target_type="member", target_id=member.pk,
                     organisation=member.panel.organisation, detail=member.panel.slug,
                     channel="admin")
        response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2,
                                           ensure_ascii=False),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="member-{queryset.get().pk}.json"'
        return response

    @admin.action(permissions=["erase"],
                  description=_("Erase the selected members (cannot be undone)"))
    def erase(self, request: HttpRequest, queryset: QuerySet[Member]):
        members = list(queryset.exclude(status=Member.Status.ERASED).select_related("panel"))
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "members": members,
                       "opts": self.model._meta, "title": _("Erase members"),
                       "action": "erase", "selected": request.POST.getlist("_selected_action")}
            return TemplateResponse(request, "panel/admin/erase_confirm.html", context)
        for member in members:
            services.member_erase(member=member, user=request.user)
            audit_record(user=request.user, action=AuditEvent.Action.MEMBER_ERASED,
                         target_type="member", target_id=member.pk,
                         organisation=member.panel.organisation, detail=member.panel.slug,
                         channel="admin")
        self.message_user(request, ngettext("%(n)d member erased.", "%(n)d members erased.",
                                            len(members)) % {"n": len(members)})
        return None


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("number", "state", "claimed_at", "sent_at", "message_id", "error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PanelInvitation)
class PanelInvitationAdmin(ReadOnlyAdmin):
    list_display = ("fieldwork", "member", "stratum", "drawn_at", "bounced_at",
                    "unsubscribed_at")
    list_filter = ("fieldwork",)
    search_fields = ("member__email",)
    exclude = ("link_nonce",)
    inlines = [DeliveryInline]


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = ("fieldwork", "panel", "method", "size", "drawn", "seed", "created_at")
    list_filter = ("panel", "fieldwork")


class ReminderScheduleForm(forms.ModelForm):
    class Meta:
        model = ReminderSchedule
        fields = ("fieldwork", "days")

    def clean(self):
        cleaned = super().clean()
        days = cleaned.get("days")
        if not isinstance(days, list):
            raise forms.ValidationError(_("Write the days as a list, e.g. [4, 8]."))
        return cleaned


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    form = ReminderScheduleForm
    list_display = ("fieldwork", "days")

    def save_model(self, request, obj, form, change):
        try:
            saved = mailing.reminder_schedule_set(fieldwork=obj.fieldwork, days=obj.days)
        except PanelError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    list_display = ("erased_at", "panel", "reason", "invitations_unlinked", "consents_deleted",
                    "erased_by")
    list_filter = ("panel", "reason")
