"""Coding open answers in a real browser: start a codebook, have themes proposed by a worker,
take them over, code answers with the keyboard (saved with htmx, the next answer chosen),
undo. Every page passes axe-core and the Content-Security-Policy."""

from __future__ import annotations

import pytest

from peiling.openanswers.models import Coding, Suggestion
from tests.fieldwork.test_browser import launch, playwright_instance, press  # noqa: F401
from tests.openanswers.conftest import QUESTION, answered  # noqa: F401
from tests.web.test_browser_researcher import Researcher, _path, site_url  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_codes_open_answers_with_the_keyboard(
        site_url, launch, organisation, make_user, answered, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PEILING_TASKS = "immediate"
    user = make_user("analist", organisation)
    me = Researcher(launch(), site_url)
    page = me.page
    me.log_in(user.email, next_path=f"/veldwerk/{answered.slug}/open-antwoorden/")
    me.axe("open questions")
    press(page.locator(f"a[href$='/open-antwoorden/{QUESTION}/']").first)
    press(page.get_by_role("button", name="Start coding"))
    me.axe("coding page")

    # Themes proposed by a worker, taken over as codes and suggestions.
    me.goto(f"/veldwerk/{answered.slug}/open-antwoorden/{QUESTION}/themas/")
    press(page.get_by_role("button", name="Propose themes"))
    assert _path(page.url).startswith("/taken/")
    me.goto(f"/veldwerk/{answered.slug}/open-antwoorden/{QUESTION}/themas/")
    me.axe("proposed themes")
    page.fill("#label-0", "Eerste thema")
    press(page.get_by_role("button", name="Take over: make codes and suggestions"))
    assert _path(page.url).endswith("?status=suggested")
    assert Suggestion.objects.exists() and not Coding.objects.exists()
    me.axe("coding page with suggestions")

    # The keyboard: 'a' ticks the first answer's suggestions, 1 ticks "Overig", Enter saves
    # it (htmx swaps the answer in) and the next answer is chosen.
    first = page.locator("form[data-coding]").first
    answer_id = int(first.locator("input[name=respons]").input_value())
    first.locator(".answer-text").click()
    page.keyboard.press("a")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.locator(f"#antwoord-{answer_id} [role=status]").wait_for()
    coded = set(Coding.objects.filter(response_id=answer_id).values_list("code__name",
                                                                         flat=True))
    assert "overig" in coded and len(coded) == 2
    page.wait_for_function("document.querySelectorAll('form[data-coding]')[1]"
                           ".classList.contains('coding-answer--current')")
    # u undoes it (a plain form: the page comes back).
    with page.expect_navigation():
        page.keyboard.press("u")
    assert not Coding.objects.filter(response_id=answer_id).exists()
    me.axe("coding page after undo")

    # An answer with a name and a phone number: scanned by the worker, shown with what
    # reports will show, released with htmx.
    from peiling.fieldwork.models import Response
    from peiling.openanswers.models import AnswerScan
    from peiling.openanswers.selectors import forget_in_memory

    response = Response.objects.get(pk=answer_id)
    response.answers = {**response.answers, QUESTION: "Vraag het Marieke de Vries: 06-12345678."}
    response.save(update_fields=["answers"])
    forget_in_memory()  # answers changed in place, as no user can
    me.goto(f"/veldwerk/{answered.slug}/open-antwoorden/")
    press(page.get_by_role("button", name="Scan"))
    me.goto(f"/veldwerk/{answered.slug}/open-antwoorden/{QUESTION}/?status=personal")
    note = page.locator(f"#antwoord-{answer_id} .personal-data")
    assert "Vraag het [naam]: [telefoonnummer]." in note.inner_text()
    me.axe("coding page with personal data")
    note.get_by_role("button", name="Release: no personal data").click()
    page.locator(f"#antwoord-{answer_id} .personal-data--released").wait_for()
    assert AnswerScan.objects.get(response=answer_id, question=QUESTION).released_at
    assert not Coding.objects.filter(response_id=answer_id).exists()  # the codes untouched
