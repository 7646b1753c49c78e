"""The demo panel: 1,415 members shaped like the example report's panel. Pure Python.

Source: I&O Research for Binnenlands Bestuur (2018), *Hoe beoordelen ambtenaren de
digitalisering bij de overheid?*, chapter 4: Tabel 4.1 (type of organisation, exact counts
below), Tabel 4.2 (function of the 229 members in the ICT domain, 122 of them at a gemeente)
and the text (1,093 from the I&O Research Panel, recruited at random; 322 through an open
call). The 107 ICT members outside gemeenten are spread over the other organisation types in
proportion to their size. The report gives no more: the other domains, the functions outside
ICT, gender and age band are drawn from plausible shares, seeded, so every run with the same
seed writes the same file. Addresses are at ``example.org`` (RFC 2606: never delivered).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

__all__ = ["ORGANISATIONS", "demo_members", "demo_members_csv"]

#: Tabel 4.1: members per type of organisation.
ORGANISATIONS = {
    "gemeente": 532, "rijk": 168, "provincie_waterschap": 60, "uitvoering": 79,
    "veiligheid": 82, "onderwijs": 234, "zorg_welzijn": 205, "overig": 55,
}
FUNCTIONS = ("directie", "afdelingshoofd", "coordinator", "beleid", "specialist_ict",
             "specialist_overig", "staf", "anders")
#: Tabel 4.2: functions in the ICT domain, at gemeenten and in total.
ICT_GEMEENTE = (2, 13, 17, 18, 60, 2, 8, 2)
ICT_TOTAL = (7, 26, 32, 21, 115, 9, 11, 8)
PANEL_RECRUITED = 1093  # the rest (322) came through the open link
OTHER_DOMAINS = ("dienstverlening", "bedrijfsvoering", "sociaal", "ruimte", "veiligheid",
                 "economie", "onderwijs", "bestuur", "anders")
#: Plausible shares (not in the report) of the non-ICT domains, per organisation type.
DOMAIN_WEIGHTS = {
    "default": (15, 25, 10, 12, 6, 6, 4, 12, 10),
    "gemeente": (18, 18, 20, 18, 4, 5, 2, 10, 5),
    "veiligheid": (5, 20, 3, 2, 55, 1, 1, 8, 5),
    "onderwijs": (5, 20, 3, 1, 1, 1, 55, 6, 8),
    "zorg_welzijn": (8, 20, 55, 1, 1, 1, 2, 5, 7),
}
FUNCTION_WEIGHTS = (4, 10, 16, 30, 2, 20, 10, 8)
GENDERS = (("vrouw", 48), ("man", 50), ("anders", 2))
AGE_BANDS = (("tot35", 15), ("35_44", 22), ("45_54", 30), ("55plus", 33))
FIRST_NAMES = ("Anna", "Bram", "Carla", "Daan", "Eva", "Fatima", "Gert", "Hanneke", "Ilse",
               "Jeroen", "Karin", "Lars", "Marieke", "Noah", "Olga", "Pieter", "Rachid",
               "Sanne", "Thijs", "Ursula", "Vincent", "Wendy", "Youssef", "Zoë")
SURNAMES = ("de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
            "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "Yılmaz",
            "van Leeuwen", "Dekker", "Brouwer", "de Wit", "El Amrani", "Kramer", "Verbeek")
COLUMNS = ("email", "name", "language", "recruitment_source", "recruited_on", "org_type",
           "domain", "function", "gender", "age_band")


def demo_members(*, seed: int = 2018) -> list[dict[str, str]]:
    """Return the 1,415 demo members as rows of ``COLUMNS``."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not security)
    organisations = [org for org, n in ORGANISATIONS.items() for _ in range(n)]
    rng.shuffle(organisations)
    ict_other = _ict_outside_gemeenten()
    ict_functions = {
        "gemeente": _expand(ICT_GEMEENTE, rng),
        "other": _expand(tuple(t - g for t, g in zip(ICT_TOTAL, ICT_GEMEENTE, strict=True)),
                         rng),
    }
    ict_count = {"gemeente": sum(ICT_GEMEENTE), **ict_other}
    ict = set()
    for org, n in ict_count.items():
        ict.update(rng.sample([i for i, o in enumerate(organisations) if o == org], n))
    sources = ["aselecte steekproef"] * PANEL_RECRUITED
    sources += ["open aanmelding"] * (len(organisations) - PANEL_RECRUITED)
    rng.shuffle(sources)
    rows = []
    for number, org in enumerate(organisations, start=1):
        if number - 1 in ict:
            domain = "ict"
            function = ict_functions["gemeente" if org == "gemeente" else "other"].pop()
        else:
            weights = DOMAIN_WEIGHTS.get(org, DOMAIN_WEIGHTS["default"])
            domain = rng.choices(OTHER_DOMAINS, weights)[0]
            function = rng.choices(FUNCTIONS, FUNCTION_WEIGHTS)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        rows.append({
            "email": f"panellid{number:04d}@example.org",
            "name": f"{first} {last}",
            "language": "en" if rng.random() < 0.03 else "nl",
            "recruitment_source": sources[number - 1],
            "recruited_on": (dt.date(2012, 1, 1)
                             + dt.timedelta(days=rng.randrange(6 * 365))).isoformat(),
            "org_type": org, "domain": domain, "function": function,
            "gender": rng.choices(*zip(*GENDERS, strict=True))[0],
            "age_band": rng.choices(*zip(*AGE_BANDS, strict=True))[0],
        })
    return rows


def demo_members_csv(*, seed: int = 2018) -> str:
    """Return the demo members as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(demo_members(seed=seed))
    return buffer.getvalue()


def _expand(counts: tuple[int, ...], rng: random.Random) -> list[str]:
    functions = [name for name, n in zip(FUNCTIONS, counts, strict=True) for _ in range(n)]
    rng.shuffle(functions)
    return functions


def _ict_outside_gemeenten() -> dict[str, int]:
    """Spread the 107 ICT members outside gemeenten over the other organisation types in
    proportion to their size (largest remainder)."""
    total = sum(ICT_TOTAL) - sum(ICT_GEMEENTE)
    others = {org: n for org, n in ORGANISATIONS.items() if org != "gemeente"}
    size = sum(others.values())
    quotas = {org: total * n / size for org, n in others.items()}
    shares = {org: int(quota) for org, quota in quotas.items()}
    for org in sorted(quotas, key=lambda o: shares[o] - quotas[o])[:total - sum(shares.values())]:
        shares[org] += 1
    return shares
