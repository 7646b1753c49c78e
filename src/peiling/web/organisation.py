"""The organisation's own administration (beheerder): users and roles, and the audit log."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts import services
from peiling.accounts.models import AuditEvent, Membership, Role
from peiling.accounts.permissions import object_for, organisation_of, researcher_page, scoped
from peiling.web.forms import RoleForm, UserForm

AUDIT_PAGE_SIZE = 50


def _members(request: HttpRequest):
    return scoped(request.user, "organisation.manage",
                  Membership.objects.select_related("user")).order_by("user__email")


@researcher_page("organisation.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    """The organisation's users; a beheerder adds one, who then gets an e-mail to set a
    password."""
    form = UserForm(request.POST or None, roles=Role.choices)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                organisation=organisation_of(request.user), email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], name=form.cleaned_data["name"])
        except services.OrganisationError as error:
            form.add_error("email", str(error))
        else:
            reset = ResetPasswordForm({"email": user.email})
            if reset.is_valid():
                reset.save(request)
            messages.success(request, _("%(email)s was added and got an e-mail to set a "
                                        "password.") % {"email": user.email})
            return redirect("web:users")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/organisation/users.html", {
        "memberships": _members(request), "form": form, "roles": Role.choices}, status=status)


@researcher_page("organisation.manage")
@require_POST
def user_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = object_for(request.user, "organisation.manage",
                            Membership.objects.select_related("user"), pk=membership_id)
    form = RoleForm(request.POST, roles=Role.choices)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
    elif membership.user_id == request.user.pk:
        messages.error(request, _("You cannot change your own role; ask another beheerder."))
    else:
        services.membership_role_set(membership=membership, role=form.cleaned_data["role"])
        messages.success(request, _("%(email)s is now %(role)s.") % {
            "email": membership.user.email, "role": membership.get_role_display()})
    return redirect("web:users")


@researcher_page("organisation.manage")
@require_POST
def user_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = object_for(request.user, "organisation.manage",
                            Membership.objects.select_related("user"), pk=membership_id)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot switch off your own account."))
    else:
        active = request.POST.get("active") == "1"
        get_user_model().objects.filter(pk=membership.user_id).update(is_active=active)
        messages.success(request, (_("%(email)s can log in again.") if active else
                                   _("%(email)s can no longer log in."))
                         % {"email": membership.user.email})
    return redirect("web:users")


@researcher_page("audit.view")
@require_http_methods(["GET", "HEAD"])
def audit(request: HttpRequest) -> HttpResponse:
    events = scoped(request.user, "audit.view", AuditEvent.objects.all())
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(request, "web/organisation/audit.html", {"page": page})


urlpatterns = [
    path("organisatie/gebruikers/", users, name="users"),
    path("organisatie/gebruikers/<int:membership_id>/rol/", user_role, name="user_role"),
    path("organisatie/gebruikers/<int:membership_id>/actief/", user_active, name="user_active"),
    path("organisatie/audit/", audit, name="audit"),
]
