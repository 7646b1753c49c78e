"""Tables: every table kind on data whose percentages are known by construction.

Golden values come from the reference report "Hoe beoordelen ambtenaren de digitalisering bij
de overheid?" (I&O Research for Binnenlands Bestuur; shared/reference/002_8170d18e97426625.txt):
Tabel 3.1, 3.2 and 3.4 and Figuur 3.2. The datasets below are built so that their counts give
exactly the published (rounded) percentages; significance is checked against statsmodels'
two-proportion z-test and DescrStatsW, computed independently of peiling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from peiling.analysis import banner as banner_module
from peiling.analysis import tables
from peiling.analysis.dataset import Dataset, UnknownVariableError
from peiling.analysis.tables import (
    Net,
    NetScore,
    TableError,
    banded_table,
    bands,
    frequency_table,
    grid_table,
    make_banner,
    multiple_table,
    numeric_table,
    round_half_up,
    tabulate,
)
from peiling.forms.model import Choice, Form, Question

NL = "Nederlands (nl)"


def _choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(name, {NL: label}) for name, label in pairs)


AGREE = _choices(("helemaal_eens", "Helemaal eens"), ("eens", "Eens"), ("neutraal", "Neutraal"),
                 ("oneens", "Oneens"), ("helemaal_oneens", "Helemaal oneens"),
                 ("weet_niet", "Weet niet"))  # fmt: skip
FORM = Form(
    form_id="digi",
    title="Digitalisering",
    languages=(NL,),
    default_language=NL,
    children=(
        Question("org", "select_one", {NL: "Type organisatie"}, choice_list="org"),
        Question("ict", "select_one", {NL: "Werkt u in het domein ICT?"}, choice_list="jn"),
        Question("wenselijk", "select_one", {NL: "Hoe wenselijk is online aanbieden?"},
                 choice_list="wens"),
        Question("tevreden", "select_one", {NL: "Hoe tevreden bent u?"}, choice_list="tevr"),
        Question("s1", "select_one", {NL: "Ambtenaren zijn digitaal voldoende vaardig."},
                 choice_list="eens", relevant="${org} = 'gemeente'"),
        Question("s2", "select_one", {NL: "De kennis van collega's is toereikend."},
                 choice_list="eens", relevant="${org} = 'gemeente'"),
        Question("s3", "select_one", {NL: "Langlopende contracten remmen."},
                 choice_list="eens", relevant="${org} = 'gemeente'"),
        Question("pct", "integer", {NL: "Hoeveel procent verloopt digitaal?"},
                 relevant="${org} = 'gemeente'"),
        Question("kanalen", "select_multiple", {NL: "Welke kanalen?"}, choice_list="kanaal"),
    ),
    choice_lists={
        "org": _choices(("gemeente", "Gemeenten"), ("rijk", "Rijksoverheid"),
                        ("provincie", "Provincie / waterschap"),
                        ("uitvoering", "Uitvoeringsorganisaties"), ("overig", "Overig")),
        "jn": _choices(("ja", "Ja"), ("nee", "Nee")),
        "wens": _choices(("wenselijk", "Wenselijk"),
                         ("neutraal", "Niet wenselijk, maar ook niet onwenselijk"),
                         ("onwenselijk", "Onwenselijk"), ("weet_niet", "Weet ik niet")),
        "tevr": _choices(("zeer_tevreden", "Zeer tevreden"),
                         ("tamelijk_tevreden", "Tamelijk tevreden"), ("neutraal", "Neutraal"),
                         ("tamelijk_ontevreden", "Tamelijk ontevreden"),
                         ("zeer_ontevreden", "Zeer ontevreden"), ("wn", "Weet niet / n.v.t.")),
        "eens": AGREE,
        "kanaal": _choices(("web", "Website"), ("mail", "E-mail"), ("balie", "Balie"),
                           ("dk", "Weet niet")),
    },
)  # fmt: skip


def build(
    groups: Sequence[tuple[int, Mapping[str, Any]]], weights: Sequence[float] = ()
) -> Dataset:
    """Return a dataset of ``count`` copies of each answer mapping, in order."""
    records = [dict(answers) for count, answers in groups for _ in range(count)]
    if len(weights):
        for record, weight in zip(records, weights, strict=True):
            record["w"] = weight
        return Dataset.from_records(FORM, records, weight="w")
    return Dataset.from_records(FORM, records)


# Tabel 3.1: counts per type of organisation that give the published percentages exactly.
# Provincie/waterschap has n = 20 (75/20/5/0); "overig" (80) only in the total: 74/20/4/2 of 400.
TABEL_3_1 = {
    "gemeente": (100, {"wenselijk": 81, "neutraal": 16, "onwenselijk": 2, "weet_niet": 1}),
    "rijk": (100, {"wenselijk": 78, "neutraal": 19, "onwenselijk": 2, "weet_niet": 1}),
    "provincie": (20, {"wenselijk": 15, "neutraal": 4, "onwenselijk": 1, "weet_niet": 0}),
    "uitvoering": (100, {"wenselijk": 85, "neutraal": 13, "onwenselijk": 1, "weet_niet": 1}),
    "overig": (80, {"wenselijk": 37, "neutraal": 28, "onwenselijk": 10, "weet_niet": 5}),
}


def tabel_3_1() -> Dataset:
    return build([(count, {"org": org, "wenselijk": answer})
                  for org, (_, answers) in TABEL_3_1.items()
                  for answer, count in answers.items()])  # fmt: skip


def column(table: tables.Table, key: str) -> int:
    return [c.key for c in table.columns].index(key)


def test_frequency_reproduces_tabel_3_1() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"])
    data = table.to_dict()
    assert [c["label"] for c in data["columns"]] == [
        "Gemeenten", "Rijksoverheid", "Provincie / waterschap", "Uitvoeringsorganisaties",
        "Overig", "Totaal",
    ]  # fmt: skip
    assert [c["base"] for c in data["columns"]] == [100, 100, 20, 100, 80, 400]
    assert [c["letter"] for c in data["columns"]] == ["A", "B", "C", "D", "E", ""]
    assert [c["small_base"] for c in data["columns"]] == [False, False, True, False, False, False]
    values = {row["key"]: row["values"] for row in data["rows"]}
    # Tabel 3.1: GEMEENTEN, RIJKSOVERHEID, PROVINCIE / WATERSCHAP, UITVOERINGS-ORGANISATIES,
    # (overig), TOTAAL (INCL. OVERIGE ORG.)
    assert values["wenselijk"] == [81, 78, 75, 85, 46, 74]
    assert values["neutraal"] == [16, 19, 20, 13, 35, 20]
    assert values["onwenselijk"] == [2, 2, 5, 1, 13, 4]
    assert values["weet_niet"] == [1, 1, 0, 1, 6, 2]
    assert [row["kind"] for row in data["rows"]] == ["category"] * 3 + ["dont_know"]
    assert data["rows"][0]["counts"] == [81, 78, 15, 85, 37, 296]
    assert data["rows"][3]["exact"][4] == 6.25
    assert data["rows"][3]["values"][4] == 6  # 6.25 rounds down
    assert table.title == "Hoe wenselijk is online aanbieden?"
    assert table.kind == "frequency" and table.filter is None and not table.weighted


def test_to_dict_has_exactly_the_agreed_keys() -> None:
    data = frequency_table(tabel_3_1(), "wenselijk", ["org"]).to_dict()
    assert set(data) == {"name", "title", "kind", "filter", "weighted", "columns", "rows", "notes"}
    assert set(data["columns"][0]) == {"key", "label", "base", "weighted_base", "effective_base",
                                       "letter", "small_base"}  # fmt: skip
    assert set(data["rows"][0]) == {"key", "label", "kind", "values", "exact", "counts", "sig",
                                    "rest"}  # fmt: skip
    assert data["notes"][-1] == "* Kleine basis (n < 30): uitkomsten zijn indicatief."


def test_significance_letters_agree_with_statsmodels() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"])
    letters = "ABCDE"
    for row in table.rows:
        counts = row.counts
        for i in range(5):
            expected = ""
            for j in range(5):
                if i == j:
                    continue
                n = [table.columns[i].base, table.columns[j].base]
                pooled = (counts[i] + counts[j]) / sum(n)
                if pooled in (0.0, 1.0):
                    continue  # no variance: not tested
                _, p = proportions_ztest([counts[i], counts[j]], n)
                if p < 0.05 and counts[i] / n[0] > counts[j] / n[1]:
                    expected += letters[j]
            assert row.sig[i] == expected, (row.key, i)
    assert table.rows[0].sig[3] == "E"  # uitvoering 85% > overig 46%
    assert table.rows[0].sig[5] == ""  # the total has no letters


def test_higher_and_lower_than_rest_agree_with_statsmodels() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"])
    for row in table.rows:
        total = row.counts[5]
        for i in range(5):
            n_in = table.columns[i].base
            n_rest = 400 - n_in
            rest = total - row.counts[i]
            pooled = total / 400
            if pooled in (0.0, 1.0):
                assert row.rest[i] == 0
                continue
            stat, p = proportions_ztest([row.counts[i], rest], [n_in, n_rest])
            assert row.rest[i] == (int(np.sign(stat)) if p < 0.05 else 0), (row.key, i)
    assert table.rows[0].rest[:5] == (0, 0, 0, 1, -1)  # 81% vs 72% of the rest: p = 0.07


def test_dont_know_excluded_from_base() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"], dont_know="exclude")
    assert [c.base for c in table.columns] == [99, 99, 20, 99, 75, 392]
    assert [r.key for r in table.rows] == ["wenselijk", "neutraal", "onwenselijk"]
    assert table.rows[0].values[0] == pytest.approx(8100 / 99)  # 81.82%
    assert table.rows[0].rounded[0] == 82
    assert "'Weet ik niet' (n = 8) niet in de basis." in table.notes


def test_dont_know_by_explicit_names() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", dont_know="exclude",
                            dont_know_names=["neutraal", "weet_niet"])  # fmt: skip
    assert [c.base for c in table.columns] == [312]  # 400 - 80 neutraal - 8 weet niet
    assert [r.key for r in table.rows] == ["wenselijk", "onwenselijk"]
    with pytest.raises(ValueError, match="dont_know must be one of"):
        frequency_table(tabel_3_1(), "wenselijk", dont_know="drop")  # type: ignore[arg-type]


def test_nets_and_net_score_reproduce_tabel_3_2() -> None:
    # Tabel 3.2, GEMEENTEN: tamelijk tot zeer tevreden 44%, niet tevreden-ontevreden 32%,
    # tamelijk tot zeer ontevreden 22%, weet niet / n.v.t. 3% (n = 1000 by construction).
    counts = {"zeer_tevreden": 150, "tamelijk_tevreden": 290, "neutraal": 316,
              "tamelijk_ontevreden": 150, "zeer_ontevreden": 66, "wn": 28}  # fmt: skip
    data = build([(n, {"org": "gemeente", "tevreden": answer}) for answer, n in counts.items()])
    table = frequency_table(
        data,
        "tevreden",
        nets=[
            Net.top_box(2, "Tamelijk tot zeer tevreden"),
            Net("Niet tevreden-ontevreden", ("neutraal",)),
            Net.bottom_box(2, "Tamelijk tot zeer ontevreden"),
            Net("Weet niet / n.v.t.", ("wn",)),
        ],
        net_scores=[NetScore(Net.top_box(2), Net.bottom_box(2))],
        show_categories=False,
    )
    assert [(r.label, r.kind, r.rounded) for r in table.rows] == [
        ("Tamelijk tot zeer tevreden", "net", (44,)),
        ("Niet tevreden-ontevreden", "net", (32,)),
        ("Tamelijk tot zeer ontevreden", "net", (22,)),
        ("Weet niet / n.v.t.", "net", (3,)),
        ("Per saldo", "net_score", (22,)),  # 44.0 - 21.6 = 22.4
    ]
    assert table.rows[4].values[0] == pytest.approx(22.4)
    assert table.rows[0].counts == (440,)


def test_net_options_are_checked() -> None:
    with pytest.raises(ValueError, match="give exactly one of categories, first or last"):
        Net("x", ("a",), first=2)
    with pytest.raises(TableError, match="net 'x': variable 'tevreden' has no category 'goed'"):
        frequency_table(tabel_3_1(), "tevreden", nets=[Net("x", ("goed",))])
    with pytest.raises(TableError, match="has 5 scale choices, fewer than 6"):
        frequency_table(tabel_3_1(), "tevreden", nets=[Net.top_box(6)])
    assert Net.top_box(2, positive_first=False) == Net("Top-2", last=2)


def test_percentages_round_half_up() -> None:
    # 1 of 8 = 12.5% -> 13; 5 of 8 = 62.5% -> 63; 2 of 8 = 25%. Python's round() gives 12 and 62.
    data = build([(1, {"wenselijk": "wenselijk"}), (5, {"wenselijk": "neutraal"}),
                  (2, {"wenselijk": "onwenselijk"})])  # fmt: skip
    table = frequency_table(
        data,
        "wenselijk",
        net_scores=[NetScore(Net("+", ("wenselijk",)), Net("-", ("onwenselijk",)))],
    )
    assert [r.values[0] for r in table.rows] == [12.5, 62.5, 25.0, 0.0, -12.5]
    assert [r.rounded[0] for r in table.rows] == [13, 63, 25, 0, -13]
    assert (round(12.5), round(62.5)) == (12, 62)  # what we must not do


def test_round_half_up_function() -> None:
    values = [0.5, 1.5, 2.5, -0.5, -2.5, 100 * 7 / 40, 0.49999, 62.5]
    assert round_half_up(values).tolist() == [1, 2, 3, -1, -3, 18, 0, 63]
    assert round_half_up([2.675, 0.05], 1).tolist() == [2.7, 0.1]
    assert round_half_up(1.25, 1) == 1.3


def test_filter_and_total_column() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"], filter="${org} = 'gemeente'")
    assert [c.base for c in table.columns] == [100, 0, 0, 0, 0, 100]
    assert table.rows[0].values == (81.0, None, None, None, None, 81.0)
    assert table.rows[0].rounded == (81, None, None, None, None, 81)
    assert table.filter == "${org} = 'gemeente'"
    nobody = frequency_table(tabel_3_1(), "wenselijk", filter="${org} = 'nergens'")
    assert nobody.columns[0].base == 0 and nobody.rows[0].values == (None,)


def test_expression_banner_columns() -> None:
    data = build([(30, {"org": "gemeente", "ict": "ja", "wenselijk": "wenselijk"}),
                  (10, {"org": "gemeente", "ict": "ja", "wenselijk": "onwenselijk"}),
                  (50, {"org": "gemeente", "ict": "nee", "wenselijk": "wenselijk"}),
                  (20, {"org": "rijk", "ict": "ja", "wenselijk": "neutraal"})])  # fmt: skip
    banner = make_banner(data, ["ICT gemeenten=${ict} = 'ja' and ${org} = 'gemeente'",
                                "ICT totaal=${ict} = 'ja'"])  # fmt: skip
    assert [c.label for c in banner.columns] == ["ICT gemeenten", "ICT totaal"]
    assert [c.letter for c in banner.columns] == ["", ""]  # overlapping: no letters
    table = frequency_table(data, "wenselijk", banner)
    assert [c.base for c in table.columns] == [40, 60, 110]
    assert [r.values for r in table.rows[:3]] == [
        pytest.approx((75.0, 50.0, 80 / 110 * 100)),
        pytest.approx((0.0, 20 / 60 * 100, 20 / 110 * 100)),
        pytest.approx((25.0, 10 / 60 * 100, 10 / 110 * 100)),
    ]


def test_banner_errors() -> None:
    data = tabel_3_1()
    with pytest.raises(UnknownVariableError, match="unknown variable 'orgg'; did you mean org"):
        make_banner(data, ["orgg"])
    with pytest.raises(TableError, match="banner variable 'pct' is numeric"):
        make_banner(data, ["pct"])
    with pytest.raises(TableError, match="expected a variable name or LABEL=EXPR"):
        make_banner(data, ["org="])


def test_not_asked_is_never_in_the_base() -> None:
    # 577 respondents, 391 gemeente (asked s1), of whom 11 did not answer: base 380.
    data = build([(300, {"org": "gemeente", "s1": "eens"}),
                  (80, {"org": "gemeente", "s1": "oneens"}),
                  (11, {"org": "gemeente"}),
                  (186, {"org": "rijk"})])  # fmt: skip
    table = frequency_table(data, "s1", ["org"])
    assert [c.base for c in table.columns][:2] == [380, 0]
    assert table.columns[-1].base == 380
    assert table.rows[1].values[-1] == pytest.approx(300 / 380 * 100)
    assert "Alleen gevraagd aan 391 van 577 (${org} = 'gemeente')." in table.notes


# Tabel 3.4 (alleen gemeenteambtenaren; % 'mee eens'): ICT (N=122), OVERIG (N=410), TOTAAL (532).
TABEL_3_4 = {  # statement: (agree among ICT, agree among overig) -> 36/59/54, 31/53/48, 45/39/40
    "s1": (44, 242),
    "s2": (38, 217),
    "s3": (55, 160),
}


def tabel_3_4() -> Dataset:
    groups: list[tuple[int, dict[str, str]]] = []
    for ict, size in (("ja", 122), ("nee", 410)):
        for i in range(size):
            answers = {"org": "gemeente", "ict": ict}
            for statement, (agree_ict, agree_other) in TABEL_3_4.items():
                agree = agree_ict if ict == "ja" else agree_other
                answers[statement] = (
                    ("helemaal_eens" if i % 3 == 0 else "eens")
                    if i < agree
                    else ("weet_niet" if i % 4 == 0 else "oneens")
                )
            groups.append((1, answers))
    groups.append((45, {"org": "rijk", "ict": "ja"}))  # outside the filter, not asked
    return build(groups)


def test_grid_reproduces_tabel_3_4() -> None:
    data = tabel_3_4()
    table = grid_table(
        data, ["s1", "s2", "s3"], ("helemaal_eens", "eens"),
        ["ICT=${ict} = 'ja'", "Overig=${ict} = 'nee'"], filter="${org} = 'gemeente'",
        name="tabel_3_4", title="Stellingen (% mee eens)",
    )  # fmt: skip
    assert [(c.label, c.base) for c in table.columns] == [
        ("ICT", 122), ("Overig", 410), ("Totaal", 532),
    ]  # fmt: skip
    assert [r.rounded for r in table.rows] == [(36, 59, 54), (31, 53, 48), (45, 39, 40)]
    assert [r.label for r in table.rows] == [
        "Ambtenaren zijn digitaal voldoende vaardig.",
        "De kennis van collega's is toereikend.",
        "Langlopende contracten remmen.",
    ]
    assert table.rows[0].bases == (122, 410, 532)
    assert table.to_dict()["rows"][0]["bases"] == [122, 410, 532]
    assert table.kind == "grid" and table.name == "tabel_3_4"
    # "Een onderstreept percentage is significant lager dan de andere groep (α=0,05)".
    for row, (agree_ict, agree_other) in zip(table.rows, TABEL_3_4.values(), strict=True):
        stat, p = proportions_ztest([agree_ict, agree_other], [122, 410])
        expected = int(np.sign(stat)) if p < 0.05 else 0
        assert row.rest[:2] == (expected, -expected)
    assert table.rows[0].rest[:2] == (-1, 1)


def test_grid_with_weet_niet_excluded_and_letters() -> None:
    data = tabel_3_4()
    table = grid_table(data, ["s1"], Net.top_box(2), ["ict"], filter="${org} = 'gemeente'",
                       dont_know="exclude")  # fmt: skip
    weet_niet_ict = sum(1 for i in range(44, 122) if i % 4 == 0)
    assert table.rows[0].bases[0] == 122 - weet_niet_ict
    assert table.rows[0].values[0] == pytest.approx(44 / (122 - weet_niet_ict) * 100)
    assert table.rows[0].sig[:2] == ("", "A")  # overig (B) higher than ICT (A)


def test_weighted_percentages_bases_and_effective_bases() -> None:
    # 4 answer 'wenselijk' with weight 3, 4 answer 'onwenselijk' with weight 1:
    # weighted 12/16 = 75%, unweighted 50%; effective n = 16² / (4·9 + 4·1) = 6.4.
    data = build([(4, {"org": "gemeente", "wenselijk": "wenselijk"}),
                  (4, {"org": "gemeente", "wenselijk": "onwenselijk"})],
                 weights=[3, 3, 3, 3, 1, 1, 1, 1])  # fmt: skip
    assert frequency_table(data, "wenselijk").rows[0].counts is None  # only on request
    table = frequency_table(data, "wenselijk", counts=True)
    (total,) = table.columns
    assert (total.base, total.weighted_base, total.effective_base) == (8, 16.0, pytest.approx(6.4))
    assert table.rows[0].values == (75.0,)
    assert table.rows[0].counts == (4,)
    assert table.rows[0].weighted_counts == (12.0,)
    assert table.weighted and "Gewogen percentages; n is het ongewogen aantal respondenten." in (
        table.notes
    )


def test_weighted_significance_uses_effective_bases() -> None:
    rng = np.random.default_rng(3)
    groups = [(60, {"org": "gemeente", "wenselijk": "wenselijk"}),
              (40, {"org": "gemeente", "wenselijk": "onwenselijk"}),
              (45, {"org": "rijk", "wenselijk": "wenselijk"}),
              (55, {"org": "rijk", "wenselijk": "onwenselijk"})]  # fmt: skip
    weights = rng.uniform(0.3, 3.0, 200)
    table = frequency_table(build(groups, weights), "wenselijk", ["org"])
    w = {"gemeente": weights[:100], "rijk": weights[100:]}
    yes = {"gemeente": weights[:60], "rijk": weights[100:145]}
    p = {k: yes[k].sum() / w[k].sum() for k in w}
    neff = {k: w[k].sum() ** 2 / (w[k] ** 2).sum() for k in w}
    assert table.columns[0].effective_base == pytest.approx(neff["gemeente"])
    assert table.rows[0].values[0] == pytest.approx(100 * p["gemeente"])
    stat, pvalue = proportions_ztest(
        [p["gemeente"] * neff["gemeente"], p["rijk"] * neff["rijk"]],
        [neff["gemeente"], neff["rijk"]],
    )
    expected = "B" if pvalue < 0.05 and stat > 0 else ""
    assert table.rows[0].sig[0] == expected


def test_multiple_response() -> None:
    # 10 answered: web 6, mail 5, balie 2 (sums to 130%); 2 did not answer.
    data = build([(3, {"kanalen": ("web", "mail")}), (3, {"kanalen": ("web",)}),
                  (2, {"kanalen": ("mail", "balie")}), (1, {"kanalen": ("dk",)}),
                  (1, {"kanalen": ("dk", "web")}), (2, {})])  # fmt: skip
    table = multiple_table(data, "kanalen", nets=[Net("Digitaal", ("web", "mail"))])
    assert table.columns[0].base == 10
    assert [(r.key, r.kind, r.values[0]) for r in table.rows] == [
        ("web", "choice", 70.0), ("mail", "choice", 50.0), ("balie", "choice", 20.0),
        ("dk", "dont_know", 20.0), ("net:Digitaal", "net", 90.0),
    ]  # fmt: skip
    assert sum(r.values[0] for r in table.rows[:4]) > 100
    assert "Meer antwoorden mogelijk; percentages tellen op tot meer dan 100." in table.notes
    excluded = multiple_table(data, "kanalen", dont_know="exclude")
    assert excluded.columns[0].base == 8
    assert [r.key for r in excluded.rows] == ["web", "mail", "balie"]
    assert excluded.rows[0].values[0] == 75.0


def test_numeric_table_matches_statsmodels() -> None:
    values = [10, 20, 20, 35, 40, 55, 60, 70, 85, 90]
    data = build([(1, {"org": "gemeente", "pct": v}) for v in values]
                 + [(3, {"org": "rijk"})])  # fmt: skip
    table = numeric_table(data, "pct", ["org"])
    stats = {r.key: r for r in table.rows}
    reference = DescrStatsW(np.array(values, dtype=float))
    low, high = reference.tconfint_mean(alpha=0.05)
    assert stats["mean"].values[0] == pytest.approx(reference.mean)
    assert stats["median"].values[0] == 47.5  # np.median: the two middle values averaged
    assert stats["sd"].values[0] == pytest.approx(reference.std_ddof(1))
    assert (stats["ci_low"].values[0], stats["ci_high"].values[0]) == (
        pytest.approx(low), pytest.approx(high))  # fmt: skip
    assert stats["mean"].rounded[0] == 48.5
    assert stats["mean"].values[1] is None and table.columns[1].base == 0
    assert table.columns[0].base == 10 and table.kind == "numeric"


def test_weighted_numeric_table_uses_the_effective_n() -> None:
    x = np.array([10.0, 20, 30, 40, 50, 60])
    w = np.array([1.0, 2, 1, 3, 1, 0.5])
    data = build([(1, {"org": "gemeente", "pct": v}) for v in x], weights=w)
    stats = {r.key: r.values[0] for r in numeric_table(data, "pct").rows}
    neff = w.sum() ** 2 / (w**2).sum()
    # DescrStatsW with the weights scaled to sum to n_eff gives the same mean, SD and interval.
    reference = DescrStatsW(x, weights=w * neff / w.sum())
    assert stats["mean"] == pytest.approx(np.average(x, weights=w))
    assert stats["sd"] == pytest.approx(reference.std * math.sqrt(neff / (neff - 1)))
    low, high = reference.tconfint_mean(alpha=0.05)
    assert (stats["ci_low"], stats["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert stats["median"] == 40.0  # cumulative weight passes half (4.25) at 40


def test_mean_letters_compare_columns() -> None:
    data = build([(1, {"org": "gemeente", "ict": "ja", "pct": v}) for v in range(60, 100)]
                 + [(1, {"org": "gemeente", "ict": "nee", "pct": v}) for v in range(0, 40)])  # fmt: skip
    table = numeric_table(data, "pct", ["ict"])
    assert table.rows[0].sig[:2] == ("B", "")


def test_banded_reproduces_figuur_3_2() -> None:
    # Figuur 3.2: 1 tot 30% 15%, 30 tot 40% 16%, 40 tot 50% 15%, 50 tot 60% 16%, 60 tot 70%
    # 17%, 70% of meer 20%. 990 answers in the bands and 10 of 0% in none.
    spread = [(150, 15), (160, 35), (150, 45), (160, 55), (170, 65), (200, 85), (10, 0)]
    data = build([(n, {"org": "gemeente", "pct": v}) for n, v in spread])
    band_list = bands([1, 30, 40, 50, 60, 70], suffix="%", open_top=True)
    assert [b.label for b in band_list] == [
        "1 tot 30%", "30 tot 40%", "40 tot 50%", "50 tot 60%", "60 tot 70%", "70% of meer",
    ]  # fmt: skip
    table = banded_table(data, "pct", band_list)
    assert [r.rounded[0] for r in table.rows] == [15, 16, 15, 16, 17, 20]
    assert table.columns[0].base == 990
    assert "10 antwoorden vallen in geen klasse; niet in de basis." in table.notes
    with pytest.raises(ValueError, match="band edges must increase"):
        bands([1, 30, 20])


def test_tabulate_every_closed_question() -> None:
    data = tabel_3_1()
    result = tabulate(data, banner=["org"])
    assert [t.name for t in result] == ["org", "ict", "wenselijk", "tevreden", "s1", "s2", "s3",
                                        "kanalen"]  # fmt: skip
    assert result[2].to_dict() == frequency_table(data, "wenselijk", ["org"]).to_dict()
    named = tabulate(data, ["pct", "wenselijk"], ["org"])
    assert [t.kind for t in named] == ["numeric", "frequency"]
    with pytest.raises(UnknownVariableError):
        tabulate(data, ["nope"])


def test_banner_split_into_cell_groups_gives_the_same_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tabel_3_4()
    specs = ["org", "ict", "Jong=${s1} = 'eens'"]
    expected = frequency_table(data, "s2", specs).to_dict()
    monkeypatch.setattr(banner_module, "_CELL_LIMIT", 4)
    banner = make_banner(data, specs)
    assert len(banner.groups) == 3
    assert frequency_table(data, "s2", banner).to_dict() == expected


def test_wrong_kind_of_question() -> None:
    data = tabel_3_1()
    with pytest.raises(TableError, match="'pct' is a numeric variable; this table needs a single"):
        frequency_table(data, "pct")
    with pytest.raises(TableError, match="'kanalen' is a multiple variable"):
        grid_table(data, ["kanalen"], ("web",))
    with pytest.raises(TableError, match="a grid needs at least one statement"):
        grid_table(data, [], ("eens",))


def test_small_base_threshold_is_an_option() -> None:
    table = frequency_table(tabel_3_1(), "wenselijk", ["org"], small_base=100)
    assert [c.small_base for c in table.columns] == [False, False, True, False, True, False]
    plain = frequency_table(tabel_3_1(), "wenselijk", ["org"], significance=False)
    assert all(s == "" for row in plain.rows for s in row.sig)
    assert all(m == 0 for row in plain.rows for m in row.rest)


def test_multiple_choice_banner_variable_gives_overlapping_columns() -> None:
    data = build([(3, {"kanalen": ("web", "mail"), "wenselijk": "wenselijk"}),
                  (2, {"kanalen": ("web",), "wenselijk": "onwenselijk"}),
                  (1, {"wenselijk": "wenselijk"})])  # fmt: skip
    banner = make_banner(data, ["kanalen"])
    assert [(c.label, c.letter) for c in banner.columns] == [
        ("Website", ""), ("E-mail", ""), ("Balie", ""), ("Weet niet", ""),
    ]  # fmt: skip
    table = frequency_table(data, "wenselijk", banner)
    assert [c.base for c in table.columns] == [5, 3, 0, 0, 6]
    assert table.rows[0].values[:2] == (60.0, 100.0)
