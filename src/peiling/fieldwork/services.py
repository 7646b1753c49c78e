"""Operations that change fieldwork: periods, links, quotas, starting and answering responses.

Every page submit is one conditional ``UPDATE`` on ``Response.version`` (optimistic
versioning): two tabs submitting at once are applied one after the other, the later one again
against the answers the earlier one left, so answers are never lost or mixed.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiling.fieldwork import screening, selectors
from peiling.fieldwork.answers import TamperedSubmit, answers_from_json, answers_to_json
from peiling.fieldwork.device import device_class
from peiling.fieldwork.errors import (
    Closed,
    LinkUnknown,
    LinkUsed,
    NotOpenYet,
    PageUnavailable,
    ResponseFinished,
    TamperedInput,
)
from peiling.fieldwork.flow import Action, Flow, PageNotShown, Step
from peiling.fieldwork.models import (
    PANEL_SOURCE,
    Fieldwork,
    Invitation,
    OpenLink,
    Quota,
    Response,
)
from peiling.fieldwork.quotas import QuotaRule, condition_problems
from peiling.fieldwork.tasks import quality_refresh_soon
from peiling.fieldwork.tokens import (
    new_link_key,
    new_respondent_key,
    new_token,
    token_hash,
    well_formed,
)
from peiling.questionnaires.models import FormVersion

#: Fields a respondent page posts besides the answers.
CONTROL_FIELDS = frozenset({"csrfmiddlewaretoken", "action", "page"})


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its token: the only moment the token exists in clear."""

    invitation: Invitation
    token: str


@dataclass(frozen=True)
class SubmitResult:
    response: Response
    step: Step


