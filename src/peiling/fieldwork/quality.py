"""Data quality checks of completed responses, in the manner of ISO 20252 (§ 4.7, checking
data before analysis): speeders, straight-liners, item non-response, duplicates on open links
and nonsense in open answers. Pure: numpy over a ``Dataset`` and per-respondent paradata; no
Django. Each rule gives every respondent a yes or no and, for a yes, one line saying why.

The rules and their defaults (each can be switched off or set per fieldwork, ``Rules``):

``speeder``
    total duration (completion minus start) below ``speeder_fraction`` of the median
    duration of the completed responses (default one third, as is common in panel
    research); only once ``MIN_FOR_MEDIAN`` durations are known.
``straightlining``
    the same answer to every statement of a grid (a ``table-list`` group) of at least
    ``straightline_min`` statements (default 5).
``nonresponse``
    more than ``nonresponse_share`` (default half) of the questions a respondent was asked
    (notes and calculations aside) left unanswered, of at least ``MIN_ASKED`` asked.
``duplicate``
    a response through an open link from the same device as an earlier one (the same
    User-Agent and first-party cookie; never an IP address), or with the same answers as an
    earlier one to every closed question, when at least ``MIN_PATTERN`` were answered.
``nonsense``
    an open answer that is keyboard mashing: keys in a row of the keyboard ("asdfg"), one
    character four times or more making up at least half of the answer ("aaaa", "!!!!"), a
    word of six letters or more without a vowel ("sdkjfhsdkf"), or one word of four letters
    or more of at most two different letters ("hahaha").

For a duplicate the earlier one is the original, in the order given (``order``; the order
of the rows by default). The flags grow as responses come in (``prior``): the rules that look
at one response at a time run over the new ones only, the duplicate rule remembers the
devices and answer patterns it has seen, and the speeder rule keeps every duration, because
the median moves.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peiling.analysis import Dataset
from peiling.forms.model import Form, Group, Question

__all__ = ["RULES", "Flags", "Rules", "flag_responses", "is_nonsense", "rules_from"]

RULES = ("speeder", "straightlining", "nonresponse", "duplicate", "nonsense")
MIN_FOR_MEDIAN = 20
MIN_ASKED = 4
MIN_PATTERN = 10
ANSWERED_TYPES = frozenset({"select_one", "select_multiple", "integer", "decimal", "range",
                            "text", "date", "rank"})
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: Runs of five keys of a keyboard row ("asdfg"), and the four-key runs that mashing starts
#: with; shorter or other four-key runs occur in real words ("erty" in "liberty").
_MASHES = frozenset({row[i:i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4)}
                    | {"asdf", "qwer", "zxcv", "sdfg", "hjkl"})
_REPEAT = re.compile(r"(.)\1{3,}")
_WORD = re.compile(r"[^\W\d_]{6,}")
_VOWELS = set("aeiouyàáâäèéêëìíîïòóôöùúûü")


@dataclass(frozen=True)
class Rules:
    """Which rules run, and their thresholds (the defaults above)."""

    speeder: bool = True
    speeder_fraction: float = 1 / 3
    straightlining: bool = True
    straightline_min: int = 5
    nonresponse: bool = True
    nonresponse_share: float = 0.5
    duplicate: bool = True
    nonsense: bool = True


def rules_from(settings: Mapping[str, Any]) -> Rules:
    """Return the rules a fieldwork's stored settings give (unknown keys are ignored)."""
    known = {f.name: f.type for f in fields(Rules)}
    given = {k: v for k, v in settings.items() if k in known}
    return replace(Rules(), **given)


@dataclass
class Flags:
    """Per rule, which respondents it flags and why (a line per flagged respondent); and
    what flagging more respondents later needs: every duration, and the devices and answer
    patterns seen (a 96-bit hash of each, with the label of the respondent each was first
    seen with)."""

    n: int
    flagged: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    why: dict[str, dict[int, str]] = field(default_factory=dict)
    seconds: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    devices_seen: dict[str, str] = field(default_factory=dict)
    patterns_seen: dict[bytes, str] = field(default_factory=dict)

    def rules_of(self, row: int) -> list[str]:
        return [rule for rule in RULES if rule in self.flagged and self.flagged[rule][row]]

    def any(self) -> NDArray[np.bool_]:
        result = np.zeros(self.n, dtype=bool)
        for mask in self.flagged.values():
            result |= mask
        return result

    def counts(self) -> dict[str, int]:
        return {rule: int(self.flagged[rule].sum()) for rule in RULES if rule in self.flagged}


