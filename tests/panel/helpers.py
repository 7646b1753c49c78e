"""Helpers shared by panel tests: drawing every member, answering through an invitation."""

from __future__ import annotations

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.panel.models import Member, PanelInvitation, Sample
from peiling.panel.samples import SampleDesign, sample_commit, sample_preview


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def invite_all(panel, fieldwork, *, now=None) -> Sample:
    """Commit a simple random sample of every eligible member of ``panel``."""
    eligible = Member.objects.filter(panel=panel, status=Member.Status.ACTIVE).count()
    plan = sample_preview(panel=panel, fieldwork=fieldwork, now=now,
                          design=SampleDesign(method="simple", size=eligible, seed=1))
    return sample_commit(plan=plan, now=now)


def respond(item: PanelInvitation, *, complete: bool = True) -> Response:
    """Start (and complete) the response of an invitation, as a respondent would."""
    response = fieldwork_services.response_start(
        fieldwork=item.fieldwork, language="nl", invitation=item.invitation)
    if complete:
        fieldwork_services.response_submit(fieldwork=item.fieldwork, response=response,
                                           page_key="q1",
                                           data={"q1": ["ja"]}, action="next", language="nl")
    response.refresh_from_db()
    return response
