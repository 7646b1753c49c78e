"""Codebooks and coding: the default codes, adding, renaming, merging, splitting, moving and
deleting codes; coding answers with several codes, the history, undo and suggestions that
only a person turns into codings; and bad input refused with nothing stored."""

from __future__ import annotations

import pytest

from peiling.openanswers import selectors, services
from peiling.openanswers.models import Code, Coding, CodingChange, Suggestion
from peiling.openanswers.services import CodingError
from tests.openanswers.conftest import QUESTION

pytestmark = pytest.mark.django_db


@pytest.fixture
def codebook(answered):
    return services.codebook_create(fieldwork=answered, question=QUESTION)


@pytest.fixture
def coder(make_user, organisation):
    return make_user("analist", organisation, "codeur@example.nl")


def _codes(codebook, response) -> set[str]:
    return set(Coding.objects.filter(codebook=codebook, response_id=response)
               .values_list("code__name", flat=True))


def test_a_codebook_starts_with_other_and_no_meaningful_answer(codebook, answered) -> None:
    codes = selectors.codes_in_order(codebook=codebook)
    assert [(c.name, c.label, c.kind) for c in codes] == [
        ("overig", "Overig", "other"),
        ("geen_zinvol_antwoord", "Geen zinvol antwoord", "no_answer")]
    assert services.codebook_create(fieldwork=answered, question=QUESTION) == codebook
    assert Code.objects.filter(codebook=codebook).count() == 2  # not made twice


def test_only_an_open_question_gets_a_codebook(answered) -> None:
    with pytest.raises(CodingError, match="no open question"):
        services.codebook_create(fieldwork=answered, question="desirability")


def test_codes_are_added_renamed_and_kept_two_levels_deep(codebook) -> None:
    privacy = services.code_add(codebook=codebook, label="  Privacy   en veiligheid ")
    assert (privacy.label, privacy.name) == ("Privacy en veiligheid", "privacy_en_veiligheid")
    leaks = services.code_add(codebook=codebook, label="Datalekken", parent=privacy)
    with pytest.raises(CodingError, match="two levels at most"):
        services.code_add(codebook=codebook, label="Hackers", parent=leaks)
    with pytest.raises(CodingError, match="already"):
        services.code_add(codebook=codebook, label="privacy EN veiligheid")
    with pytest.raises(CodingError, match="needs a label"):
        services.code_add(codebook=codebook, label="   ")
    with pytest.raises(CodingError, match="at most 120"):
        services.code_add(codebook=codebook, label="x" * 121)
    services.code_rename(code=privacy, label="Privacy", description="Zorgen over gegevens")
    privacy.refresh_from_db()
    assert (privacy.label, privacy.name) == ("Privacy", "privacy_en_veiligheid")  # name stays
    with pytest.raises(CodingError, match="already"):
        services.code_rename(code=leaks, label="Overig")
    ordered = [c.label for c in selectors.codes_in_order(codebook=codebook)]
    assert ordered == ["Overig", "Geen zinvol antwoord", "Privacy", "Datalekken"]
    services.code_move(code=privacy, up=True)
    ordered = [(c.label, c.number) for c in selectors.codes_in_order(codebook=codebook)]
    assert ordered == [("Overig", 1), ("Privacy", 2), ("Datalekken", 3),
                       ("Geen zinvol antwoord", 4)]


def test_an_answer_carries_several_codes_with_who_and_when(codebook, coder) -> None:
    first, second = list(selectors.answer_texts(codebook=codebook))[:2]
    privacy = services.code_add(codebook=codebook, label="Privacy")
    other = Code.objects.get(codebook=codebook, name="overig")
    assert services.codings_set(codebook=codebook, codes={first: [privacy.pk, other.pk]},
                                user=coder) == 1
    assert _codes(codebook, first) == {"privacy", "overig"}
    coding = Coding.objects.filter(response_id=first).first()
    assert coding.coded_by == coder and coding.coded_at is not None
    assert services.codings_set(codebook=codebook, codes={first: [privacy.pk]}, user=coder) == 1
    assert services.codings_set(codebook=codebook, codes={first: [privacy.pk]}, user=coder) == 0
    history = list(CodingChange.objects.filter(response_id=first).order_by("pk")
                   .values_list("before", "after", "changed_by"))
    assert history == [([], ["overig", "privacy"], coder.pk),
                       (["overig", "privacy"], ["privacy"], coder.pk)]
    assert selectors.progress(codebook=codebook)[0] == 1
    with pytest.raises(CodingError, match="Unknown codes"):
        services.codings_set(codebook=codebook, codes={second: [privacy.pk, 999_999]},
                             user=coder)
    assert _codes(codebook, second) == set()  # nothing stored


