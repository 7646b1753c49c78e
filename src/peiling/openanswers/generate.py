"""Dutch open answers made from templates, with the theme each was made from: for the demo,
the tests of the theme proposal and its benchmark (nothing is downloaded).

The answers are to a question like "Waarom vindt u dat (on)wenselijk?" about digital
government services. Each theme has several ways of saying it: four sentences with their own
words, sharing only the theme's core (``kern``: "privacy", "gegevensbescherming", ...) as
real answers on one theme do; answers get openings, closings and now and then a clause of
another theme or a typo.
"""

from __future__ import annotations

import random

__all__ = ["THEMES", "generated_answers"]

#: Per theme: a label and sentences with slots filled from the lists that follow them.
THEMES: dict[str, tuple[str, list[str], dict[str, list[str]]]] = {
    "gemak": ("Gemak en tijdwinst", [
        "Je kunt {wat} {wanneer} regelen, dat is {kern} en scheelt {winst}.",
        "Online {wat} regelen is {kern} en scheelt {winst}.",
        "Ik hoef niet meer naar het gemeentehuis, {kern}: {wanneer} {wat} regelen.",
        "Het is {kern}, {wanneer} thuis {wat} aanvragen zonder wachten.",
    ], {
        "kern": ["makkelijk", "gemakkelijk", "handig", "snel en makkelijk", "erg handig"],
        "wat": ["mijn zaken", "een paspoort", "een vergunning", "belastingzaken", "alles"],
        "wanneer": ["op elk moment", "'s avonds", "in het weekend", "wanneer het mij uitkomt",
                    "24 uur per dag"],
        "winst": ["veel tijd", "een hoop reistijd", "tijd en moeite", "wachttijd"],
    }),
    "ouderen": ("Niet iedereen kan digitaal meedoen", [
        "Niet iedereen is {vaardig}, denk aan {kern}.",
        "{Kern} worden uitgesloten als alles alleen digitaal gaat.",
        "Voor {kern} is het {moeilijk} om online iets te regelen.",
        "De overheid moet rekening houden met {kern} die niet {vaardig} zijn.",
    ], {
        "kern": ["ouderen", "oudere mensen", "senioren", "ouderen en laaggeletterden",
                 "mensen op leeftijd"],
        "vaardig": ["digitaal vaardig", "handig met computers", "goed met internet",
                    "thuis in de digitale wereld"],
        "moeilijk": ["lastig", "moeilijk", "een drempel", "bijna onmogelijk"],
    }),
    "privacy": ("Privacy en veiligheid van gegevens", [
        "Ik maak me zorgen over {kern} van mijn gegevens.",
        "Het risico op {lek} is te groot voor {kern}.",
        "{Kern} is online niet gegarandeerd, denk aan {lek}.",
        "Mijn {kern} is niet veilig, er zijn te veel {lek}.",
    ], {
        "kern": ["privacy", "de privacy", "gegevensbescherming", "privacy van gegevens",
                 "bescherming van persoonsgegevens"],
        "lek": ["datalekken", "hackers", "identiteitsfraude", "phishing", "lekken"],
    }),
    "contact": ("Persoonlijk contact blijft nodig", [
        "Ik wil {kern} kunnen blijven houden bij {zaak}.",
        "{Kern} is belangrijk, zeker bij {zaak}.",
        "Bij {zaak} heb je {kern} nodig, een website kan dat niet.",
        "Er moet altijd een loket blijven voor {zaak}, met {kern}.",
    ], {
        "kern": ["persoonlijk contact", "contact met een mens", "menselijk contact",
                 "contact aan de balie", "persoonlijk contact met een medewerker"],
        "zaak": ["ingewikkelde vragen", "problemen", "bijzondere situaties", "zorgvragen",
                 "complexe zaken"],
    }),
    "kosten": ("Kostenbesparing voor de overheid", [
        "Het {kern} voor de overheid.",
        "Digitaal werken {kern} voor de gemeente, minder {personeel} nodig.",
        "Het {kern}: minder {personeel} en minder papier.",
        "Het {kern} en dat scheelt belastinggeld.",
    ], {
        "kern": ["bespaart kosten", "is goedkoper", "levert een kostenbesparing op",
                 "scheelt kosten", "bespaart veel geld"],
        "personeel": ["personeel", "baliemedewerkers", "formatie", "loketten"],
    }),
    "systemen": ("Systemen werken niet goed", [
        "De {kern} {storing}, dan kun je niets.",
        "Als de {kern} {storing} sta je met lege handen.",
        "De {kern} is vaak onduidelijk en {storing}.",
        "Ik heb slechte ervaringen: de {kern} {storing}.",
    ], {
        "kern": ["website", "app", "DigiD", "website van de gemeente", "inlogsysteem"],
        "storing": ["ligt er vaak uit", "werkt niet goed", "is traag", "heeft storingen",
                    "loopt vast"],
    }),
}
_OPENINGS = ["", "", "", "Tja, ", "Omdat ", "Nou, ", "Eerlijk gezegd: ", "Volgens mij ",
             "Ik vind dat "]
_CLOSINGS = ["", "", "", " Dat is mijn mening.", " Zo simpel is het.", " Toch?",
             " Daar moet goed over nagedacht worden."]


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    values = {name: rng.choice(choices) for name, choices in slots.items()}
    values["Kern"] = values["kern"][0].upper() + values["kern"][1:]
    return template.format(**values)


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 10:
        return text
    at = rng.randrange(1, len(text) - 1)
    return text[:at] + text[at + 1] + text[at] + text[at + 2:]


def generated_answers(n: int, *, seed: int = 0, themes: tuple[str, ...] = tuple(THEMES),
                      noise: float = 0.15) -> list[tuple[str, str]]:
    """Return ``n`` answers as (text, theme), the themes in turn; with chance ``noise`` an
    answer gets a clause of another theme, and with the same chance a typo."""
    rng = random.Random(seed)  # noqa: S311  (made-up answers, not security)
    answers = []
    for i in range(n):
        theme = themes[i % len(themes)]
        _label, templates, slots = THEMES[theme]
        sentence = _fill(rng.choice(templates), slots, rng)
        opening = rng.choice(_OPENINGS)
        if opening:
            sentence = opening + sentence[0].lower() + sentence[1:]
        sentence += rng.choice(_CLOSINGS)
        if rng.random() < noise:
            other = rng.choice([t for t in themes if t != theme])
            _l, other_templates, other_slots = THEMES[other]
            clause = _fill(rng.choice(other_templates), other_slots, rng)
            sentence += " Ook: " + clause[0].lower() + clause[1:]
        if rng.random() < noise:
            sentence = _typo(sentence, rng)
        answers.append((sentence, theme))
    return answers