def flag_responses(form: Form, dataset: Dataset, *, durations: Sequence[float | None],
                   open_link: Sequence[bool], devices: Sequence[str],
                   rules: Rules = Rules(), labels: Sequence[str] | None = None,
                   order: Sequence[int] | None = None, prior: Flags | None = None) -> Flags:
    """Return the flags of the respondents of ``dataset`` (answers to ``form``); with
    ``prior``, the flags of the respondents ``prior`` holds followed by those of ``dataset``
    (flagged with the same ``rules``). ``durations`` in seconds (``None`` unknown),
    ``open_link`` whether each came through an open link, ``devices`` each one's device key
    ("" unknown), ``labels`` how a reason names another respondent (its row, counted from
    1, by default), ``order`` the order in which they came (the rows' by default)."""
    start = prior.n if prior is not None else 0
    n = dataset.n
    labels = list(labels) if labels is not None else [str(start + i + 1) for i in range(n)]
    order = list(order) if order is not None else list(range(n))
    flags = Flags(start + n)
    seconds = np.array([np.nan if d is None else d for d in durations], dtype=float)
    flags.seconds = np.concatenate([prior.seconds, seconds]) if prior is not None else seconds
    if prior is not None:
        flags.devices_seen = dict(prior.devices_seen)
        flags.patterns_seen = dict(prior.patterns_seen)
    if rules.speeder:  # over every duration: the median moves as responses come in
        _set(flags, "speeder", *_speeders(flags.seconds, rules.speeder_fraction))
    new: dict[str, tuple[NDArray[np.bool_], dict[int, str]]] = {}
    if rules.straightlining:
        new["straightlining"] = _straightliners(form, dataset, rules.straightline_min)
    if rules.nonresponse:
        new["nonresponse"] = _nonresponse(form, dataset, rules.nonresponse_share)
    if rules.duplicate:
        new["duplicate"] = _duplicates(dataset, list(open_link), list(devices), labels,
                                       order, flags)
    if rules.nonsense:
        new["nonsense"] = _nonsense(form, dataset)
    for rule, (mask, why) in new.items():
        if prior is not None:
            mask = np.concatenate([prior.flagged[rule], mask])
            why = {**prior.why[rule], **{start + row: line for row, line in why.items()}}
        _set(flags, rule, mask, why)
    return flags


def _set(flags: Flags, rule: str, mask: NDArray[np.bool_], why: Mapping[int, str]) -> None:
    flags.flagged[rule] = mask
    flags.why[rule] = dict(why)


Found = tuple[NDArray[np.bool_], dict[int, str]]


def _speeders(seconds: NDArray[np.float64], fraction: float) -> Found:
    known = seconds[~np.isnan(seconds)]
    mask = np.zeros(len(seconds), dtype=bool)
    why: dict[int, str] = {}
    if known.size >= MIN_FOR_MEDIAN:
        median = float(np.median(known))
        with np.errstate(invalid="ignore"):
            mask = seconds < fraction * median
        for row in np.flatnonzero(mask):
            why[int(row)] = (f"{_minutes(seconds[row])} tegen {_minutes(median)} mediaan "
                             f"(grens {round(fraction * 100)}%)")
    return mask, why


def _minutes(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 60}:{whole % 60:02d} min"


def _grids(form: Form, minimum: int) -> list[tuple[str, list[str]]]:
    """The table-list groups with at least ``minimum`` single choice statements."""
    grids = []
    for item, _parents in form.walk():
        if isinstance(item, Group) and "table-list" in (item.appearance or ""):
            names = [q.name for q in item.children
                     if isinstance(q, Question) and q.type == "select_one"]
            if len(names) >= minimum:
                grids.append((item.name, names))
    return grids


def _straightliners(form: Form, dataset: Dataset, minimum: int) -> Found:
    mask = np.zeros(dataset.n, dtype=bool)
    why: dict[int, str] = {}
    for group, names in _grids(form, minimum):
        names = [name for name in names if name in dataset.variables]
        if len(names) < minimum:
            continue
        codes = np.column_stack([dataset.codes(name) for name in names])
        same = (codes >= 0).all(axis=1) & (codes == codes[:, :1]).all(axis=1)
        for row in np.flatnonzero(same & ~mask):
            why[int(row)] = f"{len(names)} keer hetzelfde antwoord in ‘{group}’"
        mask |= same
    return mask, why


