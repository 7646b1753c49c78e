"""The data quality review of a fieldwork: the checks' counts per rule, their settings, and
the flagged responses, each kept or excluded (one by one or all of one rule). Views parse,
check permission, call ``fieldwork.reviews`` and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, researcher_page, user_may
from peiling.fieldwork.models import Fieldwork, ResponseReview
from peiling.fieldwork.quality import RULES, Rules
from peiling.fieldwork.reviews import (
    decisions_of,
    quality_flags,
    quality_rules_set,
    quality_summary,
    review_rule,
    review_set,
)

#: The rules as the page names them.
RULE_LABELS = {
    "speeder": gettext_lazy("Speeders"),
    "straightlining": gettext_lazy("Straight-lining"),
    "nonresponse": gettext_lazy("Item non-response"),
    "duplicate": gettext_lazy("Duplicates"),
    "nonsense": gettext_lazy("Nonsense in open answers"),
}
PER_PAGE = 50
STATES = ("open", "uitgesloten", "behouden")


class RulesForm(forms.Form):
    speeder = forms.BooleanField(label=gettext_lazy("Speeders"), required=False)
    speeder_percent = forms.IntegerField(
        label=gettext_lazy("Faster than this percentage of the median duration"),
        min_value=5, max_value=90)
    straightlining = forms.BooleanField(label=gettext_lazy("Straight-lining"), required=False)
    straightline_min = forms.IntegerField(
        label=gettext_lazy("Statements in a grid at least"), min_value=3, max_value=50)
    nonresponse = forms.BooleanField(label=gettext_lazy("Item non-response"), required=False)
    nonresponse_percent = forms.IntegerField(
        label=gettext_lazy("More than this percentage of the questions asked unanswered"),
        min_value=10, max_value=95)
    duplicate = forms.BooleanField(label=gettext_lazy("Duplicates (same device on an open "
                                                      "link, or the same answers)"),
                                   required=False)
    nonsense = forms.BooleanField(label=gettext_lazy("Nonsense in open answers"),
                                  required=False)

    @classmethod
    def of(cls, rules: Rules, data: Any = None) -> RulesForm:
        return cls(data, initial={
            "speeder": rules.speeder, "speeder_percent": round(rules.speeder_fraction * 100),
            "straightlining": rules.straightlining, "straightline_min": rules.straightline_min,
            "nonresponse": rules.nonresponse,
            "nonresponse_percent": round(rules.nonresponse_share * 100),
            "duplicate": rules.duplicate, "nonsense": rules.nonsense})

    def rules(self) -> Rules:
        data = self.cleaned_data
        return Rules(speeder=data["speeder"], speeder_fraction=data["speeder_percent"] / 100,
                     straightlining=data["straightlining"],
                     straightline_min=data["straightline_min"],
                     nonresponse=data["nonresponse"],
                     nonresponse_share=data["nonresponse_percent"] / 100,
                     duplicate=data["duplicate"], nonsense=data["nonsense"])


def _fieldwork(request: HttpRequest, slug: str, action: str) -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def quality_review(request: HttpRequest, slug: str) -> HttpResponse:
    """The counts per rule, the rules' settings, and the flagged responses (filtered by rule
    and by decision, ``?regel=...&status=open``)."""
    return _page(request, _fieldwork(request, slug, "report.view"))


def _page(request: HttpRequest, fieldwork: Fieldwork, form: RulesForm | None = None,
          status: int = 200) -> HttpResponse:
    quality = quality_flags(fieldwork=fieldwork)
    rule = request.GET.get("regel", "")
    state = request.GET.get("status", "")
    problem = ""
    if (rule and rule not in RULES) or (state and state not in STATES):
        problem, rule, state, status = _("Unknown rule or status."), "", "", 400
    decisions = decisions_of(fieldwork=fieldwork)
    rows = [row for row in (quality.rows if quality is not None else ())
            if (not rule or rule in row.rules) and _state(decisions.get(row.response_id)) in
            ((state,) if state else STATES)]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "web/quality/review.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "summary": quality_summary(fieldwork=fieldwork, quality=quality),
        "labels": RULE_LABELS, "page": page, "rule": rule, "state": state, "problem": problem,
        "query": urlencode({k: v for k, v in (("regel", rule), ("status", state)) if v}),
        "items": [(row, decisions.get(row.response_id)) for row in page],
        "form": form or RulesForm.of(quality.rules if quality else Rules()),
        "may_edit": user_may(request.user, "results.edit", fieldwork),
        "rule_choices": [(r, RULE_LABELS[r]) for r in RULES]}, status=status)


def _state(review: ResponseReview | None) -> str:
    if review is None:
        return "open"
    return "uitgesloten" if review.decision == ResponseReview.Decision.EXCLUDE else "behouden"


@researcher_page("results.edit")
@require_POST
def quality_decide(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep or exclude responses: those posted (``respons``), or every one a rule flags
    (``regel``)."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    decision = request.POST.get("besluit", "")
    if decision not in ResponseReview.Decision.values:
        return HttpResponse(_("Unknown decision."), status=400,
                            content_type="text/plain; charset=utf-8")
    rule = request.POST.get("regel", "")
    if rule:
        if rule not in RULES:
            return HttpResponse(_("Unknown rule."), status=400,
                                content_type="text/plain; charset=utf-8")
        count = review_rule(fieldwork=fieldwork, rule=rule, decision=decision,
                            user=request.user)
    else:
        try:
            ids = [int(v) for v in request.POST.getlist("respons")]
        except ValueError:
            return HttpResponse(_("Unknown response."), status=400,
                                content_type="text/plain; charset=utf-8")
        count = review_set(fieldwork=fieldwork, response_ids=ids, decision=decision,
                           user=request.user)
    if decision == ResponseReview.Decision.EXCLUDE:
        messages.success(request, _("%(n)s responses excluded from the analysis.")
                         % {"n": count})
    else:
        messages.success(request, _("%(n)s responses kept in the analysis.") % {"n": count})
    back = request.POST.get("terug", "")
    return redirect(back if back.startswith(reverse("web:quality", args=[fieldwork.slug]))
                    else reverse("web:quality", args=[fieldwork.slug]))


@researcher_page("results.edit")
@require_POST
def quality_rules(request: HttpRequest, slug: str) -> HttpResponse:
    """Set the rules of this fieldwork's checks."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    form = RulesForm(request.POST)
    if not form.is_valid():
        return _page(request, fieldwork, form, status=400)
    quality_rules_set(fieldwork=fieldwork, rules=form.rules())
    messages.success(request, _("The rules were saved; the flags follow them."))
    return redirect("web:quality", fieldwork.slug)


urlpatterns = [
    path("veldwerk/<slug:slug>/kwaliteit/", quality_review, name="quality"),
    path("veldwerk/<slug:slug>/kwaliteit/beslissen/", quality_decide, name="quality_decide"),
    path("veldwerk/<slug:slug>/kwaliteit/regels/", quality_rules, name="quality_rules"),
]
