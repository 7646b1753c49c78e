"""Panels: the list, the members (search and filters), a member's page with their history,
member imports with a dry run, and the AVG rights: export (art. 15) and erasure (art. 17).

Views parse, ask ``accounts.permissions``, call one service or selector of ``panel``, and
render. Every view that shows or hands out contact data writes an audit event; its detail
names the panel and what was asked, never an address or a name.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peiling.accounts.models import AuditEvent
from peiling.accounts.permissions import (
    object_for,
    organisation_of,
    researcher_page,
    scoped,
    user_may,
)
from peiling.accounts.services import audit_record
from peiling.forms.errors import FormError
from peiling.forms.xlsform import MAX_FILE_BYTES as FORM_FILE_BYTES
from peiling.jobs.models import Job
from peiling.jobs.services import job_input_take, job_start
from peiling.panel import selectors, services
from peiling.panel.errors import PanelError
from peiling.panel.models import Member, Panel
from peiling.panel.profile import ProfileVariable
from peiling.panel.rows import MAX_FILE_BYTES
from peiling.web.jobs import POLL_SECONDS

MEMBERS_PAGE_SIZE = 50
#: The largest member file the web app takes (what ``panel.rows`` reads at most).
MAX_UPLOAD_BYTES = MAX_FILE_BYTES
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")
#: Query parameters of the member list that a profile variable may not take as its name.
RESERVED_PARAMETERS = frozenset({"q", "status", "pagina"})

DISPOSITION_LABELS = {
    "completed": gettext_lazy("completed"),
    "screened_out": gettext_lazy("screened out"),
    "quota_full": gettext_lazy("quota full"),
    "started": gettext_lazy("started, not finished"),
    "unsubscribed": gettext_lazy("unsubscribed"),
    "bounced": gettext_lazy("e-mail bounced"),
    "not_sent": gettext_lazy("invitation not sent yet"),
    "no_response": gettext_lazy("no response"),
}
#: What a dry run says it would do with a row, and what an import did.
IMPORT_ACTION_LABELS = {
    "created": gettext_lazy("add"),
    "updated": gettext_lazy("update"),
    "unchanged": gettext_lazy("no change"),
    "refused": gettext_lazy("refuse"),
}


# -- forms ----------------------------------------------------------------------------------


class MemberFilter(forms.Form):
    """The member list's filters: a search term, a status and one choice per select variable."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=254,
                        help_text=gettext_lazy("Part of an e-mail address or a name."),
                        widget=forms.TextInput(attrs={"class": "utrecht-textbox",
                                                      "type": "search"}))
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               widget=forms.Select(attrs={"class": "utrecht-select"}))

    def __init__(self, *args: Any, variables: tuple[ProfileVariable, ...],
                 choices: dict[str, tuple[tuple[str, str], ...]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("all")), *Member.Status.choices]
        #: form field name -> profile variable name
        self.profile_fields: dict[str, str] = {}
        for variable in variables:
            if variable.name not in choices:
                continue
            field_name = (f"profiel_{variable.name}" if variable.name in RESERVED_PARAMETERS
                          else variable.name)
            self.fields[field_name] = forms.ChoiceField(
                label=variable.label or variable.name, required=False,
                choices=[("", _("all")), *choices[variable.name]],
                widget=forms.Select(attrs={"class": "utrecht-select"}))
            self.profile_fields[field_name] = variable.name

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of ``selectors.members_filter`` for the valid filters set."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        profile = {variable: data[field] for field, variable in self.profile_fields.items()
                   if data.get(field)}
        return {"search": (data.get("q") or "").strip(), "status": data.get("status") or "",
                "profile": profile}

    def names_used(self) -> list[str]:
        """The filters set, by name only: the search term is "zoekterm", never its text."""
        filters = self.filters()
        names = ["zoekterm"] if filters.get("search") else []
        if filters.get("status"):
            names.append("status")
        names += sorted(filters.get("profile", {}))
        return names


class MemberFileUpload(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Member file (.csv or .xlsx)"),
        help_text=gettext_lazy("The first row names the columns: email, optionally name, language, "
                        "recruitment_source, recruited_on, and the profile variables."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    consent_version = forms.CharField(
        label=gettext_lazy("Version of the consent text"), required=False, max_length=50,
        help_text=gettext_lazy("New members get a consent record for panel membership under this "
                        "version, e.g. 2024-1. Leave empty to record no consent."),
        widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))

    def clean_file(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in IMPORT_SUFFIXES:
            raise forms.ValidationError(
                _("%(name)s is not a CSV or Excel (.xlsx) file; save the member list as "
                  "CSV UTF-8 or as an Excel workbook (.xlsx).") % {"name": upload.name})
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; member files over %(limit)d MB are refused. "
                  "Split the list into smaller files.")
                % {"size": upload.size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024})
        return upload.name, upload.read()


