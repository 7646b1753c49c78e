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
