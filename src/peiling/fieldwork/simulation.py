"""Simulated responses: random valid answers replayed through the real page flow.

``peiling.forms.simulate`` draws the answers; ``replay`` then posts them page by page through
``Flow.submit`` exactly as a browser would, so a simulated response has passed the same
routing, type checks, required and constraint rules as a real one.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from peiling.fieldwork.answers import answers_to_json
from peiling.fieldwork.flow import Flow, Step
from peiling.fieldwork.models import Fieldwork, Response
from peiling.fieldwork.selectors import respondent_languages
from peiling.fieldwork.tokens import new_respondent_key
from peiling.forms.expressions import Answer
from peiling.forms.simulate import Expected, simulate_answers

#: Share of simulated respondents per device class (roughly what panel fieldwork sees).
DEVICES = (("desktop", 0.6), ("mobile", 0.3), ("tablet", 0.1))


def replay(flow: Flow, answers: dict[str, Answer], *, language: str,
           ) -> tuple[Step, list[str]]:
    """Post ``answers`` page by page; return the final step and the pages walked.

    Raise ValueError when a page refuses its answers: the simulator and the flow disagree.
    """
    stored: dict[str, Answer] = {}
    first = flow.first_page(stored)
    current = first.key if first else None
    walked: list[str] = []
    while current is not None:
        page = flow.page(current)
        step = flow.submit(stored, current=current, page=current, action="next",
                           data=flow.post_data(page, answers), language=language)
        walked.append(current)
        if step.outcome == "invalid":
            problems = ", ".join(f"{e.name} ({e.code})" for e in step.check.errors)
            raise ValueError(f"page {current!r} refuses the simulated answers: {problems}")
        if step.finished:
            return step, walked
        stored, current = dict(step.answers), step.page
        if len(walked) > 10 * len(flow.pages):
            raise ValueError("the simulated respondent walks in circles")
    raise ValueError("the form has no page to answer")


def simulated_response(*, fieldwork: Fieldwork, flow: Flow, rng: random.Random,
                       source: str, expected: Expected | None = None) -> Response:
    """Return an unsaved, finished Response with simulated answers (with ``expected``
    shares where given) and plausible times."""
    language = flow.form.default_language
    answers = simulate_answers(flow.form, rng, expected=expected)
    step, walked = replay(flow, answers, language=language)
    end = min(timezone.now(), fieldwork.closes_at)
    span = max((end - fieldwork.opens_at).total_seconds(), 3600.0)
    started = fieldwork.opens_at + dt.timedelta(seconds=rng.uniform(0, span - 1800))
    moment, times = started, {}
    for key in walked:
        moment += dt.timedelta(seconds=rng.uniform(5, 60))
        times[key] = moment.isoformat()
    devices, weights = zip(*DEVICES, strict=True)
    return Response(
        fieldwork=fieldwork, form_version=fieldwork.form_version,
        respondent_key=new_respondent_key(), source=source,
        status=(Response.Status.SCREENED_OUT if step.outcome == "screened_out"
                else Response.Status.COMPLETED),
        answers=answers_to_json(flow.values(step.answers)), page_times=times,
        language=respondent_languages(form=flow.form)[0][0],
        device_class=rng.choices(devices, weights)[0], started_at=started,
        updated_at=moment, completed_at=moment, version=len(walked),
    )
