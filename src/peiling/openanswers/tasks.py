"""Background work of open answers: proposing themes (seconds for 20,000 answers)."""

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
