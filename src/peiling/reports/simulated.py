"""Simulated answers for demos, tests and benchmarks, shaped like the reference report.

``peiling.forms.simulate.simulate_answers`` gives valid answers that walk the real routing and
constraints, with every choice equally likely. A report of such data reads oddly (every
five-point scale at 20%), so for the example questionnaire this module tilts the draws
towards the percentages the reference report printed (I&O Research 2018, Tabel 3.1-3.6, 4.1,
4.2 and the figures), per type of organisation and ICT domain where the report gives them:

- each respondent's stratum (type of organisation from Tabel 4.1, ICT domain from Tabel 4.2)
  is drawn first;
- ``simulate_answers`` then runs on a copy of the form whose choice lists repeat each choice as
  many times as its target percentage (and hold only the stratum's own organisation and
  domain), so its uniform pick lands on a choice with the target probability;
- a few open answers are replaced by the quotes the reference report printed, so that a
  report definition can choose them.

Questions without targets keep the uniform draws. Any other form is simulated uniformly.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from peiling.forms.expressions import Answer
from peiling.forms.model import Choice, Form, Group, Item
from peiling.forms.simulate import simulate_answers

__all__ = ["REFERENCE_QUOTES", "simulated_records", "write_odk_csv"]

#: Tabel 4.1: respondents per type of organisation.
ORG_COUNTS = {
    "gemeente": 532,
    "rijk": 168,
    "provincie_waterschap": 60,
    "uitvoering": 79,
    "veiligheid": 82,
    "onderwijs": 234,
    "zorg_welzijn": 205,
    "overig": 55,
}
#: Tabel 4.2: ICT domain, 122 of 532 at a gemeente and 229 of 1,415 in total.
ICT_SHARE = {"gemeente": 122 / 532, "other": 107 / 883}
ICT_FUNCTIONS = {
    "directie": 3,
    "afdelingshoofd": 11,
    "coordinator": 14,
    "beleid": 9,
    "specialist_ict": 50,
    "specialist_overig": 4,
    "staf": 5,
    "anders": 4,
}

# Targets in percent, per choice in list order; "*" is everyone without a target of their own.
_DESIRABILITY = {
    "gemeente": (81, 16, 2, 1),
    "rijk": (78, 19, 2, 1),
    "provincie_waterschap": (75, 20, 5, 0),
    "uitvoering": (85, 13, 1, 1),
    "*": (64, 28, 6, 2),
}
_SATISFACTION = {
    "gemeente": (8, 36, 32, 15, 7, 3),
    "rijk": (8, 35, 31, 14, 7, 5),
    "provincie_waterschap": (10, 45, 20, 17, 8, 0),
    "uitvoering": (12, 46, 15, 13, 7, 7),
    "ict": (12, 40, 22, 16, 8, 2),
    "*": (9, 37, 29, 14, 7, 4),
}
_MATURITY = {
    "gemeente": (6, 32, 44, 9, 9),
    "rijk": (5, 23, 40, 18, 14),
    "provincie_waterschap": (3, 27, 50, 17, 3),
    "uitvoering": (1, 19, 51, 22, 7),
    "*": (7, 27, 43, 13, 10),
}
_PROMISE = {
    "gemeente": (1, 18, 39, 22, 8, 12),
    "rijk": (0, 26, 34, 18, 6, 16),
    "provincie_waterschap": (0, 30, 35, 10, 7, 18),
    "uitvoering": (1, 27, 39, 15, 4, 14),
    "ict": (0, 20, 37, 23, 10, 10),
    "*": (1, 23, 29, 14, 5, 28),
}
_WHEN = {
    "gemeente": (30, 1, 2, 8, 5, 9, 2, 7, 23, 4, 2, 1, 2, 4),
    "rijk": (20, 1, 1, 8, 4, 14, 4, 4, 30, 4, 1, 0, 1, 8),
    "provincie_waterschap": (17, 2, 7, 10, 5, 8, 7, 5, 23, 2, 0, 0, 4, 10),
    "uitvoering": (16, 3, 0, 14, 5, 4, 3, 11, 28, 1, 3, 1, 0, 11),
    "*": (25, 2, 2, 10, 4, 8, 3, 5, 22, 4, 1, 1, 1, 12),
}


def _agree(agree: int, dont_know: int) -> tuple[int, ...]:
    """Split "% eens" and "% weet niet" over the five choices of the agree list."""
    disagree = 100 - agree - dont_know
    return (agree // 4, agree - agree // 4, disagree - disagree // 3, disagree // 3, dont_know)


def _stimulus(stimulus: int, neutral: int, obstacle: int) -> tuple[int, ...]:
    dont_know = 100 - stimulus - neutral - obstacle
    strong, weak = stimulus // 3, obstacle // 3
    return (strong, stimulus - strong, neutral, obstacle - weak, weak, dont_know)


# Figuur 3.1 (gemeente), Tabel 3.4 (ICT vs overig), Figuur 3.4, Figuur 3.5.
_GRIDS: dict[str, dict[str, tuple[int, ...]]] = {
    "st_priority": {"*": _agree(70, 5)},
    "st_budget": {"*": _agree(37, 21)},
    "st_funds": {"*": _agree(35, 15)},
    "st_rijk_budget": {"*": _agree(50, 25)},
    "st_law": {"*": _agree(40, 18)},
    "st_skills": {"ict": _agree(36, 5), "*": _agree(59, 4)},
    "st_knowledge": {"ict": _agree(31, 5), "*": _agree(53, 6)},
    "st_contracts": {"ict": _agree(45, 8), "*": _agree(39, 25)},
    "st_innovative": {"ict": _agree(43, 4), "*": _agree(40, 8)},
    "st_political": {"ict": _agree(39, 10), "*": _agree(40, 20)},
    "st_staff": {"ict": _agree(46, 7), "*": _agree(34, 33)},
    "st_support": {"ict": _agree(51, 12), "*": _agree(30, 45)},
    "st_pace": {"ict": _agree(19, 1), "*": _agree(32, 6)},
    "fac_management": {"*": _stimulus(61, 22, 12)},
    "fac_executive": {"*": _stimulus(49, 33, 13)},
    "fac_council": {"*": _stimulus(39, 41, 13)},
    "fac_ict_knowledge": {"*": _stimulus(34, 24, 37)},
    "fac_law": {"*": _stimulus(17, 33, 45)},
    "fac_contracts": {"*": _stimulus(6, 41, 43)},
    "prog_unclear": {"*": _agree(58, 22)},
    "prog_too_many": {"*": _agree(46, 35)},
    "prog_inefficient": {"*": _agree(40, 47)},
    "prog_useful": {"*": _agree(20, 57)},
    "prog_without": {"*": _agree(18, 49)},
    "prog_rutte3": {"*": _agree(11, 50)},
    "prog_digicom": {"*": _agree(39, 41)},
    "prog_minister": {"*": _agree(48, 15)},
}
TARGETS: dict[str, Mapping[str, tuple[int, ...]]] = {
    "desirability": _DESIRABILITY,
    "satisfaction": _SATISFACTION,
    "maturity": _MATURITY,
    "promise": _PROMISE,
    "when_digital": _WHEN,
    **_GRIDS,
}

#: Quotes printed in §3.1 and §3.7 of the reference report, by open question.
REFERENCE_QUOTES: dict[str, tuple[str, ...]] = {
    "desirability_why": (
        "Als burger verwacht je op elk moment zaken te kunnen regelen, zowel je boodschappen als "
        "je verzekeringen en dus ook bij de overheid.",
        "Het is goed dat dienstverlening digitaal aangeboden wordt, zolang de keuzevrijheid "
        "blijft om fysiek een aanvraag te bespreken en in te dienen.",
    ),
    "promise_causes": (
        "Langlopende ICT-contracten, macht van de grote ICT-jongens.",
        "Privacywetgeving knelt enorm.",
        "Wetgeving moet aangepast worden om het mogelijk te maken. Op dit moment is het "
        "onmogelijk om alles te digitaliseren (en je moet je afvragen of dit wenselijk is).",
        "Onvoldoende prioriteit in termen van ondersteuning en landelijke ontwikkeling. Te veel "
        "aan lokale overheden zelf overgelaten. Beter om landelijke systemen te ontwikkelen en "
        "overheden dwingen dit in te zetten.",
        "Overheidsorganisaties zijn niet flexibel genoeg. Digitale dienstverlening vraagt een "
        "forse aanpassing van de organisatie en processen.",
        "De echte wil bij directie en bestuurders; privacywetgeving blokkeert uitvoering.",
        "Onvoldoende focus en ondersteuning vanuit de Rijksoverheid; onvoldoende ontwikkeling "
        "bij de softwareaanbieders; onvoldoende capaciteit (middelen) bij de gemeenten.",
        "Er wordt te weinig geïnvesteerd in de kennis van de ambtenaren. We digitaliseren wel, "
        "maar we 'vergeten' dat er een omslag in denken en doen nodig is om een "
        "digitaliseringsproject te laten slagen.",
    ),
}


def simulated_records(form: Form, n: int, *, seed: int = 2018) -> list[dict[str, Answer]]:
    """Return ``n`` respondents' answers to ``form``, reproducible for a ``seed``.

    For the example questionnaire (form id ``digitalisering_overheid``) the answers follow the
    reference report's percentages (see the module docstring); for any other form they are
    ``simulate_answers``' uniform draws.
    """
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not security)
    if form.form_id != "digitalisering_overheid":
        return [simulate_answers(form, rng) for _ in range(n)]
    forms: dict[tuple[str, bool], Form] = {}
    orgs, counts = zip(*ORG_COUNTS.items(), strict=True)
    records = []
    for _ in range(n):
        org = rng.choices(orgs, counts)[0]
        ict = rng.random() < ICT_SHARE["gemeente" if org == "gemeente" else "other"]
        if (org, ict) not in forms:
            forms[org, ict] = _tilted(form, org, ict)
        records.append(simulate_answers(forms[org, ict], rng))
    _quote(records, rng)
    return records


def _tilted(form: Form, org: str, ict: bool) -> Form:
    """Return ``form`` with choice lists repeated to the stratum's target percentages."""
    lists = dict(form.choice_lists)
    domains = [c for c in lists["domain"] if (c.name == "ict") == ict]
    weights: dict[str, Sequence[int]] = {
        "org_type": [1 if c.name == org else 0 for c in lists["org_type"]],
        "domain": [1 if c in domains else 0 for c in lists["domain"]],
    }
    if ict:
        weights["function"] = [ICT_FUNCTIONS[c.name] for c in lists["function"]]
    for name, targets in TARGETS.items():
        chosen = targets.get("ict") if ict and "ict" in targets else None
        weights[name] = chosen or targets.get(org) or targets["*"]

    def visit(items: Iterable[Item]) -> tuple[Item, ...]:
        result: list[Item] = []
        for item in items:
            if isinstance(item, Group):
                result.append(replace(item, children=visit(item.children)))
            elif item.name in weights and item.choice_list:
                key = f"{item.name}__tilted"
                lists[key] = _repeat(form.choice_lists[item.choice_list], weights[item.name])
                result.append(replace(item, choice_list=key))
            else:
                result.append(item)
        return tuple(result)

    return replace(form, children=visit(form.children), choice_lists=lists)