def _answerable(form: Form, dataset: Dataset) -> list[str]:
    return [q.name for q in form.questions()
            if q.type in ANSWERED_TYPES and q.name in dataset.variables]


def _nonresponse(form: Form, dataset: Dataset, share: float) -> Found:
    names = _answerable(form, dataset)
    asked = np.zeros(dataset.n, dtype=np.int32)
    missing = np.zeros(dataset.n, dtype=np.int32)
    for name in names:
        was_asked = dataset.asked(name)
        asked += was_asked
        missing += was_asked & ~dataset.answered(name)
    with np.errstate(invalid="ignore", divide="ignore"):
        mask = (asked >= MIN_ASKED) & (missing > share * asked)
    why = {int(row): f"{missing[row]} van {asked[row]} gestelde vragen niet beantwoord"
           for row in np.flatnonzero(mask)}
    return mask, why


def _duplicates(dataset: Dataset, open_link: list[bool], devices: list[str],
                labels: list[str], order: list[int], flags: Flags) -> Found:
    """Flag the respondents in ``order`` whose device or answer pattern was seen before
    (also before this dataset: ``flags.devices_seen``, ``flags.patterns_seen``, which grow)."""
    n = dataset.n
    mask = np.zeros(n, dtype=bool)
    why: dict[int, str] = {}
    first = flags.devices_seen
    for row in order:
        device = devices[row]
        if not open_link[row] or not device:
            continue
        if device in first:
            mask[row] = True
            why[row] = f"zelfde apparaat als respons {first[device]}"
        else:
            first[device] = labels[row]
    closed = [name for name, v in dataset.variables.items()
              if v.kind in ("single", "multiple") and v.question_type is not None]
    if closed and n:
        columns = []
        answered = np.zeros(n, dtype=np.int32)
        for name in closed:
            if dataset.variable(name).kind == "single":
                codes = dataset.codes(name).astype(np.int64)
                columns.append(codes[:, None])
            else:
                codes = dataset.selected(name).astype(np.int64)
                columns.append(np.where(dataset.answered(name)[:, None], codes, -1))
            answered += dataset.answered(name)
        matrix = np.ascontiguousarray(np.hstack(columns))
        rows = matrix.view(np.dtype((np.void, matrix.dtype.itemsize * matrix.shape[1]))).ravel()
        seen = flags.patterns_seen
        for row in order:
            if answered[row] < MIN_PATTERN:
                continue
            key = hashlib.blake2b(rows[row].tobytes(), digest_size=12).digest()
            if key in seen:
                if not mask[row]:
                    why[row] = f"zelfde antwoorden als respons {seen[key]}"
                mask[row] = True
            else:
                seen[key] = labels[row]
    return mask, why


def is_nonsense(text: str) -> bool:
    """Whether an open answer is keyboard mashing (see the module docstring)."""
    value = " ".join(text.split()).casefold()
    squeezed = value.replace(" ", "")
    if len(squeezed) < 4:
        return False
    longest = max((len(m.group(0)) for m in _REPEAT.finditer(squeezed)), default=0)
    if longest >= 4 and 2 * longest >= len(squeezed):  # "aaaa", "!!!!!", not "heeeeel goed"
        return True
    if " " not in value and squeezed.isalpha() and len(set(squeezed)) <= 2:  # "hahaha"
        return True
    if any(mash in squeezed for mash in _MASHES):
        return True
    return any(not (set(word) & _VOWELS) for word in _WORD.findall(value))


def _nonsense(form: Form, dataset: Dataset) -> Found:
    mask = np.zeros(dataset.n, dtype=bool)
    why: dict[int, str] = {}
    for question in form.questions():
        if question.type != "text" or question.name not in dataset.variables:
            continue
        values = dataset.distinct_values(question.name)
        bad = np.array([is_nonsense(str(v)) for v in values] + [False], dtype=bool)
        codes = dataset.codes(question.name)
        hit = bad[np.where(codes >= 0, codes, len(values))]
        for row in np.flatnonzero(hit & ~mask):
            text = str(values[codes[row]])
            why[int(row)] = f"‘{text[:40]}’ bij {question.name}"
        mask |= hit
    return mask, why