@transaction.atomic
def fieldwork_create(
    *, form_version: FormVersion, slug: str, name: str, opens_at: dt.datetime,
    closes_at: dt.datetime, intro: Mapping[str, str] | None = None,
    thank_you: Mapping[str, str] | None = None, user: Any = None,
) -> Fieldwork:
    """Create a fieldwork period; raise ``ValidationError`` for a bad slug or window."""
    fieldwork = Fieldwork(
        form_version=form_version, slug=slug, name=name, opens_at=opens_at,
        closes_at=closes_at, intro=dict(intro or {}), thank_you=dict(thank_you or {}),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    fieldwork.full_clean()
    fieldwork.save()
    return fieldwork


@transaction.atomic
def open_link_create(*, fieldwork: Fieldwork, source: str) -> OpenLink:
    """Create an open link whose responses carry ``source``; raise ``ValidationError`` when
    the tag is not a slug or the fieldwork already has it."""
    link = OpenLink(fieldwork=fieldwork, source=source, key=new_link_key())
    link.full_clean()
    link.save()
    return link


# -- quotas ---------------------------------------------------------------------------------


@transaction.atomic
def quota_create(
    *, fieldwork: Fieldwork, name: str, condition: str, target: int,
    text: Mapping[str, str] | None = None, is_active: bool = True,
    profile_variables: Collection[str] = (),
) -> Quota:
    """Create a quota: at most ``target`` completes from respondents for whom ``condition``
    holds (an XLSForm expression over the questions of the fieldwork's questionnaire and
    ``profile_variables``, the names in the panel's profile snapshots). ``text``: what a
    respondent turned away sees, per language (empty: a standard text).

    Raise ``ValidationError`` listing every problem per field (unknown variables included).
    """
    quota = Quota(fieldwork=fieldwork, name=name, condition=condition, target=target,
                  text=dict(text or {}), is_active=is_active)
    _validate_quota(quota, profile_variables)
    quota.save()
    Fieldwork.objects.filter(pk=fieldwork.pk).update(has_quotas=True)
    fieldwork.has_quotas = True
    return quota


@transaction.atomic
def quota_update(
    *, quota: Quota, name: str | None = None, condition: str | None = None,
    target: int | None = None, text: Mapping[str, str] | None = None,
    is_active: bool | None = None, profile_variables: Collection[str] = (),
) -> Quota:
    """Change the given fields of a quota (None: unchanged; ``is_active=False`` stops it
    screening); raise ``ValidationError`` for every problem. Once the quota has counted a
    response its condition is fixed: the counts were made with it."""
    quota = Quota.objects.select_for_update().select_related("fieldwork").get(pk=quota.pk)
    if condition is not None and condition != quota.condition and quota.hits.exists():
        raise ValidationError({"condition": ValidationError(
            f"quota {quota.name!r} has responses in its cell, placed there by this condition, "
            "so the condition can no longer change; switch this quota off and create a new "
            "one instead.",
            code="counted")})
    changes = {"name": name, "condition": condition, "target": target,
               "text": dict(text) if text is not None else None, "is_active": is_active}
    for field, value in changes.items():
        if value is not None:
            setattr(quota, field, value)
    _validate_quota(quota, profile_variables)
    quota.save()
    return quota


@transaction.atomic
def quota_delete(*, quota: Quota) -> None:
    """Delete a quota without finished responses in its cell; raise ``ValidationError``
    otherwise (its counts explain why respondents were turned away: switch it off instead)."""
    finished = quota.hits.count()
    if finished:
        raise ValidationError(
            f"quota {quota.name!r} has {finished} finished responses in its cell (completed or "
            "turned away); switch it off (is_active=False) instead of deleting it, so that "
            "they stay explained.", code="counted")
    quota.delete()
    Fieldwork.objects.filter(pk=quota.fieldwork_id).update(
        has_quotas=Quota.objects.filter(fieldwork_id=quota.fieldwork_id).exists())


def _validate_quota(quota: Quota, profile_variables: Collection[str]) -> None:
    """Raise ``ValidationError`` with every problem of ``quota``, per field."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        quota.full_clean()
    except ValidationError as error:
        errors = {field: list(problems) for field, problems in error.error_dict.items()}
    if "text" not in errors and not (isinstance(quota.text, dict) and all(
            isinstance(k, str) and isinstance(v, str) and v.strip()
            for k, v in quota.text.items())):
        errors["text"] = [ValidationError(
            'the quota-full text must map language codes to texts, e.g. {"nl": "..."}; '
            f"got {quota.text!r}", code="text")]
    if "condition" not in errors:
        form = selectors.flow_for(form_version=quota.fieldwork.form_version).form
        variables = [q.name for q in form.questions() if q.type != "note"]
        problems = condition_problems(quota.condition, form_variables=variables,
                                      profile_variables=profile_variables)
        if problems:
            errors["condition"] = [ValidationError(problem.message, code=problem.code)
                                   for problem in problems]
    if errors:
        raise ValidationError(errors)


def invitation_create(*, fieldwork: Fieldwork,
                      profile: Mapping[str, Any] | None = None) -> IssuedInvitation:
    """Create one personal link; the token is returned here and never stored."""
    return invitations_create(fieldwork=fieldwork, profiles=[profile or {}])[0]


@transaction.atomic
def invitations_create(*, fieldwork: Fieldwork, profiles: Iterable[Mapping[str, Any]],
                       tokens: Iterable[str] | None = None) -> list[IssuedInvitation]:
    """Create one personal link per profile snapshot (in batches); return them with tokens.

    ``tokens`` lets the caller supply the tokens (e.g. ``tokens.derived_token``, so a panel
    can rebuild the link for a reminder without storing it); by default they are random.
    Only their hashes are stored.
    """
    issued = []
    supplied = iter(tokens) if tokens is not None else None
    for profile in profiles:
        token = new_token() if supplied is None else next(supplied)
        if not well_formed(token):
            raise ValueError("a supplied token must have the form new_token() gives")
        invitation = Invitation(fieldwork=fieldwork, token_hash=token_hash(token),
                                profile=dict(profile))
        issued.append(IssuedInvitation(invitation, token))
    Invitation.objects.bulk_create([item.invitation for item in issued], batch_size=1000)
    return issued


#: Starts the stored hash of a revoked link: no SHA-256 hex digest can match it.
REVOKED_PREFIX = "revoked:"


@transaction.atomic
def invitations_revoke(*, invitation_ids: Collection[int]) -> int:
    """Make personal links stop working for good, for erasure (AVG art. 17); return how many.

    The stored hash is replaced by a random value no token hashes to, so the link answers as
    an unknown link: it neither resumes a response (its answers stay, anonymous) nor starts
    one. The invitation's profile snapshot goes; a started response keeps its own.
    """
    invitations = list(Invitation.objects.select_for_update().filter(pk__in=invitation_ids))
    for invitation in invitations:
        invitation.token_hash = REVOKED_PREFIX + secrets.token_hex(24)
        invitation.profile = {}
    Invitation.objects.bulk_update(invitations, ["token_hash", "profile"])
    return len(invitations)


def _check_window(fieldwork: Fieldwork, now: dt.datetime) -> None:
    window = selectors.fieldwork_window(fieldwork=fieldwork, now=now)
    if window == "before":
        raise NotOpenYet("before opens_at", opens_at=fieldwork.opens_at)
    if window == "after":
        raise Closed("after closes_at", closes_at=fieldwork.closes_at)


def response_start(
    *, fieldwork: Fieldwork, language: str, source: str = PANEL_SOURCE, user_agent: str = "",
    invitation: Invitation | None = None, now: dt.datetime | None = None,
    device_key: str = "",
) -> Response:
    """Start a response through a personal link (``invitation``) or an open link (``source``).

    A personal link's profile snapshot may put the respondent in a full quota: then the
    response is stored finished, with status ``quota_full`` (see ``screening``).

    Starting twice through one personal link returns the response already started. Raise
    NotOpenYet / Closed outside the window, LinkUsed for a link whose response is finished,
    LinkUnknown for a link revoked by erasure (also when that happens during the start).

    A personal link is claimed in the transaction that inserts the response, by a
    conditional ``UPDATE`` of the link: of two starts at once, the second waits for the
    first's row lock, finds the link taken, keeps nothing and returns the first one's.
    """
    now = now or timezone.now()
    _check_window(fieldwork, now)
    profile: dict[str, Any] = {}
    if invitation is not None:
        if invitation.response_id is not None or invitation.started_at is not None:
            return _started_before(invitation.pk)
        profile, source = dict(invitation.profile), PANEL_SOURCE
    flow = selectors.flow_for(form_version=fieldwork.form_version)
    first = flow.first_page({})
    full = (screening.screen_start(flow=flow, rules=selectors.quota_rules(fieldwork=fieldwork),
                                   profile=profile) if profile and fieldwork.has_quotas else ())
    response = Response(
        fieldwork=fieldwork, form_version=fieldwork.form_version,
        respondent_key=new_respondent_key(), source=source, language=language,
        device_class=device_class(user_agent), profile=profile, device_key=device_key[:32],
        current_page=first.key if first else "", started_at=now, updated_at=now,
        status=Response.Status.QUOTA_FULL if full else Response.Status.STARTED,
        completed_at=now if full else None,
    )
    # The values come from this function, the links and the form; the database enforces the
    # keys. Checking those here (``full_clean``) would cost three queries per respondent.
    response.clean_fields(exclude=["fieldwork", "form_version"])
    if invitation is None:
        response.save(force_insert=True)
        return response
    finished = {"finished_at": now} if full else {}
    with transaction.atomic():
        response.save(force_insert=True)
        claimed = (Invitation.objects
                   .filter(pk=invitation.pk, response__isnull=True, started_at__isnull=True)
                   .exclude(token_hash__startswith=REVOKED_PREFIX)  # erased meanwhile
                   .update(response=response, started_at=now, **finished))
        if not claimed:  # another start took the link first: keep nothing
            transaction.set_rollback(True)
        else:
            screening.record_hits(response=response, quota_ids=full, counted=False)
    if not claimed:
        return _started_before(invitation.pk)
    invitation.response, invitation.started_at = response, now
    if full:
        invitation.finished_at = now
    return response


def _started_before(invitation_pk: int) -> Response:
    """Return the response a personal link started before; raise LinkUsed when it is
    finished or was erased."""
    invitation = Invitation.objects.select_related("response").get(pk=invitation_pk)
    if invitation.token_hash.startswith(REVOKED_PREFIX):
        raise LinkUnknown("the link was revoked (erasure)")
    if invitation.response is None:
        raise LinkUsed("this token's response was unlinked")
    if invitation.response.is_finished:
        raise LinkUsed("the response of this token is finished")
    return invitation.response


def response_submit(
    *, fieldwork: Fieldwork, response: Response, page_key: str,
    data: Mapping[str, Sequence[str]], action: Action, language: str,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Apply one page submit to ``response`` (of ``fieldwork``, as read for this request).

    Optimistic versioning: the answers are written with one ``UPDATE ... WHERE version = v``;
    when another submit (a second tab) saved first, the response is read again and the submit
    applied to what that one left, so answers are never lost or mixed. ``data`` is what the
    page posted without ``CONTROL_FIELDS``; an ``invalid`` step stores nothing. A submit
    that puts the respondent in a full quota ends the response with status ``quota_full``
    (``result.response.status``; see ``screening``), whatever the step's outcome. Raise
    ResponseFinished, NotOpenYet/Closed, PageUnavailable or TamperedInput; each leaves the
    response as it was.
    """
    now = now or timezone.now()
    _check_window(fieldwork, now)
    rules: tuple[QuotaRule, ...] | None = None
    for _attempt in range(MAX_SUBMIT_ATTEMPTS):
        if response.is_finished:
            raise ResponseFinished("the response is finished")
        flow, step = _step(fieldwork, response, page_key, data, action, language)
        if step.outcome == "invalid":
            return SubmitResult(response, step)
        if rules is None:
            rules = selectors.quota_rules(fieldwork=fieldwork) if fieldwork.has_quotas else ()
        verdict = screening.screen_step(flow=flow, rules=rules, response=response, step=step)
        if _save_step(response, step, page_key, language, now, verdict):
            return SubmitResult(response, step)
        response = Response.objects.get(pk=response.pk)  # another submit came first
    raise PageUnavailable(f"{MAX_SUBMIT_ATTEMPTS} submits of this response at once")


#: How often a submit is re-applied when other submits of the same response keep winning.
MAX_SUBMIT_ATTEMPTS = 5


def _step(fieldwork: Fieldwork, response: Response, page_key: str,
          data: Mapping[str, Sequence[str]], action: Action, language: str,
          ) -> tuple[Flow, Step]:
    version = (fieldwork.form_version if response.form_version_id == fieldwork.form_version_id
               else FormVersion.objects.defer(*selectors.HEAVY_VERSION_FIELDS)
               .get(pk=response.form_version_id))
    flow = selectors.flow_for(form_version=version)
    answers = answers_from_json(flow.form, response.answers)
    try:
        step = flow.submit(answers, current=response.current_page or None, page=page_key,
                           data=data, action=action, language=language)
    except TamperedSubmit as error:
        raise TamperedInput(error.detail, reason=error.code, field=error.field) from None
    except PageNotShown as error:
        raise PageUnavailable(error.reason) from None
    if step.outcome == "invalid":
        return flow, step
    # Store the calculations with the answers: they are variables of the form too.
    values = step.values if step.values is not None else flow.values(step.answers)
    return flow, Step(step.outcome, values, step.page, step.check, values)


def _save_step(response: Response, step: Step, page_key: str, language: str,
               now: dt.datetime, verdict: screening.Verdict) -> bool:
    """Write the step if ``response`` is still at the version read; return whether it was."""
    changes: dict[str, Any] = {
        "answers": answers_to_json(step.answers),
        "page_times": {**response.page_times, page_key: now.isoformat()},
        "current_page": step.page or "",
        "language": language,
        "updated_at": now,
        "version": response.version + 1,
    }
    hits: tuple[int, ...] = ()
    if step.outcome == "screened_out":
        changes["status"] = Response.Status.SCREENED_OUT
    elif verdict.full:
        changes["status"], hits = Response.Status.QUOTA_FULL, verdict.full
    elif step.outcome == "completed":
        changes["status"], hits = Response.Status.COMPLETED, verdict.cells
    if "status" in changes:
        changes["completed_at"] = now
    saved = _update_if_version(response, changes, finished_at=changes.get("completed_at"),
                               hits=hits, recheck=() if verdict.full else verdict.recheck)
    if saved:
        for name, value in changes.items():
            setattr(response, name, value)
        if response.status == Response.Status.COMPLETED:
            quality_refresh_soon(fieldwork_id=response.fieldwork_id)
    return bool(saved)


def _update_if_version(response: Response, changes: dict[str, Any],
                       finished_at: dt.datetime | None = None, *, hits: Sequence[int] = (),
                       recheck: Sequence[int] = ()) -> int:
    """Write ``changes`` to the response if it is still at ``response.version`` (optimistic
    versioning: no other submit came first); return the rows written (0 or 1).

    With ``finished_at`` (a final status in ``changes``), also mark its personal link
    finished and record its quota ``hits``, in the same transaction. ``recheck``: quotas a
    personal link's completion must find not full under their row lock (``screening``); when
    one is, the status becomes ``quota_full`` and ``changes`` says so.
    """
    unchanged = Response.objects.filter(pk=response.pk, version=response.version)
    if finished_at is None:
        return unchanged.update(**changes)  # one statement: atomic on its own
    with transaction.atomic():
        full = screening.full_under_lock(response=response, quota_ids=recheck)
        if full:
            changes["status"], hits = Response.Status.QUOTA_FULL, full
        saved = unchanged.update(**changes)
        if saved:
            Invitation.objects.filter(response_id=response.pk).update(finished_at=finished_at)
            screening.record_hits(response=response, quota_ids=hits,
                                  counted=changes["status"] == Response.Status.COMPLETED)
    return saved


def responses_simulate(*, fieldwork: Fieldwork, n: int, seed: int | None = None,
                       source: str = "simulated", batch_size: int = 500,
                       expected: Any = None) -> int:
    """Create ``n`` completed responses with random valid answers, walking the real routing
    and constraints (``peiling.forms.simulate``), each checked page by page by the flow;
    ``expected`` (``peiling.forms.expected.read_expected``) gives questions their shares.

    Return how many were created; raise ``ValueError`` when the simulator produced answers
    the flow refuses (a bug in one of the two, never silently stored).
    """
    from peiling.fieldwork.simulation import simulated_response

    if n < 0:
        raise ValueError(f"n must be 0 or more (got {n})")
    rng = random.Random(seed)  # noqa: S311  (reproducible test data, not security)
    flow = selectors.flow_for(form_version=fieldwork.form_version)
    created = 0
    while created < n:
        batch = [simulated_response(fieldwork=fieldwork, flow=flow, rng=rng, source=source,
                                    expected=expected)
                 for _ in range(min(batch_size, n - created))]
        with transaction.atomic():
            Response.objects.bulk_create(batch)
        created += len(batch)
    return created


def invitations_simulate(*, fieldwork: Fieldwork, invitations: Iterable[Invitation],
                         seed: int | None = None, expected: Any = None) -> int:
    """Answer through personal links as respondents would: start, then submit page by page
    through ``response_submit`` (routing, checks and quota screening included), with random
    valid answers (``peiling.forms.simulate``). For demos; return how many finished."""
    from peiling.forms.simulate import simulate_answers

    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not security)
    flow = selectors.flow_for(form_version=fieldwork.form_version)
    language = flow.form.default_language or "nl"
    end = min(timezone.now(), fieldwork.closes_at)
    span = max((end - fieldwork.opens_at).total_seconds() - 1800, 0)
    finished = 0
    for invitation in invitations:
        answers = simulate_answers(flow.form, rng, expected=expected)
        # Starts spread over the fieldwork so far, each page 5-60 seconds after the last.
        moment = fieldwork.opens_at + dt.timedelta(seconds=rng.uniform(0, span))
        response = response_start(fieldwork=fieldwork, language=language,
                                  invitation=invitation, now=moment)
        for _page in range(10 * len(flow.pages)):
            if response.is_finished or not response.current_page:
                break
            page = flow.page(response.current_page)
            moment += dt.timedelta(seconds=rng.uniform(5, 60))
            response = response_submit(
                fieldwork=fieldwork, response=response, page_key=page.key,
                data=flow.post_data(page, answers), action="next", language=language,
                now=moment,
            ).response
        finished += response.is_finished
    return finished


# -- opening and closing --------------------------------------------------------------------


@transaction.atomic
def fieldwork_close(*, fieldwork: Fieldwork, now: dt.datetime) -> Fieldwork:
    """Close the fieldwork at ``now``: links stop taking answers; answers given stay.

    Raises ``ValidationError`` when it is closed already or has not opened yet.
    """
    if now >= fieldwork.closes_at:
        raise ValidationError(_("The fieldwork is closed already."))
    if now < fieldwork.opens_at:
        raise ValidationError(_("The fieldwork has not opened yet; change its dates instead."))
    fieldwork.closes_at = now
    fieldwork.save(update_fields=["closes_at"])
    return fieldwork


@transaction.atomic
def fieldwork_reopen(*, fieldwork: Fieldwork, now: dt.datetime,
                     closes_at: dt.datetime) -> Fieldwork:
    """Open a closed fieldwork again until ``closes_at`` (in the future)."""
    if now < fieldwork.closes_at:
        raise ValidationError(_("The fieldwork is still open."))
    if closes_at <= now:
        raise ValidationError(_("Choose a closing moment in the future."))
    fieldwork.closes_at = closes_at
    fieldwork.full_clean()
    fieldwork.save(update_fields=["closes_at"])
    return fieldwork