def _repeat(choices: Sequence[Choice], weights: Sequence[int]) -> tuple[Choice, ...]:
    if len(weights) != len(choices):
        raise ValueError(f"expected {len(choices)} weights, got {len(weights)}")
    return tuple(c for c, w in zip(choices, weights, strict=True) for _ in range(w))


def _quote(records: list[dict[str, Answer]], rng: random.Random) -> None:
    """Give some of those asked an open question the reference report's quotes as answer."""
    for name, quotes in REFERENCE_QUOTES.items():
        asked = [r for r in records if name in r]
        for quote, record in zip(
            quotes, rng.sample(asked, min(len(asked), len(quotes))), strict=False
        ):
            record[name] = quote


def write_odk_csv(
    form: Form,
    records: Sequence[Mapping[str, Answer]],
    path: str | Path,
    *,
    extra: Sequence[Mapping[str, str]] = (),
) -> None:
    """Write ``records`` as a CSV file in the ODK export conventions ``peiling`` reads.

    One column per question (select_multiple as space-separated choice names), in form order;
    ``extra`` adds columns per record (e.g. ``source``).
    """
    names = [q.name for q in form.questions() if q.type != "note"]
    extra_names = list(dict.fromkeys(k for row in extra for k in row))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names + extra_names)
        for i, record in enumerate(records):
            row = [_cell(record.get(name)) for name in names]
            more = extra[i] if i < len(extra) else {}
            writer.writerow(row + [more.get(k, "") for k in extra_names])


def _cell(value: Answer) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)
