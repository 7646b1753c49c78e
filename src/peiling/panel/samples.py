"""Samples: preview a draw of members for a fieldwork, then commit it as invitations.

``sample_preview`` reads only: it builds the frame of eligible members (active, within the
contact rules, not yet drawn for this fieldwork, with a valid value for every stratification
variable), draws with ``peiling.panel.sampling`` and shows achieved against target per
stratum. ``sample_commit`` stores exactly that draw: it locks the panel, checks that every
drawn member is still eligible (else ``SampleChanged``: preview again) and creates one
fieldwork invitation per member through fieldwork's services.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from numpy.typing import NDArray

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Fieldwork
from peiling.panel import selectors
from peiling.panel.errors import SampleChanged, SampleError
from peiling.panel.mail import link_nonce_and_token
from peiling.panel.models import Member, Panel, PanelInvitation, Sample
from peiling.panel.profile import ProfileVariable
from peiling.panel.sampling import METHODS, Method, draw_sample

__all__ = ["SampleDesign", "SamplePlan", "StratumPlan", "sample_commit", "sample_preview"]

_CHUNK = 10_000  # ids per IN (...) query: below every database's limit on parameters


@dataclass(frozen=True)
class SampleDesign:
    """How to draw: ``simple`` (``size``), ``proportional`` (``size`` over the strata of
    ``variables``) or ``targets`` (``targets[(choice, ...)]`` members per stratum)."""

    method: Method
    variables: tuple[str, ...] = ()
    size: int | None = None
    targets: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    seed: int = 0


@dataclass(frozen=True)
class StratumPlan:
    key: tuple[str, ...]
    eligible: int
    target: int
    achieved: int

    @property
    def shortfall(self) -> int:
        return self.target - self.achieved


@dataclass(frozen=True, eq=False)
class SamplePlan:
    """A drawn, not yet committed sample: per stratum eligible / target / achieved, the
    exclusions by reason, and the member ids drawn (with their stratum)."""

    panel: Panel
    fieldwork: Fieldwork
    design: SampleDesign
    strata: tuple[StratumPlan, ...]
    excluded: Mapping[str, int]
    member_ids: NDArray[np.int64]
    member_strata: NDArray[np.intp]

    @property
    def target(self) -> int:
        return sum(stratum.target for stratum in self.strata)

    @property
    def drawn(self) -> int:
        return int(self.member_ids.size)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.design.method, "variables": list(self.design.variables),
            "seed": self.design.seed, "excluded": dict(self.excluded),
            "strata": [{"stratum": list(s.key), "eligible": s.eligible, "target": s.target,
                        "achieved": s.achieved} for s in self.strata],
        }


def sample_preview(*, panel: Panel, fieldwork: Fieldwork, design: SampleDesign,
                   now: dt.datetime | None = None) -> SamplePlan:
    """Draw a sample without storing it.

    Raises
    ------
    SampleError
        Listing every problem of the design: unknown method, variable or choice, a variable
        that is not ``select_one``, a missing or too large size, a closed fieldwork.
    """
    now = now or timezone.now()
    variables = _check_design(panel, fieldwork, design, now)
    frame = selectors.sample_frame(panel=panel, fieldwork=fieldwork, variables=variables,
                                   now=now)
    dims = tuple(len(variable.choices) for variable in variables)
    if variables:
        codes = np.ravel_multi_index(frame.codes, dims).astype(np.intp)
    else:
        codes = np.zeros(frame.member_ids.size, dtype=np.intp)
    keys = list(itertools.product(*(v.choices for v in variables)))
    n_strata = len(keys)
    if design.method != "targets" and design.size is not None and design.size > codes.size:
        reasons = "; ".join(f"{n} {exclusion_label(reason, panel)}"
                            for reason, n in frame.excluded.items() if n)
        message = _("size %(size)s is more than the %(eligible)s eligible members") % {
            "size": design.size, "eligible": codes.size}
        if reasons:
            message += " " + _("(excluded: %(reasons)s)") % {"reasons": reasons}
        raise SampleError(message)
    targets = None
    if design.method == "targets":
        index = {key: position for position, key in enumerate(keys)}
        targets = np.zeros(n_strata, dtype=np.int64)
        for key, target in design.targets.items():
            targets[index[key]] = target
    draw = draw_sample(codes=codes, n_strata=n_strata, method=design.method,
                       seed=design.seed, size=design.size, targets=targets)
    strata = tuple(
        StratumPlan(keys[h], int(draw.eligible[h]), int(draw.target[h]), int(draw.achieved[h]))
        for h in range(n_strata)
        if draw.target[h] or (design.method != "targets" and draw.eligible[h])
    )
    return SamplePlan(panel=panel, fieldwork=fieldwork, design=design, strata=strata,
                      excluded=frame.excluded, member_ids=frame.member_ids[draw.indices],
                      member_strata=codes[draw.indices])


def exclusion_label(reason: str, panel: Panel) -> str:
    """A reason of ``Frame.excluded`` as a researcher reads it, in the active language; the
    contact rules with the panel's figures."""
    if reason.startswith("no valid "):
        name = reason[len("no valid "):]
        labels = {v.name: v.label for v in selectors.panel_variables(panel=panel)}
        return _("no valid value for %(name)s") % {"name": labels.get(name) or name}
    labels = {
        "not active": _("not active (paused, unsubscribed or bounced)"),
        "already drawn for this fieldwork": _("already drawn for this fieldwork"),
        "invited too often": ngettext(
            "contact rule: already invited %(n)s time in the last 30 days (the maximum)",
            "contact rule: already invited %(n)s times in the last 30 days (the maximum)",
            panel.max_invitations_per_30_days) % {"n": panel.max_invitations_per_30_days},
        "invited too recently": ngettext(
            "contact rule: invited less than %(n)s day ago",
            "contact rule: invited less than %(n)s days ago",
            panel.min_days_between_invitations) % {"n": panel.min_days_between_invitations},
    }
    return labels.get(reason, reason)