def test_a_response_without_an_answer_cannot_be_coded(codebook, answered, coder) -> None:
    from peiling.fieldwork.models import Response

    silent = Response.objects.filter(fieldwork=answered).exclude(
        pk__in=list(selectors.answer_texts(codebook=codebook))).first()
    other = Code.objects.get(codebook=codebook, name="overig")
    with pytest.raises(CodingError, match="No answer to code"):
        services.codings_set(codebook=codebook, codes={silent.pk: [other.pk]}, user=coder)
    assert not Coding.objects.exists()


def test_undo_takes_back_the_last_change_of_that_person(codebook, coder, make_user,
                                                        organisation) -> None:
    first, second = list(selectors.answer_texts(codebook=codebook))[:2]
    other = Code.objects.get(codebook=codebook, name="overig")
    privacy = services.code_add(codebook=codebook, label="Privacy")
    services.codings_set(codebook=codebook, codes={first: [other.pk]}, user=coder)
    services.codings_set(codebook=codebook, codes={first: [privacy.pk]}, user=coder)
    colleague = make_user("analist", organisation, "collega@example.nl")
    services.codings_set(codebook=codebook, codes={second: [other.pk]}, user=colleague)
    undone = services.coding_undo(codebook=codebook, user=coder)
    assert undone.response_id == first and _codes(codebook, first) == {"overig"}
    assert _codes(codebook, second) == {"overig"}  # the colleague's coding stays
    services.coding_undo(codebook=codebook, user=coder)
    assert _codes(codebook, first) == set()
    assert services.coding_undo(codebook=codebook, user=coder) is None
    assert CodingChange.objects.filter(how="undo", changed_by=coder).count() == 2


def test_merging_moves_the_answers_and_keeps_the_history(codebook, coder) -> None:
    first, second, third = list(selectors.answer_texts(codebook=codebook))[:3]
    leaks = services.code_add(codebook=codebook, label="Datalekken")
    privacy = services.code_add(codebook=codebook, label="Privacy")
    services.codings_set(codebook=codebook, user=coder, codes={
        first: [leaks.pk], second: [leaks.pk, privacy.pk], third: [privacy.pk]})
    Suggestion.objects.create(codebook=codebook, response_id=third, code=leaks, confidence=0.5)
    assert services.code_merge(source=leaks, target=privacy, user=coder) == 2
    assert not Code.objects.filter(pk=leaks.pk).exists()
    assert [_codes(codebook, r) for r in (first, second, third)] == [{"privacy"}] * 3
    assert set(Suggestion.objects.values_list("code__name", flat=True)) == {"privacy"}
    assert CodingChange.objects.filter(how="merged").count() == 2
    with pytest.raises(CodingError, match="two different"):
        services.code_merge(source=privacy, target=privacy, user=coder)


def test_splitting_puts_new_codes_under_the_code(codebook, coder) -> None:
    privacy = services.code_add(codebook=codebook, label="Privacy")
    leaks, fraud = services.code_split(code=privacy, labels=["Datalekken", "Fraude", ""])
    assert (leaks.parent, fraud.parent) == (privacy, privacy)
    with pytest.raises(CodingError, match="two codes or more"):
        services.code_split(code=services.code_add(codebook=codebook, label="Kosten"),
                            labels=["Alleen"])
    with pytest.raises(CodingError, match="top level"):
        services.code_split(code=leaks, labels=["a", "b"])
    with pytest.raises(CodingError, match="different labels"):
        services.code_split(code=Code.objects.get(name="overig"), labels=["Zus", "zus"])
    assert Code.objects.filter(parent__name="overig").count() == 0  # nothing half-made


def test_a_used_code_is_merged_not_deleted(codebook, coder) -> None:
    first = next(iter(selectors.answer_texts(codebook=codebook)))
    used = services.code_add(codebook=codebook, label="Gebruikt")
    unused = services.code_add(codebook=codebook, label="Ongebruikt")
    services.codings_set(codebook=codebook, codes={first: [used.pk]}, user=coder)
    with pytest.raises(CodingError, match="merge it"):
        services.code_delete(code=used)
    services.code_delete(code=unused)
    assert not Code.objects.filter(pk=unused.pk).exists()


