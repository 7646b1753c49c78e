"""Background work of open answers: proposing themes (seconds for 20,000 answers) and
scanning answers for personal data (deduce loads in seconds, once per worker)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from peiling.jobs.services import JobFailed, Progress, job_handler


@job_handler("themes_propose")
def propose_themes(job: Any, progress: Progress) -> dict[str, Any]:
    """Propose themes for the answers of the job's codebook and keep the proposal."""
    from peiling.openanswers.models import Codebook
    from peiling.openanswers.services import CodingError, proposal_make

    codebook = Codebook.objects.filter(pk=job.payload["codebook"]).first()
    if codebook is None:
        raise JobFailed("The codebook no longer exists.")
    progress(0, 3, gettext_noop("Reading the answers"))
    try:
        proposal = proposal_make(codebook=codebook, user=job.created_by, progress=progress)
    except CodingError as error:
        raise JobFailed(str(error)) from None
    progress(3, 3, gettext_noop("Done"))
    return {"counts": [[gettext_noop("Answers"), proposal.answers],
                       [gettext_noop("Themes proposed"), len(proposal.themes)]]}


@job_handler("personal_data_scan")
def scan_for_personal_data(job: Any, progress: Progress) -> dict[str, Any]:
    """Scan the fieldwork's open answers not scanned yet for possible personal data."""
    from peiling.fieldwork.models import Fieldwork
    from peiling.openanswers.models import AnswerScan
    from peiling.openanswers.services import personal_data_scan

    fieldwork = Fieldwork.objects.filter(pk=job.payload["fieldwork"]).first()
    if fieldwork is None:
        raise JobFailed("The fieldwork no longer exists.")
    progress(0, 1, gettext_noop("Scanning open answers"))
    scanned = personal_data_scan(fieldwork=fieldwork, progress=progress)
    flagged = (AnswerScan.objects.filter(fieldwork=fieldwork, released_at__isnull=True)
               .exclude(found=[]).count())
    return {"counts": [[gettext_noop("Answers scanned"), scanned],
                       [gettext_noop("Answers with possible personal data"), flagged]]}