def _check_design(panel: Panel, fieldwork: Fieldwork, design: SampleDesign,
                  now: dt.datetime) -> list[ProfileVariable]:
    known = {variable.name: variable for variable in selectors.panel_variables(panel=panel)}
    problems, variables = [], []
    if design.method not in METHODS:
        problems.append(_("method must be one of %(methods)s (got %(method)r)") % {
            "methods": ", ".join(METHODS), "method": design.method})
    if design.method == "simple" and design.variables:
        problems.append(_("a simple random sample takes no stratification variables; "
                          "use proportional or targets to stratify"))
    if design.method in ("proportional", "targets") and not design.variables:
        problems.append(_("a %(method)s sample needs stratification variables") % {
            "method": design.method})
    for name in design.variables:
        variable = known.get(name)
        if variable is None:
            problems.append(_("%(name)r is not a profile variable of panel %(panel)r; "
                              "choose from %(known)s") % {
                "name": name, "panel": panel.slug, "known": ", ".join(known)})
        elif not variable.is_categorical:
            problems.append(_("%(name)r is of type %(type)s; strata need select_one "
                              "variables") % {"name": name, "type": variable.type})
        elif variable in variables:
            problems.append(_("%(name)r is named twice") % {"name": name})
        else:
            variables.append(variable)
    if design.method in ("simple", "proportional") and (design.size or 0) < 1:
        problems.append(_("the sample size must be 1 or more"))
    if design.method == "targets" and len(variables) == len(design.variables):
        problems += _target_problems(design, variables)
    if now >= fieldwork.closes_at:
        problems.append(_("fieldwork %(slug)r closed at %(closed)s; samples are drawn for "
                          "fieldwork that is open or yet to open") % {
            "slug": fieldwork.slug,
            "closed": f"{timezone.localtime(fieldwork.closes_at):%Y-%m-%d %H:%M}"})
    if problems:
        raise SampleError(problems)
    return variables


