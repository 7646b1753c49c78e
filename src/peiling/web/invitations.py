"""Sampling from the panel and inviting, in the browser: the design, the counts it leaves per
stratum and per exclusion rule before anything is drawn, then draw, and send now or later.

The preview is a GET form (nothing is stored; it works without JavaScript); drawing is a POST
with the same design and seed, so the sample stored is the one previewed.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peiling.accounts.permissions import object_for, researcher_page, scoped
from peiling.fieldwork.models import Fieldwork
from peiling.jobs.services import task_timeout
from peiling.panel import mailing, selectors
from peiling.panel.errors import PanelError, SampleChanged, SampleError
from peiling.panel.models import Panel
from peiling.panel.samples import (
    SampleDesign,
    exclusion_label,
    sample_commit,
    sample_preview,
)
from peiling.web.forms import DateTimeInput


class SampleForm(forms.Form):
    panel = forms.ModelChoiceField(queryset=Panel.objects.none(), to_field_name="slug",
                                   label=gettext_lazy("Panel"), empty_label=None)
    method = forms.ChoiceField(label=gettext_lazy("Design"), choices=[
        ("simple", gettext_lazy("simple random sample")),
        ("proportional", gettext_lazy("stratified, proportional to the panel"))])
    variables = forms.MultipleChoiceField(
        label=gettext_lazy("Strata (for a stratified sample)"), required=False,
        widget=forms.CheckboxSelectMultiple)
    size = forms.IntegerField(label=gettext_lazy("Sample size"), min_value=1,
                              max_value=1_000_000)
    seed = forms.IntegerField(label=gettext_lazy("Seed"), min_value=0, max_value=2**31 - 1,
                              help_text=gettext_lazy("The same seed draws the same sample."))

    def __init__(self, *args, panels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = panels
        names: dict[str, str] = {}
        for panel in panels:
            for variable in selectors.panel_variables(panel=panel):
                if variable.is_categorical:
                    names.setdefault(variable.name, variable.label or variable.name)
        self.fields["variables"].choices = sorted(names.items())
        self.initial.setdefault("seed", secrets.randbelow(10**6))

    def design(self) -> SampleDesign:
        data = self.cleaned_data
        return SampleDesign(method=data["method"], variables=tuple(data["variables"]),
                            size=data["size"], seed=data["seed"])


class SendForm(forms.Form):
    when = forms.ChoiceField(label=gettext_lazy("Send the invitations"), initial="now",
                             widget=forms.RadioSelect, choices=[
                                 ("now", gettext_lazy("now")),
                                 ("later", gettext_lazy("at a moment I choose"))])
    send_at = forms.DateTimeField(label=gettext_lazy("Moment"), required=False,
                                  initial=lambda: _in_an_hour(),
                                  widget=DateTimeInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later" and not cleaned.get("send_at"):
            self.add_error("send_at", _("Choose the moment to send."))
        return cleaned


def _in_an_hour() -> dt.datetime:
    """The moment field's first value: an hour from now, on the minute."""
    return (timezone.localtime() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)


