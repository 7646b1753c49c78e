"""The data quality review of a fieldwork: the quality checks (``quality``) run over its
completed responses, and the researcher's decisions (keep or exclude, who and when).

The flags follow from the answers, the paradata and the fieldwork's rules, so they are
computed, not stored: all responses at once with numpy (100,000 in about a second, see
``bench/quality.py``), kept in the cache, and extended with the responses completed since
(``quality_flags``). A completion has a worker extend them within a minute
(``tasks.quality_refresh_soon``), so the monitor shows them as responses come in; the
quality page extends them itself when they are not up to date. What is stored is what a person
decided (``ResponseReview``); nothing is deleted. Analysis, tab books, reports and exports
leave the excluded responses out (``exchange.services.fieldwork_export_data``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.core.cache import caches
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from peiling.exchange.services import fieldwork_export_data
from peiling.exchange.writers import ExportError
from peiling.fieldwork.models import PANEL_SOURCE, Fieldwork, Response, ResponseReview
from peiling.fieldwork.quality import RULES, Flags, Rules, flag_responses, rules_from

__all__ = ["Quality", "QualityRow", "quality_flags", "quality_rules_set", "quality_summary",
           "review_rule", "review_set"]

#: Raised when what the cached flags hold changes.
FORMAT = 2


@dataclass(frozen=True)
class QualityRow:
    """A flagged response, as the review list shows it."""

    response_id: int
    respondent_key: str
    source: str
    started_at: dt.datetime | None
    seconds: float | None
    rules: tuple[str, ...]
    why: tuple[str, ...]


@dataclass
class Quality:
    """The flags of a fieldwork's completed responses, and which response each row is; what
    they were computed on (``basis``: the questionnaire version and the rules; ``completed``
    responses up to the completion at ``last``, whose ids add up to ``id_sum``)."""

    flags: Flags
    response_ids: tuple[int, ...]
    rows: tuple[QualityRow, ...]
    rules: Rules
    basis: tuple[Any, ...] = ()
    completed: int = 0
    last: dt.datetime | None = None
    id_sum: int = 0

    def flagged_ids(self, rule: str | None = None) -> list[int]:
        mask = self.flags.any() if rule is None else self.flags.flagged.get(
            rule, np.zeros(self.flags.n, dtype=bool))
        return [self.response_ids[i] for i in np.flatnonzero(mask)]


#: More new responses than this and the flags are computed again over all of them.
INCREMENT_MAX = 20_000


def _completed(fieldwork: Fieldwork):
    return Response.objects.filter(fieldwork=fieldwork, status=Response.Status.COMPLETED)


def quality_flags(*, fieldwork: Fieldwork, read: bool = True) -> Quality | None:
    """Return the quality flags of every completed response of ``fieldwork`` (also those
    decided on), or ``None`` when it has none or its answers cannot be read; with
    ``read=False`` only when they are at hand already (a page that must stay fast).

    Cheap as responses come in: the flags at hand are extended with the responses completed
    since (in the order they completed), not computed again; only a change of rules or
    questionnaire version, or a response completed out of turn or no longer completed (the
    count and the sum of the ids do not add up), has them computed over all responses.
    """
    cache = caches["datasets"]
    key = f"quality:{FORMAT}:{fieldwork.pk}"
    rules_hash = hashlib.sha256(json.dumps(fieldwork.quality_rules, sort_keys=True).encode())
    basis = (fieldwork.form_version_id, rules_hash.hexdigest())
    state = _completed(fieldwork).aggregate(n=Count("*"), last=Max("completed_at"),
                                            id_sum=Sum("pk"))
    found = cache.get(key)
    if found is not None and found.basis != basis:
        found = None
    if found is not None and (found.completed, found.last, found.id_sum) == (
            state["n"], state["last"], state["id_sum"]):
        return found
    if not read or state["n"] == 0:
        return None
    quality = None
    if found is not None and found.last is not None:
        new = list(_completed(fieldwork).filter(completed_at__gt=found.last)
                   .order_by("completed_at", "pk")
                   .values_list("pk", "form_version_id")[:INCREMENT_MAX + 1])
        if (found.completed + len(new) == state["n"] and len(new) <= INCREMENT_MAX
                and found.id_sum + sum(pk for pk, _version in new) == state["id_sum"]
                and all(version == fieldwork.form_version_id for _pk, version in new)):
            quality = _flagged(fieldwork, only=[pk for pk, _version in new], prior=found)
    if quality is None:
        quality = _flagged(fieldwork)
    if quality is None:
        return None
    quality.basis, quality.completed = basis, state["n"]
    quality.last, quality.id_sum = state["last"], state["id_sum"]
    cache.set(key, quality)
    return quality


def _flagged(fieldwork: Fieldwork, *, only: list[int] | None = None,
             prior: Quality | None = None) -> Quality | None:
    """Flag the completed responses ``only`` (all when ``None``) after those of ``prior``."""
    try:
        data = fieldwork_export_data(fieldwork=fieldwork, paradata=True, include_excluded=True,
                                     only=only, codes=False, masked=False)
    except ExportError:
        return None
    if data.dataset.n == 0 or data.paradata is None:
        return None
    ids = data.response_ids
    meta = {pk: (device, key) for pk, device, key in Response.objects.filter(
        pk__in=ids if only is not None else _completed(fieldwork).values("pk")).values_list(
            "pk", "device_key", "respondent_key").iterator(chunk_size=5000)}
    paradata = data.paradata
    ended = [(end is None, end or dt.datetime.min, pk)
             for end, pk in zip(paradata.completed_at, ids, strict=True)]
    rules = rules_from(fieldwork.quality_rules)
    flags = flag_responses(
        fieldwork.form_version.form, data.dataset,
        durations=[None if np.isnan(s) else float(s) for s in paradata.duration()],
        open_link=[source != PANEL_SOURCE for source in paradata.source],
        devices=[meta.get(pk, ("", ""))[0] for pk in ids], rules=rules,
        labels=[meta.get(pk, ("", ""))[1][:8] for pk in ids],
        order=sorted(range(len(ids)), key=ended.__getitem__),
        prior=prior.flags if prior is not None else None)
    response_ids = (prior.response_ids if prior is not None else ()) + tuple(ids)
    return Quality(flags, response_ids, _rows(flags, response_ids), rules)


def _rows(flags: Flags, response_ids: tuple[int, ...]) -> tuple[QualityRow, ...]:
    """The review list: the flagged responses, with what the list shows of each."""
    flagged = [int(i) for i in np.flatnonzero(flags.any())]
    ids = [response_ids[i] for i in flagged]
    shown = {}
    for chunk in _chunks(ids):
        shown.update({pk: rest for pk, *rest in Response.objects.filter(pk__in=chunk)
                      .values_list("pk", "respondent_key", "source", "started_at")})
    rows = []
    for index, pk in zip(flagged, ids, strict=True):
        key, source, started = shown.get(pk, ("", "", None))
        rules_of = tuple(flags.rules_of(index))
        seconds = flags.seconds[index]
        rows.append(QualityRow(pk, key, source, started,
                               None if np.isnan(seconds) else float(seconds), rules_of,
                               tuple(flags.why[rule][index] for rule in rules_of)))
    return tuple(rows)


def quality_summary(*, fieldwork: Fieldwork, quality: Quality | None = None
                    ) -> dict[str, Any]:
    """Per rule how many responses it flags, and how many of those were excluded or kept;
    the number excluded in all and the number analysed."""
    quality = quality if quality is not None else quality_flags(fieldwork=fieldwork)
    decisions = dict(ResponseReview.objects.filter(fieldwork=fieldwork)
                     .values_list("response_id", "decision"))
    per_rule = []
    counts = quality.flags.counts() if quality is not None else {}
    for rule in RULES:
        ids = quality.flagged_ids(rule) if quality is not None and rule in counts else []
        decided = [decisions.get(i) for i in ids]
        per_rule.append({"rule": rule, "flagged": len(ids),
                         "excluded": decided.count(ResponseReview.Decision.EXCLUDE),
                         "kept": decided.count(ResponseReview.Decision.KEEP),
                         "enabled": rule in counts})
    excluded = sum(1 for d in decisions.values() if d == ResponseReview.Decision.EXCLUDE)
    completed = Response.objects.filter(fieldwork=fieldwork,
                                        status=Response.Status.COMPLETED).count()
    flagged_ids = quality.flagged_ids() if quality is not None else []
    flagged = len(flagged_ids)
    pending = sum(1 for i in flagged_ids if i not in decisions)
    return {"rules": per_rule, "completed": completed, "flagged": flagged,
            "pending": pending, "excluded": excluded, "analysed": completed - excluded}


def review_set(*, fieldwork: Fieldwork, response_ids: Iterable[int], decision: str, user: Any,
               quality: Quality | None = None) -> int:
    """Keep or exclude the completed responses ``response_ids`` of ``fieldwork``; return how
    many were decided. Ids of other fieldworks or of unfinished responses are ignored."""
    if decision not in ResponseReview.Decision.values:
        raise ValueError(f"decision must be one of {ResponseReview.Decision.values}")
    quality = quality if quality is not None else quality_flags(fieldwork=fieldwork)
    position = ({pk: i for i, pk in enumerate(quality.response_ids)}
                if quality is not None else {})
    ids = list(response_ids)
    wanted: set[int] = set()
    for chunk in _chunks(ids):  # SQLite takes some 30,000 parameters at most
        wanted.update(Response.objects.filter(
            fieldwork=fieldwork, status=Response.Status.COMPLETED,
            pk__in=chunk).values_list("pk", flat=True))
    now = timezone.now()
    with transaction.atomic():
        existing = {}
        for chunk in _chunks(sorted(wanted)):
            existing.update({r.response_id: r for r in ResponseReview.objects
                             .select_for_update().filter(fieldwork=fieldwork,
                                                         response_id__in=chunk)})
        new, changed = [], []
        for pk in wanted:
            rules = (quality.flags.rules_of(position[pk])
                     if quality is not None and pk in position else [])
            review = existing.get(pk)
            if review is None:
                new.append(ResponseReview(response_id=pk, fieldwork=fieldwork,
                                          decision=decision, rules=rules, decided_by=user,
                                          decided_at=now))
            elif review.decision != decision:
                review.decision, review.rules = decision, rules
                review.decided_by, review.decided_at = user, now
                changed.append(review)
        ResponseReview.objects.bulk_create(new, batch_size=1000)
        ResponseReview.objects.bulk_update(changed, ["decision", "rules", "decided_by",
                                                     "decided_at"], batch_size=1000)
    return len(new) + len(changed)


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def review_rule(*, fieldwork: Fieldwork, rule: str, decision: str, user: Any) -> int:
    """Keep or exclude every response that ``rule`` flags now."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    quality = quality_flags(fieldwork=fieldwork)
    if quality is None:
        return 0
    return review_set(fieldwork=fieldwork, response_ids=quality.flagged_ids(rule),
                      decision=decision, user=user, quality=quality)


def quality_rules_set(*, fieldwork: Fieldwork, rules: Rules) -> None:
    """Store the fieldwork's rules (only what differs from the defaults)."""
    defaults = asdict(Rules())
    fieldwork.quality_rules = {k: v for k, v in asdict(rules).items() if defaults[k] != v}
    fieldwork.save(update_fields=["quality_rules"])


def decisions_of(*, fieldwork: Fieldwork) -> Mapping[int, ResponseReview]:
    """The decisions taken, by response id."""
    return {r.response_id: r for r in ResponseReview.objects.filter(fieldwork=fieldwork)
            .select_related("decided_by")}