class EraseForm(forms.Form):
    understood = forms.BooleanField(
        label=gettext_lazy("I understand that the erasure cannot be undone"),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you understand.")})


# -- views ----------------------------------------------------------------------------------


def _panel(request: HttpRequest, slug: str, action: str = "panel.view") -> Panel:
    return object_for(request.user, action,
                      Panel.objects.select_related("profile", "organisation"), slug=slug)


def _member(request: HttpRequest, panel: Panel, member_id: int,
            action: str = "panel.view") -> Member:
    member = object_for(request.user, action, Member.objects.filter(panel=panel), pk=member_id)
    member.panel = panel
    return member


def _audit(request: HttpRequest, action: str, target: Panel | Member, panel: Panel,
           detail: str) -> None:
    audit_record(user=request.user, action=action, target_type=target._meta.model_name,
                 target_id=target.pk, organisation=panel.organisation, detail=detail)


@researcher_page("panel.view")
@require_http_methods(["GET", "HEAD"])
def panel_list(request: HttpRequest) -> HttpResponse:
    panels = selectors.panels_overview(
        panels=scoped(request.user, "panel.view", Panel.objects.all()))
    return render(request, "web/panel/list.html", {
        "panels": panels, "statuses": Member.Status.choices,
        "may_manage": user_may(request.user, "panel.manage")})


class PanelForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    slug = forms.SlugField(label=gettext_lazy("Short name"), max_length=100,
                           help_text=gettext_lazy("Letters, digits and hyphens; used in "
                                                  "addresses."))
    profile = forms.FileField(
        label=gettext_lazy("Profile questionnaire (XLSForm)"),
        help_text=gettext_lazy("Its questions are the profile variables of the members, e.g. "
                               "type of organisation; select_one questions can be strata."))
    max_invitations_per_30_days = forms.IntegerField(
        label=gettext_lazy("Invitations per 30 days at most"), min_value=1, max_value=30,
        initial=2)
    min_days_between_invitations = forms.IntegerField(
        label=gettext_lazy("Days between two invitations at least"), min_value=0,
        max_value=365, initial=7)

    def clean_profile(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["profile"]
        if upload.size > FORM_FILE_BYTES:
            raise forms.ValidationError(_("The file is %(size).1f MB; an XLSForm is at most "
                                          "%(limit)d MB.") % {
                "size": upload.size / 1024 / 1024, "limit": FORM_FILE_BYTES // 1024 // 1024})
        return upload.name, upload.read()


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def panel_create(request: HttpRequest) -> HttpResponse:
    """A new panel: its profile questionnaire and its contact rules."""
    form = PanelForm(request.POST or None, request.FILES or None)
    problems: Any = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        name, source = data["profile"]
        try:
            panel = services.panel_create(
                slug=data["slug"], name=data["name"], profile_source=source, profile_name=name,
                user=request.user, organisation=organisation_of(request.user),
                max_invitations_per_30_days=data["max_invitations_per_30_days"],
                min_days_between_invitations=data["min_days_between_invitations"])
        except FormError as error:
            problems = error.problems
        except PanelError as error:
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The panel %(name)s was made; import its members "
                                        "next.") % {"name": panel.name})
            return redirect("web:member_import", panel.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/panel/create.html", {"form": form, "problems": problems},
                  status=status)


class PublicPageForm(forms.Form):
    signup_open = forms.BooleanField(
        label=gettext_lazy("Open for sign-up"), required=False,
        help_text=gettext_lazy("Anyone may join through the public page; the address is "
                               "confirmed by e-mail before the member can be sampled."))
    description = forms.CharField(
        label=gettext_lazy("About the panel"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What the panel is and why joining matters (plain text)."))
    privacy_statement = forms.CharField(
        label=gettext_lazy("Privacy statement"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("What the panel keeps, why, how long, and the members' "
                               "rights (plain text)."))
    consent_text = forms.CharField(
        label=gettext_lazy("Consent text"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What a new member agrees to, shown next to the box they tick."))
    consent_version = forms.CharField(
        label=gettext_lazy("Version of the consent text"), required=False, max_length=50,
        help_text=gettext_lazy("Recorded with every consent; change it with the text."))


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def panel_public(request: HttpRequest, slug: str) -> HttpResponse:
    """The panel's public page and sign-up: what it says, whether it is open, its address."""
    panel = _panel(request, slug, "panel.manage")
    initial = {name: getattr(panel, name) for name in PublicPageForm.base_fields}
    form = PublicPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.panel_public_set(panel=panel, **form.cleaned_data)
        except PanelError as error:
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The public page was saved."))
            return redirect("web:panel_public", panel.slug)
    address = settings.PEILING_BASE_URL + reverse("panel:public", args=[panel.slug])
    return render(request, "web/panel/public.html", {
        "panel": panel, "form": form, "address": address},
        status=400 if form.errors else 200)


@researcher_page("panel.view")
@require_http_methods(["GET", "HEAD"])
def panel_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The members, filtered and paginated; a constant number of queries."""
    panel = _panel(request, slug)
    variables = selectors.panel_variables(panel=panel)
    choices = selectors.profile_choice_labels(panel=panel)
    filters = MemberFilter(request.GET or None, variables=variables, choices=choices)
    members = selectors.members_filter(panel=panel, **filters.filters())
    page = Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    shown = [variable for variable in variables if variable.name in choices]
    labels = {name: dict(options) for name, options in choices.items()}
    rows = [{"member": member,
             "values": [selectors.value_shown(member.profile.get(variable.name),
                                              labels[variable.name]) for variable in shown]}
            for member in page.object_list]
    used = filters.names_used()
    _audit(request, AuditEvent.Action.MEMBERS_SEARCHED, panel, panel,
           f"{panel.slug}; filter: {', '.join(used)}" if used else panel.slug)
    return render(request, "web/panel/page.html", {
        "panel": panel, "filters": filters, "page": page, "rows": rows, "shown": shown,
        "query": query.urlencode(), "filtered": bool(used),
        "may_manage": user_may(request.user, "panel.manage")},
        status=400 if filters.errors else 200)


@researcher_page("panel.view")
@require_http_methods(["GET", "HEAD"])
def member_page(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """Contact data, status, profile and history: invitations, consent, contact rules."""
    panel = _panel(request, slug)
    member = _member(request, panel, member_id)
    choices = selectors.profile_choice_labels(panel=panel)
    profile = [{"variable": variable,
                "value": selectors.value_shown(member.profile.get(variable.name),
                                               dict(choices.get(variable.name, ()))),
                "updated": member.profile_updated.get(variable.name)}
               for variable in selectors.panel_variables(panel=panel)]
    history = [{"item": item, "disposition": DISPOSITION_LABELS.get(item.status, item.status)}
               for item in selectors.member_participation(member=member)]
    _audit(request, AuditEvent.Action.MEMBER_VIEWED, member, panel, panel.slug)
    return render(request, "web/panel/member.html", {
        "panel": panel, "member": member, "profile": profile, "history": history,
        "consents": selectors.member_consents(member=member),
        "contact": selectors.member_contact_state(member=member, now=timezone.now()),
        "erased": member.status == Member.Status.ERASED,
        "may_export": user_may(request.user, "member.export"),
        "may_erase": user_may(request.user, "member.erase")})


@researcher_page("member.export")
@require_http_methods(["GET", "HEAD", "POST"])
def member_export(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """GET: what the export holds and a button; POST: the member's data as a JSON file."""
    panel = _panel(request, slug, "member.export")
    member = _member(request, panel, member_id, "member.export")
    if request.method != "POST":
        return render(request, "web/panel/export.html", {"panel": panel, "member": member})
    data = selectors.member_export(member=member)
    _audit(request, AuditEvent.Action.MEMBER_EXPORTED, member, panel, panel.slug)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{panel.slug}-lid-{member.pk}.json"')
    return response


@researcher_page("member.erase")
@require_http_methods(["GET", "HEAD", "POST"])
def member_erase(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """GET: what erasure does, and the confirmation; POST (box ticked): erase."""
    panel = _panel(request, slug, "member.erase")
    member = _member(request, panel, member_id, "member.erase")
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_erase(member=member, user=request.user)
        except PanelError as error:
            messages.error(request, " ".join(error.problems))
            return redirect("web:member", panel.slug, member.pk)
        _audit(request, AuditEvent.Action.MEMBER_ERASED, member, panel, panel.slug)
        messages.success(request, _("Member %(id)d was erased: contact data, profile and "
                                    "consent records are gone, personal links no longer "
                                    "work; the answers stay, anonymous.") % {"id": member.pk})
        return redirect("web:panel", panel.slug)
    return render(request, "web/panel/erase.html", {
        "panel": panel, "member": member, "form": form,
        "erased": member.status == Member.Status.ERASED},
        status=400 if form.errors else 200)


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def member_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Import members in two steps. This page takes the file and starts its check (a dry
    run, in the task queue: a large file takes longer than a request may); the check's page
    shows what the import would do and starts the import of the same file once confirmed."""
    panel = _panel(request, slug, "panel.manage")
    if request.method != "POST":
        return _import_page(request, panel, MemberFileUpload())
    upload = MemberFileUpload(request.POST, request.FILES)
    if not upload.is_valid():
        return _import_page(request, panel, upload, status=400)
    name, data = upload.cleaned_data["file"]
    check = job_start(kind="members_check", organisation=panel.organisation, user=request.user,
                      action="panel.manage",
                      title=_("Check of %(name)s for %(panel)s") % {"name": name,
                                                                   "panel": panel.name},
                      payload={"panel": panel.pk, "name": name,
                               "consent_version": upload.cleaned_data["consent_version"]},
                      data=data)
    # The check's job page (/taken/<id>/) leads back to where its outcome is shown.
    url = reverse("web:member_import_check", args=[panel.slug, check.pk])
    Job.objects.filter(pk=check.pk).update(back_url=url)
    return redirect(url)


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def member_import_check(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """GET: the check's progress, then what the import would do per row; POST: import the
    checked file (once)."""
    panel = _panel(request, slug, "panel.manage")
    checks = (Job.objects.defer("input", "output")
              .filter(kind="members_check", payload__panel=panel.pk)
              .annotate(kept=ExpressionWrapper(Q(input__isnull=False),
                                               output_field=BooleanField())))
    check = object_for(request.user, "panel.manage", checks, pk=job_id)
    if request.method != "POST":
        return _import_page(request, panel, MemberFileUpload(), check=check)
    data = job_input_take(job=check)
    if data is None:
        return _import_page(request, panel, MemberFileUpload(), check=check, problems=[
            _("There is no checked file to import (any more). Upload the file again to check "
              "it first.")], status=400)
    job = job_start(kind="members_import", organisation=panel.organisation, user=request.user,
                    action="panel.manage",
                    title=_("Member import into %(panel)s") % {"panel": panel.name},
                    payload={key: check.payload[key]
                             for key in ("panel", "name", "consent_version")},
                    data=data, back_url=reverse("web:panel", args=[panel.slug]))
    return redirect("web:job", job.pk)


def _import_page(request: HttpRequest, panel: Panel, upload: MemberFileUpload, *,
                 check: Job | None = None, problems: Any = (),
                 status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"panel": panel, "upload": upload, "check": check,
                               "problems": problems, "poll": POLL_SECONDS}
    result = check.result if check is not None and check.status == Job.Status.DONE else {}
    if result.get("problems"):
        context["check_problems"] = result["problems"]
    elif "actions" in result:
        counts = result["actions"]
        context["report"] = {
            "counts": [(label, counts.get(action, 0))
                       for action, label in IMPORT_ACTION_LABELS.items()],
            "rows": [{"row": row, "action": IMPORT_ACTION_LABELS[action], "reason": reason,
                      "changed": changed} for row, action, reason, changed in result["rows"]],
            "total": result["total"], "shown": len(result["rows"]),
            "cut": result["total"] > len(result["rows"]),
            "importable": bool(counts.get("created") or counts.get("updated")),
        }
    template = ("web/panel/_import_check.html" if request.htmx and check is not None
                else "web/panel/import.html")
    return render(request, template, context, status=status)


urlpatterns = [
    path("panels/", panel_list, name="panels"),
    path("nieuw-panel/", panel_create, name="panel_create"),  # not under panels/: a slug
    path("panels/<slug:slug>/", panel_page, name="panel"),
    path("panels/<slug:slug>/openbaar/", panel_public, name="panel_public"),
    path("panels/<slug:slug>/import/", member_import, name="member_import"),
    path("panels/<slug:slug>/import/controle/<int:job_id>/", member_import_check,
         name="member_import_check"),
    path("panels/<slug:slug>/leden/<int:member_id>/", member_page, name="member"),
    path("panels/<slug:slug>/leden/<int:member_id>/export/", member_export,
         name="member_export"),
    path("panels/<slug:slug>/leden/<int:member_id>/wissen/", member_erase, name="member_erase"),
]
