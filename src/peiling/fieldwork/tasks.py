"""Background work of fieldwork: the quality flags kept up to date as responses complete."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from peiling.fieldwork.models import Fieldwork

__all__ = ["REFRESH_AFTER", "quality_refresh_soon", "refresh_quality_flags"]

#: After a completion, the flags are made again within this time: one task per fieldwork per
#: interval, however many respondents complete in it.
REFRESH_AFTER = dt.timedelta(seconds=60)


def quality_refresh_soon(*, fieldwork_id: int) -> None:
    """Have a worker compute the fieldwork's quality flags soon (``REFRESH_AFTER``), so that
    the monitor and the quality page have them at hand. Not when tasks run in the request
    (``PEILING_TASKS=immediate``): a respondent never waits for them; the pages compute
    them then."""
    if settings.PEILING_TASKS == "immediate":
        return
    if not cache.add(f"quality-refresh:{fieldwork_id}", 1, REFRESH_AFTER.total_seconds()):
        return  # one is queued already
    run_after = timezone.now() + REFRESH_AFTER
    transaction.on_commit(
        lambda: refresh_quality_flags.using(run_after=run_after).enqueue(fieldwork_id))


@task()
def refresh_quality_flags(fieldwork_id: int) -> int:
    """Bring the quality flags of a fieldwork up to date (extending those at hand with the
    responses completed since) and cache them; return how many it flags."""
    from peiling.fieldwork.reviews import quality_flags

    fieldwork = (Fieldwork.objects.select_related("form_version__questionnaire")
                 .filter(pk=fieldwork_id).first())
    if fieldwork is None:
        return 0
    quality = quality_flags(fieldwork=fieldwork)
    return 0 if quality is None else len(quality.rows)
