"""``peiling simulate`` on the command line."""

from __future__ import annotations

import pytest

from peiling.cli import main
from peiling.fieldwork.models import Response

pytestmark = pytest.mark.django_db


def test_simulate_adds_completed_responses(example_fieldwork, capsys):
    assert main(["simulate", example_fieldwork.slug, "--n", "25", "--seed", "9"]) == 0
    assert capsys.readouterr().out == (
        f"{example_fieldwork.slug}: created 25 completed responses (source 'simulated'); "
        "25 responses in all\n")
    assert main(["simulate", str(example_fieldwork.pk), "--n", "5", "--source", "panel"]) == 0
    assert Response.objects.filter(status="completed").count() == 30
    assert Response.objects.filter(source="panel").count() == 5


def test_simulate_reports_an_unknown_fieldwork_in_one_line(example_fieldwork, capsys):
    assert main(["simulate", "bestaat-niet", "--n", "5"]) == 1
    assert capsys.readouterr().err == (
        f"peiling simulate: no fieldwork 'bestaat-niet'; known: {example_fieldwork.slug}\n")
    assert Response.objects.count() == 0


@pytest.mark.parametrize(("argument", "message"), [
    ("0", "argument --n: must be from 1 to 1,000,000 (got 0)"),
    ("veel", "argument --n: must be a whole number (got 'veel')"),
])
def test_simulate_refuses_a_bad_count(example_fieldwork, capsys, argument, message):
    with pytest.raises(SystemExit) as caught:
        main(["simulate", example_fieldwork.slug, "--n", argument])
    assert caught.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)


EXPECTED = (__import__("pathlib").Path(__file__).resolve().parents[2] / "examples"
            / "verwachte-antwoorden.csv")


def test_simulate_with_the_published_shares_resembles_the_reference(example_fieldwork, capsys):
    """The example's file carries seed 002's figures: Tabel 3.1 has 74% 'wenselijk' overall
    and 81% among gemeenteambtenaren (uniform answers would give about 25%)."""
    assert main(["simulate", example_fieldwork.slug, "--n", "1415", "--seed", "1",
                 "--expected", str(EXPECTED)]) == 0
    answers = [r.answers for r in Response.objects.filter(status="completed")]
    asked = [a for a in answers if "desirability" in a]
    share = 100 * sum(a["desirability"] == "wenselijk" for a in asked) / len(asked)
    assert abs(share - 74) <= 3
    gemeente = [a for a in asked if a["org_type"] == "gemeente"]
    share = 100 * sum(a["desirability"] == "wenselijk" for a in gemeente) / len(gemeente)
    assert abs(share - 81) <= 4


def test_simulate_refuses_a_file_that_does_not_fit_in_one_line(example_fieldwork, tmp_path,
                                                               capsys):
    path = tmp_path / "verwacht.csv"
    path.write_text("question,choice,percent\ndesirability,prima,100\nonbekend,a,1\n")
    assert main(["simulate", example_fieldwork.slug, "--n", "5", "--expected", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"peiling simulate: {path}:2: 'prima' is not a choice of desirability; expected one of "
        "wenselijk, neutraal, onwenselijk, weet_niet (and 1 more)\n")
    assert main(["simulate", example_fieldwork.slug, "--n", "5", "--expected",
                 str(tmp_path / "geen.csv")]) == 2
    assert "cannot read the expected answers" in capsys.readouterr().err
    assert Response.objects.count() == 0
