"""Fixtures of the open answer tests: the example questionnaire in the field, its open
question "desirability_why" answered with generated Dutch answers of known themes."""

from __future__ import annotations

import pytest

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.openanswers import services
from peiling.openanswers.generate import generated_answers
from tests.fieldwork.conftest import (  # noqa: F401  (fixtures)
    example_fieldwork,
    example_flow,
    example_form,
    example_version,
    make_fieldwork,
)

QUESTION = "desirability_why"


@pytest.fixture
def answered(example_fieldwork):  # noqa: F811  (the imported fixture)
    """The example fieldwork with 80 completed responses; each that answered the open
    question has a generated answer (``fieldwork.themes`` maps response id to its theme)."""
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=80, seed=21,
                                          source="panel")
    responses = [r for r in Response.objects.filter(fieldwork=example_fieldwork).order_by("pk")
                 if r.answers.get(QUESTION)]
    example_fieldwork.themes = {}
    for response, (text, theme) in zip(responses, generated_answers(len(responses), seed=5),
                                       strict=True):
        response.answers = {**response.answers, QUESTION: text}
        example_fieldwork.themes[response.pk] = theme
    Response.objects.bulk_update(responses, ["answers"])
    return example_fieldwork


@pytest.fixture
def coded(answered, make_user, organisation):
    """Privacy answers coded "Privacy" (a theme) and, every other one, also "Datalekken"
    under it; cost answers "Kosten"; the rest uncoded."""
    user = make_user("analist", organisation, "codeur@example.nl")
    codebook = services.codebook_create(fieldwork=answered, question=QUESTION)
    privacy = services.code_add(codebook=codebook, label="Privacy")
    leaks = services.code_add(codebook=codebook, label="Datalekken", parent=privacy)
    costs = services.code_add(codebook=codebook, label="Kosten")
    codes = {}
    privacy_answers = sorted(pk for pk, t in answered.themes.items() if t == "privacy")
    for i, pk in enumerate(privacy_answers):
        codes[pk] = [privacy.pk] if i % 2 else [leaks.pk]
    for pk, theme in answered.themes.items():
        if theme == "kosten":
            codes[pk] = [costs.pk]
    services.codings_set(codebook=codebook, codes=codes, user=user)
    answered.expected = {"privacy": len(privacy_answers),
                         "datalekken": len(privacy_answers[::2]),
                         "kosten": sum(1 for t in answered.themes.values() if t == "kosten"),
                         "coded": len(codes), "answered": len(answered.themes)}
    answered.codebook, answered.coder = codebook, user
    return answered


@pytest.fixture(autouse=True)
def _english():
    """The messages of these tests are read in English (the web app's default is Dutch)."""
    from django.utils import translation

    with translation.override("en"):
        yield
