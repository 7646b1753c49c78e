"""Personal data in open answers: where an answer may name a person or give an address, a
phone number, an e-mail address, a BSN or a bank account, and the answer with those parts
masked ("[naam]"). No Django.

Names come from ``deduce`` (Menger et al., *DEDUCE: A pattern matching method for automatic
de-identification of Dutch medical text*, Telematics and Informatics 35 (2018); version 3),
with only its name annotators switched on: its lists of Dutch first names and surnames,
initials, prefixes ("dhr.", "wethouder") and name context. deduce loads its lookup tables in
about ten seconds (building them on first use after installing takes one to two minutes:
``prepare``, which ``make`` runs), so this module loads it once per process, and only where
seconds do not matter: the worker that scans new answers and the exports. A page of the web
app masks with the stored scan (``services.personal_data_scan``) and, for an answer not
scanned yet, with the patterns below, ``names=False``.

The rest are patterns of our own, because they are exact and quick:

- e-mail addresses;
- Dutch phone numbers: 06 and area codes of 2 to 4 digits, with +31 or 0031, spaces,
  hyphens or a slash between the groups (10 digits in all);
- postcodes (four digits, not starting with 0, and two letters) followed by a house number
  or a place ("1234 AB 12", "1234 AB Utrecht"), and street + house number
  ("Kerkstraat 12a": a word ending in straat, laan, weg, plein, ... and a number);
- numbers of nine digits that pass the BSN eleven test (Wet algemene bepalingen
  burgerservicenummer, art. 1: sum of digit x weight 9..2 minus the last digit divisible
  by 11);
- IBANs of Dutch form (NL, two check digits, four letters, ten digits).

What is found is a *possible* personal datum: "Den Haag" is a surname to deduce. A person
looks and releases the answer (``services.personal_data_release``) or leaves it masked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Found", "mask", "prepare", "scan"]

#: What a found part is, with the text it is masked by.
KINDS = {
    "name": "[naam]",
    "email": "[e-mailadres]",
    "phone": "[telefoonnummer]",
    "address": "[adres]",
    "bsn": "[BSN]",
    "iban": "[rekeningnummer]",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31[\s-]?(?:\(0\)[\s-]?)?|0)"
    r"(?:6[\s-]?(?:\d[\s-]?){7}\d|[1-9](?:[\s/-]?\d){8})(?!\d)"
)
_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}(?:\s*\d{1,5}[a-zA-Z]?\b|"
                       r",?\s+[A-Z][a-z]+(?:[ -][A-Za-z][a-z]+)*)")
_STREET = re.compile(
    r"\b[A-Z][a-zà-ÿ'-]*(?:straat|laan|weg|plein|singel|gracht|kade|dijk|dreef|hof|pad|steeg"
    r"|plantsoen|markt|park|baan|ring|wal)\s+\d{1,5}[a-zA-Z]?\b"
)
_NINE = re.compile(r"(?<![\d-])(?<!\d[.,])(?:\d{9}|\d{4}[.\s]\d{2}[.\s]\d{3})(?![\d-]|[.,]\d)")
_DIGIT_OR_AT = re.compile(r"[0-9@]")
_IBAN = re.compile(r"\bNL\s?\d{2}\s?[A-Z]{4}\s?(?:\d\s?){9}\d\b", re.IGNORECASE)

#: The annotators of deduce that find names (its others find places, dates and ages, which
#: in answers about public services are no personal data: "in Utrecht", "sinds 2019").
_NAME_ANNOTATORS = frozenset({
    "names", "prefix_with_initial", "prefix_with_interfix", "prefix_with_name",
    "interfix_with_name", "initial_with_name", "initial_interfix", "first_name_lookup",
    "surname_lookup", "name_context", "person_annotation_converter", "post_processing",
    "overlap_resolver", "merge_adjacent_annotations",
})
_deduce: Any = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Found:
    """A possible personal datum: its kind (a key of ``KINDS``) and where it is."""

    kind: str
    start: int
    end: int


def bsn_valid(digits: str) -> bool:
    """Whether nine digits pass the eleven test of a BSN."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def prepare() -> Any:
    """Load deduce (building its lookup tables the first time) and return it."""
    global _deduce
    with _lock:
        if _deduce is None:
            import logging

            from deduce import Deduce

            logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
            _deduce = Deduce()
        return _deduce


def scan(text: str, *, names: bool = True) -> tuple[Found, ...]:
    """Return the possible personal data in ``text``, in order, overlaps merged; with
    ``names=False`` only what the patterns find (no deduce)."""
    text = str(text)
    found: list[Found] = []
    # Every pattern needs a digit or an @: most answers have neither, and are done at once.
    if _DIGIT_OR_AT.search(text):
        for kind, pattern in (("email", _EMAIL), ("phone", _PHONE), ("address", _POSTCODE),
                              ("address", _STREET), ("iban", _IBAN)):
            found.extend(Found(kind, m.start(), m.end()) for m in pattern.finditer(text))
        for match in _NINE.finditer(text):
            if bsn_valid(re.sub(r"\D", "", match.group())):
                found.append(Found("bsn", match.start(), match.end()))
    if names and any(ch.isupper() for ch in text):
        document = prepare().deidentify(text, enabled=set(_NAME_ANNOTATORS))
        found.extend(Found("name", a.start_char, a.end_char) for a in document.annotations
                     if a.tag in ("persoon", "patient"))
    return _merged(found)


def _merged(found: list[Found]) -> tuple[Found, ...]:
    result: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -f.end)):
        if result and item.start < result[-1].end:
            last = result[-1]
            if item.end > last.end:
                result[-1] = Found(last.kind, last.start, item.end)
            continue
        result.append(item)
    return tuple(result)


def mask(text: str, found: Sequence[Found]) -> str:
    """Return ``text`` with every found part replaced by its kind ("[naam]")."""
    if not found:
        return text
    parts, at = [], 0
    for item in found:
        parts.append(text[at:item.start])
        parts.append(KINDS.get(item.kind, "[...]"))
        at = item.end
    parts.append(text[at:])
    return "".join(parts)
