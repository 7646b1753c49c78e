"""Dutch writing conventions for reports: numbers, dates, quotes, lists. Pure, locale-free.

Dutch reports write thousands with a point (1.415), decimals with a comma (27,5), a
percentage without a space (44%), quotes as ‘…’, and dates as "dinsdag 27 februari 2018".
The month and day names are spelled out here, so the output never depends on the machine's
locale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence

from peiling.analysis import Dataset, round_half_up

__all__ = [
    "capitalise",
    "date_long",
    "decimal",
    "join_and",
    "month_year",
    "number",
    "paragraphs",
    "percent",
    "pipe_values",
    "question_text",
    "quoted",
    "safe_text",
    "short_question",
]

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_PIPE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
# Characters XML 1.0 cannot hold (Word and Excel files are XML): C0 controls but tab, LF, CR.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
SHORT_QUESTION = 160


def number(value: float) -> str:
    """Return a whole number the Dutch way: ``1415`` -> ``"1.415"``."""
    return f"{int(round_half_up(value)):,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    """Return ``value`` rounded half up with a decimal comma: ``27.45`` -> ``"27,5"``."""
    rounded = float(round_half_up(value, places))
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float | None) -> str:
    """Return a percentage rounded half up to a whole number: ``43.5`` -> ``"44%"``."""
    if value is None:
        return "–"
    return f"{int(round_half_up(value))}%"


def date_long(day: dt.date) -> str:
    """Return ``"dinsdag 27 februari 2018"``."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def month_year(day: dt.date) -> str:
    """Return ``"maart 2018"``."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def quoted(text: str) -> str:
    """Return ``text`` between Dutch single quotes: ``‘…’``."""
    return f"‘{text.strip()}’"


def capitalise(text: str) -> str:
    """Return ``text`` with its first letter in upper case (the rest unchanged)."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
    return text


def join_and(items: Sequence[str]) -> str:
    """Return ``"a, b en c"``."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def paragraphs(text: str) -> list[str]:
    """Split a text from a definition into paragraphs: a blank line starts a new one, a single
    line break (as YAML's ``|`` keeps them) is a space."""
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


def safe_text(text: object) -> str:
    """Return ``text`` as a string without the control characters XML cannot hold."""
    return _NOT_XML.sub("", str(text))


def question_text(label: str, pipes: Mapping[str, Iterable[str]] | None = None) -> str:
    """Return a question label as a report prints it: piped-in answers as ``<a / b>``.

    ``"in uw ${org_word}"`` becomes ``"in uw <gemeente / organisatie>"``, as the reference
    report writes ``<organisatie / gemeente>``; without known values, ``<…>``.
    """

    def replace(match: re.Match[str]) -> str:
        values = sorted({str(v) for v in (pipes or {}).get(match.group(1), ()) if str(v)})
        return "<" + (" / ".join(values) if values else "…") + ">"

    return " ".join(_PIPE.sub(replace, label).split())


def pipe_values(dataset: Dataset) -> dict[str, tuple[object, ...]]:
    """Return the values each calculation takes in ``dataset``: what ``question_text`` shows
    for a ``${name}`` piped into a label."""
    return {
        variable.name: dataset.distinct_values(variable.name)
        for variable in dataset.variables.values()
        if variable.kind == "text" and variable.question_type == "calculate"
    }


def short_question(label: str, limit: int = SHORT_QUESTION) -> str:
    """Return the question itself from a long label: its last sentence when that one asks.

    A label that explains first and asks last ("Het was de bedoeling dat ... In welke mate
    heeft de overheid voldaan aan deze belofte, vindt u?") is cut to the question; a label
    that stays too long is returned as "" so that callers can leave it out.
    """
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    sentences = _SENTENCE.split(label)
    last = sentences[-1] if sentences else ""
    return last if last.endswith("?") and len(last) <= limit else ""
