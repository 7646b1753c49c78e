"""Response rates of a panel sample after AAPOR's Standard Definitions. Pure: no Django.

Each invitation gets exactly one final disposition, the first that applies:

=====================================  =========================  ==============================
what peiling knows                     disposition                AAPOR category (web survey of
                                                                  specifically named persons)
=====================================  =========================  ==============================
response ``completed``                 ``completed``              I   complete
response ``screened_out``              ``screened_out``           NE  not eligible (screened out)
response ``quota_full``                ``quota_full``             NE  not eligible (quota filled)
response ``started``, not finished     ``started``                P   partial (no threshold)
unsubscribed through this invitation   ``unsubscribed``           R   refusal (explicit)
e-mail bounced                         ``bounced``                UO  invitation undelivered
e-mail never sent                      ``not_sent``               UO  no invitation sent
e-mail delivered, nothing since        ``no_response``            UO  nothing ever returned
=====================================  =========================  ==============================

A respondent turned away because their quota cell was full is disposition 4.80 "quota
filled", one of the not-eligible codes (4.0) of AAPOR's final dispositions for internet surveys
of specifically named persons: like a screen-out it is left out of every rate's denominator,
and it is counted apart so that a report can say how many there were.

Non-contact (NC), other (O) and household-level unknown (UH) never occur: peiling cannot
observe them for e-mail invitations to named panel members. ``docs/methods.md`` gives the
formulas.

References
----------
The American Association for Public Opinion Research (2023). *Standard Definitions: Final
Dispositions of Case Codes and Outcome Rates for Surveys*, 10th edition. AAPOR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

__all__ = ["DISPOSITIONS", "Outcomes", "Rates", "outcome_rates"]

#: Final dispositions in precedence order (see the module docstring).
DISPOSITIONS = (
    "completed", "screened_out", "quota_full", "started", "unsubscribed", "bounced", "not_sent",
    "no_response",
)


@dataclass(frozen=True)
class Outcomes:
    """How many invitations ended in each disposition; the other counts derive from these."""

    completed: int = 0
    screened_out: int = 0
    #: AAPOR 4.80 "quota filled": not eligible, in no denominator (AAPOR 2023, see above).
    quota_full: int = 0
    started: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    not_sent: int = 0
    no_response: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Outcomes:
        unknown = set(counts) - set(DISPOSITIONS)
        if unknown:
            raise ValueError(f"dispositions must be among {DISPOSITIONS!r} (got {sorted(unknown)})")
        return cls(**{name: int(value) for name, value in counts.items()})

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                           for f in fields(self)})

    @property
    def sampled(self) -> int:
        return sum(getattr(self, name) for name in DISPOSITIONS)

    @property
    def invited(self) -> int:
        """Invitations whose e-mail went out (the SMTP server accepted it)."""
        return self.sampled - self.not_sent

    @property
    def delivered(self) -> int:
        return self.invited - self.bounced


@dataclass(frozen=True)
class Rates:
    """AAPOR outcome rates as fractions (0.25 = 25%); ``None`` when the denominator is 0."""

    rr1: float | None
    rr2: float | None
    coop1: float | None
    ref1: float | None
    con1: float | None


def outcome_rates(outcomes: Outcomes) -> Rates:
    """Return RR1, RR2, COOP1, REF1 and CON1 of ``outcomes`` (formulas: AAPOR 2023, §4).

    Not-eligible cases (``screened_out``, ``quota_full``) are in no formula.
    """
    i, p, r = outcomes.completed, outcomes.started, outcomes.unsubscribed
    nc = o = uh = 0
    uo = outcomes.bounced + outcomes.not_sent + outcomes.no_response
    all_cases = (i + p) + (r + nc + o) + (uh + uo)
    return Rates(
        rr1=_ratio(i, all_cases),
        rr2=_ratio(i + p, all_cases),
        coop1=_ratio(i, (i + p) + r + o),
        ref1=_ratio(r, all_cases),
        con1=_ratio((i + p) + r + o, (i + p) + r + o + nc + (uh + uo)),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
