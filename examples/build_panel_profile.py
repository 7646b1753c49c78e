"""Write ``panel-profiel.xlsx``: the profile of the example panel, as an XLSForm.

The profile variables of a panel are questions like any other, so they have labels and choice
lists. ``org_type``, ``domain`` and ``function`` take their choice lists from the example
questionnaire (``build_example.py``), so the profile snapshot that goes with each invitation
uses the same choice names as the questionnaire and the report's Tabel 4.1 and 4.2. Gender and
age band are what panels usually also keep.

Run from the repository root::

    .venv/bin/python examples/build_panel_profile.py

Deterministic, like ``build_example.py``: the same script gives the same bytes on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from build_example import CHOICES, EN, FIXED_DATE, NL, save_deterministic
from openpyxl import Workbook

OUTPUT = Path(__file__).with_name("panel-profiel.xlsx")

SURVEY = [
    ("select_one org_type", "org_type", ("Type organisatie", "Type of organisation")),
    ("select_one domain", "domain", ("Werkterrein", "Field of work")),
    ("select_one function", "function", ("Functie", "Position")),
    ("select_one gender", "gender", ("Geslacht", "Gender")),
    ("select_one age_band", "age_band", ("Leeftijd", "Age")),
]
PROFILE_CHOICES = {
    "org_type": CHOICES["org_type"],
    "domain": CHOICES["domain"],
    "function": CHOICES["function"],
    "gender": [
        ("vrouw", ("Vrouw", "Female")),
        ("man", ("Man", "Male")),
        ("anders", ("Anders / zeg ik liever niet", "Other / prefer not to say")),
    ],
    "age_band": [
        ("tot35", ("Jonger dan 35 jaar", "Under 35")),
        ("35_44", ("35 tot en met 44 jaar", "35 to 44")),
        ("45_54", ("45 tot en met 54 jaar", "45 to 54")),
        ("55plus", ("55 jaar of ouder", "55 or older")),
    ],
}
SETTINGS = {
    "form_title": "Profiel panelleden",
    "form_id": "panel_profiel",
    "version": "2018-01",
    "default_language": NL,
}


def build_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    survey = workbook.create_sheet("survey")
    survey.append(["type", "name", f"label::{NL}", f"label::{EN}", "required"])
    for type_, name, (dutch, english) in SURVEY:
        survey.append([type_, name, dutch, english, "yes"])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", f"label::{NL}", f"label::{EN}"])
    for list_name, rows in PROFILE_CHOICES.items():
        for name, (dutch, english) in rows:
            choices.append([list_name, name, dutch, english])
    settings = workbook.create_sheet("settings")
    settings.append(list(SETTINGS))
    settings.append(list(SETTINGS.values()))
    workbook.properties.creator = "peiling"
    workbook.properties.title = SETTINGS["form_title"]
    workbook.properties.created = FIXED_DATE
    workbook.properties.modified = FIXED_DATE
    return workbook


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else OUTPUT
    save_deterministic(build_workbook(), path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
