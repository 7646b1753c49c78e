"""The fieldwork admin: periods with their texts and open links; responses read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peiling.fieldwork import services
from peiling.fieldwork.models import Fieldwork, OpenLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("beheer", "b@example.nl", "x" * 12)
    client.force_login(user)
    return client


def test_a_fieldwork_with_texts_and_an_open_link_is_created_in_the_admin(admin,
                                                                           example_version):
    now = timezone.localtime()
    form = {
        "name": "Ambtenarenpanel 2018", "slug": "ambtenaren-2018",
        "form_version": example_version.pk,
        "opens_at_0": now.strftime("%Y-%m-%d"), "opens_at_1": "09:00:00",
        "closes_at_0": (now + dt.timedelta(days=14)).strftime("%Y-%m-%d"),
        "closes_at_1": "17:00:00",
        "intro_nl": "Welkom", "intro_en": "", "thank_you_nl": "Dank", "thank_you_en": "Thanks",
        "open_links-TOTAL_FORMS": "1", "open_links-INITIAL_FORMS": "0",
        "open_links-0-source": "nieuwsbrief", "open_links-0-is_active": "on",
    }
    page = admin.post("/admin/fieldwork/fieldwork/add/", form)
    assert page.status_code == 302, page.content.decode()[:3000]
    fieldwork = Fieldwork.objects.get()
    assert (fieldwork.intro, fieldwork.thank_you) == ({"nl": "Welkom"},
                                                      {"nl": "Dank", "en": "Thanks"})
    link = OpenLink.objects.get()
    assert link.source == "nieuwsbrief" and len(link.key) == 12
    change = admin.get(f"/admin/fieldwork/fieldwork/{fieldwork.pk}/change/").content.decode()
    assert f"/s/o/{link.key}/" in change and f"/s/voorbeeld/{example_version.pk}/" in change


def test_responses_and_invitations_are_read_only(admin, example_fieldwork):
    services.invitation_create(fieldwork=example_fieldwork)
    services.responses_simulate(fieldwork=example_fieldwork, n=3, seed=1)
    assert admin.get("/admin/fieldwork/response/").status_code == 200
    assert admin.get("/admin/fieldwork/invitation/").status_code == 200
    assert admin.get("/admin/fieldwork/response/add/").status_code == 403
    assert admin.get("/admin/fieldwork/fieldwork/").status_code == 200
