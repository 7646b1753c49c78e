"""Quota screening: which quota cells a respondent enters, whether those are full, and the
``QuotaHit`` rows a finishing response leaves. Called by ``services`` only.

When a quota is checked
    A respondent is checked against a quota at the moment they *enter* its cell: when its
    condition becomes decided (``peiling.fieldwork.quotas``) and holds, or holds after an
    answer changed. Profile-only conditions are decided at the start of a personal link;
    others after the page submit that answered their questions, at the latest at completion.
    A cell is full when its completes reach the target; a respondent entering a full active
    cell ends with status ``quota_full`` and sees the quota's text. Someone already in a cell
    is not checked again on later pages.

How far a target can be overshot
    Open links: a respondent admitted to a cell that was not full completes normally, so a
    cell ends at most *target + the respondents in it that were in flight* when it filled.
    Personal links never overshoot: at completion, a response through an invitation locks
    the rows of its active quotas (``SELECT ... FOR UPDATE``, in id order so that two
    completions cannot deadlock), counts their completes again and records ``quota_full``
    instead of ``completed`` when one is full, all in the transaction that writes the status
    and the hits. Completions in the same cell thus take turns, and each counts the ones
    before it. (An open-link completion does not take the lock; in a fieldwork with both
    kinds of link, only open-link completions can push a cell over.)

What is counted
    A completed response gets a ``QuotaHit`` for every quota whose condition holds on its final
    answers, active or not (so that a quota switched back on counts truly); a ``quota_full``
    response gets one for the quota(s) that were full. A hit says whether its response was
    counted (completed), so counting completes is one ``GROUP BY`` over the hits
    (``selectors.quota_counts``): neither an evaluation of answers nor a join to responses.
    Responses made by ``responses_simulate`` get no hits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from peiling.fieldwork import selectors
from peiling.fieldwork.answers import answers_from_json
from peiling.fieldwork.flow import Flow, Step
from peiling.fieldwork.models import Invitation, Quota, QuotaHit, Response
from peiling.fieldwork.quotas import QuotaRule, holding, quota_values, reads_profile


@dataclass(frozen=True)
class Verdict:
    """What a page submit means for the quotas.

    ``full``: quotas the respondent entered that are full (non-empty: the response ends as
    ``quota_full``); ``cells``: at completion, every quota the response counts in;
    ``recheck``: at completion, the active ones among those (locked and counted again for a
    personal link).
    """

    full: tuple[int, ...] = ()
    cells: tuple[int, ...] = ()
    recheck: tuple[int, ...] = ()


def screen_start(*, flow: Flow, rules: Iterable[QuotaRule],
                 profile: Mapping[str, Any]) -> tuple[int, ...]:
    """Return the full active quotas a profile snapshot puts a new respondent in."""
    rules = tuple(rules)
    values = quota_values(flow, flow.values({}), profile)
    entered = [rule for rule in holding(flow, rules, values, finished=False) if rule.is_active]
    return _full(entered)


def screen_step(*, flow: Flow, rules: Iterable[QuotaRule], response: Response,
                step: Step) -> Verdict:
    """Return what submitting ``step`` on ``response`` (as read) means for the quotas."""
    rules = tuple(rules)
    if not rules or step.values is None or step.outcome in ("invalid", "screened_out"):
        return Verdict()
    finishing = step.outcome == "completed"
    profile = response.profile if reads_profile(flow, rules) else {}
    held = holding(flow, rules, quota_values(flow, step.values, profile), finished=finishing)
    if not held:
        return Verdict()
    before_values = quota_values(
        flow, flow.values(answers_from_json(flow.form, response.answers)), profile)
    before = {rule.pk for rule in holding(flow, rules, before_values, finished=False)}
    entered = [rule for rule in held if rule.is_active and rule.pk not in before]
    if not finishing:
        return Verdict(full=_full(entered))
    return Verdict(full=_full(entered), cells=tuple(rule.pk for rule in held),
                   recheck=tuple(rule.pk for rule in held if rule.is_active))


def _full(rules: Collection[QuotaRule]) -> tuple[int, ...]:
    if not rules:
        return ()
    counts = selectors.quota_completes(quota_ids=[rule.pk for rule in rules])
    return tuple(rule.pk for rule in rules if counts[rule.pk] >= rule.target)


def full_under_lock(*, response: Response, quota_ids: Collection[int]) -> tuple[int, ...]:
    """For a response through a personal link, lock ``quota_ids`` and return those full now;
    for an open-link response return ``()`` without locking. Call inside a transaction."""
    if not quota_ids or not Invitation.objects.filter(response_id=response.pk).exists():
        return ()
    targets = dict(Quota.objects.select_for_update().filter(pk__in=quota_ids).order_by("pk")
                   .values_list("pk", "target"))
    counts = selectors.quota_completes(quota_ids=list(targets))
    return tuple(pk for pk, target in targets.items() if counts[pk] >= target)


def record_hits(*, response: Response, quota_ids: Iterable[int], counted: bool) -> None:
    """Store that the finished ``response`` is in these quotas' cells; ``counted``: it
    completed (else a full quota turned it away)."""
    QuotaHit.objects.bulk_create([QuotaHit(quota_id=pk, response_id=response.pk,
                                           counted=counted) for pk in quota_ids])
