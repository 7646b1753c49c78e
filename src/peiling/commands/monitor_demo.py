"""The demo's monitor study: a citizens' panel asked the same core questions in 2021, 2023
and 2025 (seed 003's kind of monitor), with a question renamed after the first wave and an
answer recoded, so that the trends page and the report's chapter "Ontwikkeling" have
something to show. Made once; used by ``peiling demo``."""

from __future__ import annotations

import datetime as dt
import io
import random

#: The waves: label, questionnaire version, opening date, respondents, the mean report-card
#: grade and the share "(zeer) tevreden" about the last contact.
WAVES = (("Burgerpeiling 2021", 1, dt.date(2021, 3, 1), 700, 6.7, 0.52),
         ("Burgerpeiling 2023", 2, dt.date(2023, 3, 1), 700, 6.75, 0.55),
         ("Burgerpeiling 2025", 3, dt.date(2025, 3, 1), 700, 6.9, 0.61))
FORM_ID = "burgerpeiling"
SLUG = "burgerpeiling-{year}"
SATISFACTION = ("zeer_tevreden", "tevreden", "neutraal", "ontevreden", "zeer_ontevreden")
SATISFACTION_LABELS = ("Zeer tevreden", "Tevreden", "Neutraal", "Ontevreden",
                       "Zeer ontevreden")


def _form(version: int) -> bytes:
    """The XLSForm of a wave: in version 1 the contact question is ``contact_tevreden`` and
    the channel 'internet' is one answer; from version 2 they are ``tevreden_contact`` and
    'website'."""
    from openpyxl import Workbook

    contact = "contact_tevreden" if version == 1 else "tevreden_contact"
    online = ("internet", "Internet") if version == 1 else ("website", "Website of app")
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "required", "constraint", "constraint_message"])
    survey.append(["select_one leeftijd", "leeftijd", "Wat is uw leeftijd?", "yes", "", ""])
    survey.append(["integer", "rapportcijfer",
                   "Welk rapportcijfer geeft u de dienstverlening van uw gemeente?", "yes",
                   ". >= 1 and . <= 10", "Een cijfer van 1 tot en met 10."])
    survey.append(["select_one kanaal", "kanaal",
                   "Hoe had u het laatst contact met de gemeente?", "yes", "", ""])
    survey.append(["select_one tevreden", contact,
                   "Hoe tevreden bent u over dat laatste contact?", "yes", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for name, label in (("18_34", "18 tot 35 jaar"), ("35_64", "35 tot 65 jaar"),
                        ("65_plus", "65 jaar of ouder")):
        choices.append(["leeftijd", name, label])
    for name, label in (("loket", "Aan de balie"), ("telefoon", "Telefonisch"), online):
        choices.append(["kanaal", name, label])
    for name, label in zip(SATISFACTION, SATISFACTION_LABELS, strict=True):
        choices.append(["tevreden", name, label])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title", "version", "default_language"])
    settings.append([FORM_ID, "Burgerpeiling dienstverlening", str(version), "nl"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def monitor_demo(organisation, user) -> int:
    """Make the monitor study once (three versions, a fieldwork per wave with simulated
    answers, the mapping of the first wave); return its questionnaire's id."""
    from django.utils import timezone

    from peiling.fieldwork import services
    from peiling.fieldwork.models import Fieldwork, Response
    from peiling.questionnaires.services import form_version_import
    from peiling.reports.models import WaveMap

    done = Fieldwork.objects.filter(slug=SLUG.format(year=2025)).first()
    if done is not None:
        return done.form_version.questionnaire_id
    rng = random.Random(2021)  # noqa: S311  (demo answers, not security)
    fieldworks = []
    for label, version, opens, n, grade, satisfied in WAVES:
        imported = form_version_import(source=_form(version), source_name=f"v{version}.xlsx",
                                       organisation=organisation, user=user)
        start = timezone.make_aware(dt.datetime.combine(opens, dt.time(9)))
        fieldwork = services.fieldwork_create(
            form_version=imported.version, slug=SLUG.format(year=opens.year), name=label,
            opens_at=start, closes_at=start + dt.timedelta(days=28))
        services.responses_simulate(fieldwork=fieldwork, n=n, seed=version, source="panel")
        contact = "contact_tevreden" if version == 1 else "tevreden_contact"
        online = "internet" if version == 1 else "website"
        responses = list(Response.objects.filter(fieldwork=fieldwork))
        for response in responses:
            answers = dict(response.answers)
            answers["rapportcijfer"] = max(1, min(10, round(rng.gauss(grade, 1.3))))
            answers["kanaal"] = rng.choices(["loket", "telefoon", online],
                                            [0.3, 0.3 - 0.05 * version, 0.4 + 0.05 * version])[0]
            other = (1 - satisfied) / 3
            answers[contact] = rng.choices(SATISFACTION, [satisfied * 0.3, satisfied * 0.7,
                                                          other, other, other])[0]
            response.answers = answers
        Response.objects.bulk_update(responses, ["answers"], batch_size=500)
        fieldworks.append(fieldwork)
    questionnaire = fieldworks[0].form_version.questionnaire
    WaveMap.objects.create(questionnaire=questionnaire, fieldwork=fieldworks[0],
                           question="contact_tevreden", to="tevreden_contact", created_by=user)
    WaveMap.objects.create(questionnaire=questionnaire, fieldwork=fieldworks[0],
                           question="kanaal", to="kanaal", codes=[["internet", "website"]],
                           created_by=user)
    return questionnaire.pk
