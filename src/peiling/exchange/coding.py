"""How answers become numbers and labels in an export: codes, missing values, measure levels.

The rules, documented for researchers in ``docs/methods.md`` ("Exportformaten"):

    choice code        1-based position of the choice in its choice list, so the codes of a
                       form version never change between exports (a choice never answered keeps
                       its code)
    don't know         a choice whose name means "don't know" (``weet_niet``, ``wn``, ``dk`` ...,
                       the analysis engine's ``DONT_KNOW_NAMES``) gets ``-1`` instead (a second
                       one in the same list ``-3``, then ``-4`` ...), declared user-missing
    not asked          ``-2``, user-missing: routing (``relevant``) kept the question from the
                       respondent; for choice questions and their 0/1 indicators
    not answered       system-missing (empty): asked, but no answer (or a partial response)
    measure level      scale for numbers; ordinal for a rating scale (see ``measure_level``);
                       nominal for everything else

Pure Python, no Django.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Literal, TypeAlias

from peiling.analysis.dataset import Variable
from peiling.analysis.tables import DONT_KNOW_NAMES
from peiling.forms.model import Form, language_code

__all__ = [
    "DONT_KNOW_CODE",
    "NOT_ASKED_CODE",
    "Measure",
    "is_dont_know",
    "measure_level",
    "text",
    "text_language",
    "truncate_bytes",
    "value_codes",
]

Measure: TypeAlias = Literal["nominal", "ordinal", "scale"]

DONT_KNOW_CODE = -1
NOT_ASKED_CODE = -2
#: A rating scale has at least this many substantive (not don't-know) points.
MIN_SCALE_POINTS = 3

#: Word stems of the two ends of rating scales: (negative end, positive end). A list is
#: ordinal when its first and last substantive labels sit at opposite ends.
SCALE_POLES: tuple[tuple[str, str], ...] = (
    ("oneens", "eens"),
    ("ontevreden", "tevreden"),
    ("onwenselijk", "wenselijk"),
    ("onbelangrijk", "belangrijk"),
    ("onwaarschijnlijk", "waarschijnlijk"),
    ("slecht", "goed"),
    ("nooit", "altijd"),
    ("belemmering", "stimulans"),
    ("disagree", "agree"),
    ("dissatisfied", "satisfied"),
    ("undesirable", "desirable"),
    ("unimportant", "important"),
    ("unlikely", "likely"),
    ("bad", "good"),
    ("never", "always"),
    ("barrier", "incentive"),
)

_NUMBERED = re.compile(r"(\D*?)(\d+)")
_SEPARATORS = re.compile(r"[\s_\-./]")

#: The language of peiling's own texts for a form that declares no language.
DEFAULT_LANGUAGE = "nl"
#: Texts an export writes itself, per language code; English for any other language.
TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "not_asked": "Not asked (routing)",
        "dont_know": "don't know",
        "not_answered": "empty = not answered",
        "codes": "Codes: position in the choice list (1, 2, ...)",
        "selected": "Selected",
        "not_selected": "Not selected",
        "_source": "Source (panel or open link)",
        "_status": "Status of the response",
        "_started": "Started at",
        "_completed": "Completed at",
        "_duration": "Duration in seconds (completed - started)",
        "_device": "Device class",
        "_language": "Language of the questionnaire",
        "_excluded": "Excluded after the data quality checks (1 = yes)",
    },
    "nl": {
        "not_asked": "Niet gevraagd (routing)",
        "dont_know": "weet niet",
        "not_answered": "leeg = niet beantwoord",
        "codes": "Codes: plaats in de keuzelijst (1, 2, ...)",
        "selected": "Gekozen",
        "not_selected": "Niet gekozen",
        "_source": "Bron (panel of open link)",
        "_status": "Status van de respons",
        "_started": "Gestart om",
        "_completed": "Afgerond om",
        "_duration": "Duur in seconden (afgerond - gestart)",
        "_device": "Soort apparaat",
        "_language": "Taal van de vragenlijst",
        "_excluded": "Uitgesloten na de controle op datakwaliteit (1 = ja)",
    },
}


def text_language(language: str | None) -> str:
    """Return the language of peiling's own texts for labels in ``language``: Dutch for a form
    without languages (peiling's default), English for a language peiling has no texts in."""
    code = language_code(language) if language else DEFAULT_LANGUAGE
    code = DEFAULT_LANGUAGE if code == "default" else code
    return code if code in TEXTS else "en"


def text(key: str, language: str | None) -> str:
    """Return peiling's own text ``key`` for labels in ``language`` (see ``text_language``)."""
    return TEXTS[text_language(language)][key]


def is_dont_know(name: str) -> bool:
    """Return whether a choice name means "don't know" (as the analysis engine decides)."""
    return _SEPARATORS.sub("", name.lower()) in DONT_KNOW_NAMES


def value_codes(variable: Variable) -> tuple[int, ...]:
    """Return the export code of each category of ``variable``, in category order.

    Position + 1, except don't-know choices: -1, then -3, -4 ... (-2 is "not asked").
    """
    codes: list[int] = []
    next_missing = DONT_KNOW_CODE
    for position, category in enumerate(variable.categories, start=1):
        if is_dont_know(category.name):
            codes.append(next_missing)
            next_missing = (
                NOT_ASKED_CODE - 1 if next_missing == DONT_KNOW_CODE else next_missing - 1
            )
        else:
            codes.append(position)
    return tuple(codes)


def measure_level(variable: Variable, form: Form | None = None) -> Measure:
    """Return the SPSS measure level of ``variable``.

    Numbers (integer, decimal, range) are scale. A ``select_one`` question is ordinal when its
    substantive choices (don't-know left out) number at least three and

    1. it is one of the statements of a ``table-list`` grid, or has appearance ``likert``; or
    2. their names are consecutive whole numbers with a common prefix (``1``..``5``,
       ``0``..``10``, ``niveau1``..``niveau4``), rising or falling; or
    3. the first and last labels are the two ends of a known scale (``SCALE_POLES``: "Helemaal
       mee eens" ... "Helemaal mee oneens", "Zeer tevreden" ... "Zeer ontevreden").

    Everything else is nominal, columns of a data file that are not in the form too.
    """
    if variable.kind == "numeric":
        return "scale"
    if variable.kind != "single" or variable.question_type != "select_one":
        return "nominal"
    substantive = [c for c in variable.categories if not is_dont_know(c.name)]
    if len(substantive) < MIN_SCALE_POINTS:
        return "nominal"
    if form is not None and variable.question_type is not None and _in_grid(form, variable.name):
        return "ordinal"
    if _numbered(tuple(c.name for c in substantive)):
        return "ordinal"
    if _poles(substantive[0].label) | _poles(substantive[-1].label) == {"negative", "positive"}:
        return "ordinal"
    return "nominal"


def _in_grid(form: Form, name: str) -> bool:
    try:
        question = form.question(name)
        parents = form.parents_of(name)
    except KeyError:
        return False
    if "likert" in (question.appearance or "").split():
        return True
    return bool(parents) and "table-list" in (parents[-1].appearance or "").split()


def _numbered(names: tuple[str, ...]) -> bool:
    matches = [_NUMBERED.fullmatch(name) for name in names]
    if not all(matches):
        return False
    prefixes = {m.group(1) for m in matches if m}
    numbers = [int(m.group(2)) for m in matches if m]
    steps = {b - a for a, b in itertools.pairwise(numbers)}
    return len(prefixes) == 1 and steps in ({1}, {-1})


def _poles(label: str) -> set[str]:
    """Return {"negative"} or {"positive"} when ``label`` names one end of a known scale.

    Stems match at the start of a word, so "oneens" is no "eens" and "Gemeenschap" no "eens".
    """
    lowered = label.lower()
    for negative, positive in SCALE_POLES:
        if re.search(rf"\b{negative}", lowered):
            return {"negative"}
        if re.search(rf"\b{positive}", lowered):
            return {"positive"}
    return set()


def truncate_bytes(value: str, limit: int, *, ellipsis: str = "…") -> tuple[str, bool]:
    """Return ``value`` cut to at most ``limit`` UTF-8 bytes, and whether it was cut.

    The cut falls at the last space before the limit when that keeps at least two thirds of
    the room (else inside a word, never inside a character) and ends in ``ellipsis``.
    """
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value, False
    room = limit - len(ellipsis.encode("utf-8"))
    head = encoded[:room].decode("utf-8", errors="ignore")
    space = head.rfind(" ")
    ends_a_word = value[len(head)].isspace()
    if not ends_a_word and space >= len(head) * 2 // 3:
        head = head[:space]
    return head.rstrip() + ellipsis, True