def _fieldwork(request: HttpRequest, slug: str) -> Fieldwork:
    return object_for(request.user, "panel.manage",
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _strata(plan) -> list[tuple[str, object]]:
    """The plan's strata with the choice labels a researcher knows them by."""
    labels = {name: dict(choices) for name, choices
              in selectors.profile_choice_labels(panel=plan.panel).items()}
    return [(" / ".join(labels.get(name, {}).get(value, value)
                        for name, value in zip(plan.design.variables, stratum.key, strict=True)),
             stratum) for stratum in plan.strata]


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the design form, and with a design the preview; POST: draw and send."""
    fieldwork = _fieldwork(request, slug)
    panels = scoped(request.user, "panel.manage", Panel.objects.select_related("profile"))
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = SampleForm(data, panels=panels)
    send = SendForm(request.POST if request.method == "POST" else None)
    plan, status = None, 200
    if form.is_bound and form.is_valid():
        try:
            plan = sample_preview(panel=form.cleaned_data["panel"], fieldwork=fieldwork,
                                  design=form.design())
        except SampleError as error:
            for problem in error.problems:
                form.add_error(None, problem)
            status = 400
    elif form.is_bound:
        status = 400
    if request.method == "POST" and plan is not None:
        if send.is_valid():
            response = _draw_and_send(request, fieldwork, plan, send.cleaned_data)
            if response is not None:
                return response
        status = 400
    return render(request, "web/invitations/invite.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "form": form,
        "send": send, "plan": plan,
        "exclusions": [(exclusion_label(reason, plan.panel), n)
                       for reason, n in plan.excluded.items()] if plan else [],
        "eligible": sum(stratum.eligible for stratum in plan.strata) if plan else 0,
        "strata": _strata(plan) if plan else [],
    }, status=status)


def _draw_and_send(request: HttpRequest, fieldwork: Fieldwork, plan,
                   choice) -> HttpResponse | None:
    try:
        sample_commit(plan=plan, user=request.user)
    except SampleChanged as error:
        messages.error(request, str(error))
        return None
    try:
        if choice["when"] == "later":
            mailing.invitations_schedule(fieldwork=fieldwork, at=choice["send_at"])
            note = _("%(n)d members drawn; their invitations go out on %(moment)s.") % {
                "n": plan.drawn,
                "moment": timezone.localtime(choice["send_at"]).strftime("%d-%m-%Y %H:%M")}
        else:
            report = mailing.invitations_queue(fieldwork=fieldwork)
            note = _("%(n)d members drawn; %(messages)d invitations are being sent.") % {
                "n": plan.drawn, "messages": report.messages}
    except PanelError as error:
        messages.warning(request, _("%(n)d members drawn, but the invitations were not sent: "
                                    "%(error)s") % {"n": plan.drawn, "error": error})
    else:
        messages.success(request, note)
    return redirect("web:fieldwork", fieldwork.slug)


def delivery_rows(fieldwork: Fieldwork) -> dict:
    """How many members were invited, and the e-mail per message (invitation, reminders)
    and state; what is not in a state yet waits in the task queue."""
    summary = selectors.deliveries_summary(fieldwork=fieldwork)
    invited = selectors.panel_invitations(fieldwork=fieldwork).count()
    rows: dict[int, dict] = {}
    for (number, state), count in sorted(summary.items()):
        row = rows.setdefault(number, {"number": number, "sent": 0, "failed": 0,
                                       "claimed": 0, "unknown": 0})
        row[state] = row.get(state, 0) + count
    for row in rows.values():  # reminders go only to some: their queue is not counted here
        row["waiting"] = (invited - row["sent"] - row["failed"] - row["claimed"]
                          - row["unknown"]) if row["number"] == 0 else None
    if invited and 0 not in rows:
        rows[0] = {"number": 0, "sent": 0, "failed": 0, "claimed": 0, "unknown": 0,
                   "waiting": invited}
    return {"invited": invited, "rows": [rows[number] for number in sorted(rows)],
            "reminder_days": selectors.reminder_days(fieldwork=fieldwork),
            "unknown": sum(row["unknown"] for row in rows.values()),
            "timeout_minutes": round(task_timeout().total_seconds() / 60)}


class ReminderForm(forms.Form):
    days = forms.CharField(
        label=gettext_lazy("Reminders, days after the invitation"), required=False,
        max_length=50, help_text=gettext_lazy("E.g. 4, 8: two reminders. Empty: none."))

    def clean_days(self) -> list[int]:
        text = self.cleaned_data["days"].replace(";", ",")
        try:
            days = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            days = None
        if days is None or any(day < 1 for day in days) or days != sorted(set(days)):
            raise forms.ValidationError(_("Give whole numbers of days of 1 or more, rising, "
                                          "separated by commas (e.g. 4, 8)."))
        return days


@researcher_page("panel.manage")
@require_http_methods(["POST"])
def reminders(request: HttpRequest, slug: str) -> HttpResponse:
    """Set when reminders go out: days after each member's invitation."""
    fieldwork = _fieldwork(request, slug)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["days"]))
    else:
        try:
            mailing.reminder_schedule_set(fieldwork=fieldwork, days=form.cleaned_data["days"])
        except PanelError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The reminder schedule was saved."))
    return redirect("web:fieldwork", fieldwork.slug)


@researcher_page("panel.manage")
@require_http_methods(["POST"])
def deliveries_release(request: HttpRequest, slug: str) -> HttpResponse:
    """Send again the e-mails whose sending nobody confirmed ("onbekend": claimed longer than
    the task timeout ago, the worker died in between) — the researcher's decision, after
    checking the mail server's log, never automatic: a message that did go out goes twice."""
    fieldwork = _fieldwork(request, slug)
    released = mailing.deliveries_release_unknown(fieldwork=fieldwork)
    if released:
        mailing.invitations_queue(fieldwork=fieldwork)
        mailing.reminders_queue(fieldwork=fieldwork)
    messages.success(request, _("%(n)d unconfirmed e-mails released; they are being sent "
                                "again.") % {"n": released})
    return redirect("web:fieldwork", fieldwork.slug)


urlpatterns = [
    path("veldwerk/<slug:slug>/uitnodigen/", invite, name="invite"),
    path("veldwerk/<slug:slug>/onbekend-versturen/", deliveries_release,
         name="deliveries_release"),
    path("veldwerk/<slug:slug>/herinneringen/", reminders, name="reminders"),
]