def test_suggestions_become_codings_only_when_confirmed(codebook, coder) -> None:
    first, second, third = list(selectors.answer_texts(codebook=codebook))[:3]
    privacy = services.code_add(codebook=codebook, label="Privacy")
    costs = services.code_add(codebook=codebook, label="Kosten")
    services.suggestions_replace(codebook=codebook, suggestions={
        first: [(privacy.pk, 0.9)], second: [(costs.pk, 0.3)], third: [(privacy.pk, 0.8)]})
    assert not Coding.objects.exists()  # a suggestion is no coding
    page = selectors.answer_page(codebook=codebook, status="suggested")
    assert {item.response_id: item.suggestions for item in page.items} == {
        first: {privacy.pk: 0.9}, second: {costs.pk: 0.3}, third: {privacy.pk: 0.8}}
    assert services.suggestions_confirm(codebook=codebook, user=coder, min_confidence=0.5) == 2
    assert (_codes(codebook, first), _codes(codebook, third)) == ({"privacy"}, {"privacy"})
    assert list(Suggestion.objects.values_list("response_id", flat=True)) == [second]
    assert services.suggestions_confirm(codebook=codebook, user=coder,
                                        responses=[second]) == 1
    assert _codes(codebook, second) == {"kosten"}
    assert CodingChange.objects.filter(how="confirmed").count() == 3


def test_the_coding_page_filters_and_searches(codebook, answered, coder) -> None:
    texts = selectors.answer_texts(codebook=codebook)
    privacy_answers = [pk for pk, theme in answered.themes.items() if theme == "privacy"]
    privacy = services.code_add(codebook=codebook, label="Privacy")
    services.codings_set(codebook=codebook, user=coder,
                         codes={pk: [privacy.pk] for pk in privacy_answers})
    page = selectors.answer_page(codebook=codebook)
    assert (page.total, page.coded, page.matching) == (len(texts), len(privacy_answers),
                                                       len(texts))
    uncoded = selectors.answer_page(codebook=codebook, status="uncoded", per_page=1000)
    assert {i.response_id for i in uncoded.items} == set(texts) - set(privacy_answers)
    by_code = selectors.answer_page(codebook=codebook, code=privacy.pk, per_page=1000)
    assert {i.response_id for i in by_code.items} == set(privacy_answers)
    found = selectors.answer_page(codebook=codebook, search="ZORGEN gegevens", per_page=1000)
    assert found.items and all("zorgen" in i.text.lower() and "gegevens" in i.text.lower()
                               for i in found.items)
    org = answered.responses.get(pk=privacy_answers[0]).answers["org_type"]
    inside = selectors.answer_page(codebook=codebook, subgroup=("org_type", org),
                                   per_page=1000)
    assert inside.items and all(
        answered.responses.get(pk=i.response_id).answers["org_type"] == org
        for i in inside.items)
    last = selectors.answer_page(codebook=codebook, per_page=10, page=99)
    assert last.page == last.pages == -(-len(texts) // 10) and last.items


def test_the_demo_codes_a_sample_of_its_open_question(answered, make_user, organisation) -> None:
    from peiling.commands import demo

    make_user("onderzoeker", organisation, demo.DEMO_EMAIL)
    answered.slug = "demo"
    answered.save(update_fields=["slug"])
    url = demo._demo_coding()
    assert url == f"/veldwerk/demo/open-antwoorden/{QUESTION}/"
    codebook = answered.codebooks.get(question=QUESTION)
    coded, total = selectors.progress(codebook=codebook)
    assert 0 < coded <= min(demo.CODED_SAMPLE, total)
    assert Code.objects.filter(codebook=codebook).count() > 2  # the themes taken over
    assert Coding.objects.filter(coded_by__email=demo.DEMO_EMAIL).count() >= coded
    demo._demo_coding()  # once: a second run changes nothing
    assert selectors.progress(codebook=codebook)[0] == coded
    # The demo report has quotes by theme of the coded question (a definition version once).
    from peiling.openanswers.models import AnswerScan
    from peiling.reports.models import ReportDefinitionVersion
    from peiling.reports.selectors import report_for_fieldwork, stored_definition

    assert ReportDefinitionVersion.objects.count() == 1
    report = report_for_fieldwork(reference="demo",
                                  definition=stored_definition(fieldwork=answered))
    [block] = [b for c in report.chapters for s in c.sections for b in s.blocks
               if getattr(b, "title", "") == "Citaten per thema"]
    assert len(block.themes) >= 2 and all(t.share and t.quotes for t in block.themes)
    assert AnswerScan.objects.filter(fieldwork=answered, question=QUESTION).count() == total