def _target_problems(design: SampleDesign, variables: list[ProfileVariable]) -> list[str]:
    problems = []
    if not design.targets or not any(design.targets.values()):
        problems.append(_("a targets sample needs a target above 0 for at least one stratum"))
    for key, target in design.targets.items():
        label = " / ".join(key)
        if len(key) != len(variables):
            problems.append(_("stratum %(label)r names %(given)s values; the design has "
                              "%(count)s variables (%(names)s)") % {
                "label": label, "given": len(key), "count": len(variables),
                "names": ", ".join(v.name for v in variables)})
            continue
        for value, variable in zip(key, variables, strict=True):
            if value not in variable.choices:
                problems.append(_("stratum %(label)r: %(value)r is not a choice of %(name)s; "
                                  "expected one of %(choices)s") % {
                    "label": label, "value": value, "name": variable.name,
                    "choices": ", ".join(variable.choices)})
        if target < 0:
            problems.append(_("stratum %(label)r: the target must be 0 or more (got %(target)s)")
                            % {"label": label, "target": target})
    return problems


@transaction.atomic
def sample_commit(*, plan: SamplePlan, user: Any = None,
                  now: dt.datetime | None = None) -> Sample:
    """Store the previewed draw: a ``Sample`` and one invitation per member drawn, each with
    a personal link made by fieldwork and the member's profile as snapshot.

    Raises
    ------
    SampleChanged
        A drawn member is no longer eligible (status changed, drawn for this fieldwork or
        invited elsewhere meanwhile); nothing is stored.
    """
    now = now or timezone.now()
    panel = Panel.objects.select_for_update().get(pk=plan.panel.pk)
    ids = plan.member_ids
    eligible = np.isin(ids, _active_ids(ids))
    eligible &= ~np.isin(ids, selectors.contact_rule_blocked(panel=panel, now=now))
    eligible &= ~np.isin(ids, np.fromiter(
        PanelInvitation.objects.filter(fieldwork=plan.fieldwork, member__isnull=False)
        .values_list("member_id", flat=True), dtype=np.int64))
    lost = int((~eligible).sum())
    if lost:
        raise SampleChanged(
            _("%(lost)s of the %(drawn)s members drawn are no longer eligible (their status "
              "changed, or they were invited meanwhile); preview the sample again") % {
                "lost": lost, "drawn": ids.size})
    profiles = _profiles(ids)
    links = [link_nonce_and_token() for _ in range(ids.size)]
    issued = fieldwork_services.invitations_create(
        fieldwork=plan.fieldwork, profiles=[profiles[int(pk)] for pk in ids],
        tokens=[token for _, token in links])
    design = plan.design
    sample = Sample(panel=panel, fieldwork=plan.fieldwork, method=design.method,
                    variables=list(design.variables), size=design.size or plan.target,
                    seed=design.seed, drawn=plan.drawn, plan=plan.as_json(),
                    created_by=user if getattr(user, "is_authenticated", False) else None)
    sample.full_clean()
    sample.save()
    keys = [" / ".join(key) for key in itertools.product(*_variable_choices(plan))]
    PanelInvitation.objects.bulk_create([
        PanelInvitation(sample=sample, fieldwork=plan.fieldwork, member_id=int(pk),
                        invitation=item.invitation, stratum=keys[int(code)],
                        link_nonce=nonce, drawn_at=now)
        for pk, code, item, (nonce, _) in zip(ids, plan.member_strata, issued, links,
                                              strict=True)
    ], batch_size=1000)
    return sample


def _variable_choices(plan: SamplePlan) -> list[tuple[str, ...]]:
    """Return the choice lists of the design's variables: stratum code ``h`` is position
    ``h`` of their product, as in ``sample_preview``."""
    known = {v.name: v for v in selectors.panel_variables(panel=plan.panel)}
    return [known[name].choices for name in plan.design.variables]


def _active_ids(ids: NDArray[np.int64]) -> NDArray[np.int64]:
    found: list[int] = []
    for start in range(0, ids.size, _CHUNK):
        chunk = [int(pk) for pk in ids[start:start + _CHUNK]]
        found += Member.objects.filter(pk__in=chunk, status=Member.Status.ACTIVE).values_list(
            "pk", flat=True)
    return np.asarray(found, dtype=np.int64)


def _profiles(ids: NDArray[np.int64]) -> dict[int, dict[str, Any]]:
    profiles: dict[int, dict[str, Any]] = {}
    for start in range(0, ids.size, _CHUNK):
        chunk = [int(pk) for pk in ids[start:start + _CHUNK]]
        profiles.update(Member.objects.filter(pk__in=chunk).values_list("pk", "profile"))
    return profiles
