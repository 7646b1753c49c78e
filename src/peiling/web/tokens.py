"""Personal access tokens of the data API: each user makes and revokes their own (a role no
higher than their own; the token is shown once), a beheerder sees and revokes every token of
the organisation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts import services
from peiling.accounts.models import ApiToken, Role
from peiling.accounts.permissions import (
    membership_of,
    object_for,
    researcher_page,
    scoped,
    user_may,
)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What it is for"), max_length=100,
                           widget=forms.TextInput(attrs={"class": "utrecht-textbox"}),
                           help_text=gettext_lazy("E.g. 'nightly R script' or 'Power BI'."))
    role = forms.ChoiceField(label=gettext_lazy("Role"),
                             widget=forms.Select(attrs={"class": "utrecht-select"}))
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1,
                              max_value=730, initial=365,
                              widget=forms.NumberInput(attrs={"class": "utrecht-textbox"}))

    def __init__(self, data, *, role: str) -> None:
        super().__init__(data)
        order = services.ROLE_ORDER
        self.fields["role"].choices = [(value, label) for value, label in Role.choices
                                       if order[Role(value)] <= order[Role(role)]]
        self.fields["role"].initial = Role.ANALIST


def _tokens(request: HttpRequest):
    tokens = ApiToken.objects.select_related("user")
    if user_may(request.user, "organisation.manage"):
        return scoped(request.user, "organisation.manage", tokens)
    return scoped(request.user, "study.view", tokens).filter(user=request.user)


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The tokens the user may see; a new one made, its text shown once."""
    membership = membership_of(request.user)
    form = TokenForm(request.POST or None, role=membership.role)
    made = ""
    if request.method == "POST" and form.is_valid():
        token, made = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], role=form.cleaned_data["role"],
            days=form.cleaned_data["days"])
        messages.success(request, _("The token '%(name)s' was made. Copy it now: it is not "
                                    "shown again.") % {"name": token.name})
        form = TokenForm(None, role=membership.role)
    status = 400 if request.method == "POST" and not made else 200
    return render(request, "web/organisation/tokens.html", {
        "tokens": _tokens(request), "form": form, "made": made, "now": timezone.now()},
        status=status)


@researcher_page("study.view")
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = object_for(request.user, "study.view", _tokens(request), pk=token_id)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token '%(name)s' was revoked.") % {"name": token.name})
    return redirect("web:tokens")


urlpatterns = [
    path("organisatie/api-sleutels/", tokens, name="tokens"),
    path("organisatie/api-sleutels/<int:token_id>/intrekken/", token_revoke,
         name="token_revoke"),
]
