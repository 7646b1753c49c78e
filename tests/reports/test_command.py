"""``peiling report``: files from a form plus data, and one readable line for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peiling.cli import main
from tests.reports.conftest import DEFINITION, EXAMPLE


def run(*argv: str) -> int:
    return main(["report", *map(str, argv)])


def test_form_and_data_to_html(data_csv: Path, tmp_path: Path, capsys) -> None:
    output = tmp_path / "rapport.html"
    assert run(EXAMPLE, data_csv, "--banner", "org_type", "-o", output) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"peiling report: wrote {output} (")
    html = output.read_text(encoding="utf-8")
    assert "<h2 id=\"hoofdstuk-1-kop\">1. Belangrijkste uitkomsten</h2>" in html


def test_definition_to_json_matches_the_engine(data_csv, tmp_path, report, capsys) -> None:
    output = tmp_path / "rapport.json"
    assert run(EXAMPLE, data_csv, "--definition", DEFINITION, "-o", output) == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    assert [t["label"] for t in data["tables"]] == [b.label for b in report.tables()]
    assert data["tables"][0]["rows"] == report.tables()[0].table.to_dict()["rows"]
    assert data["n"] == 1415


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--banner", "org_typ"],
         "peiling report: --banner: unknown variable 'org_typ'; did you mean org_type?"),
        (["--banner", "ICT=${ict} = = 1"], "peiling report: --banner: "),
        (["--filter", "${nergens} = 1"], "peiling report: --filter: unknown variable 'nergens'"),
    ],
)  # fmt: skip
def test_bad_arguments_give_one_line(data_csv, tmp_path, capsys, argv, message) -> None:
    status = run(EXAMPLE, data_csv, *argv, "-o", tmp_path / "r.html")
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(message)
    assert err.count("\n") == 1 and "Traceback" not in err


def test_an_invalid_definition_names_the_problem_and_its_place(data_csv, tmp_path, capsys) -> None:
    definition = tmp_path / "rapport.yaml"
    definition.write_text("title: Rapport\nsections:\n  - title: A\n    items:\n"
                          "      - question: satisfacton\n")  # fmt: skip
    assert run(EXAMPLE, data_csv, "--definition", definition, "-o", tmp_path / "r.html") == 2
    assert capsys.readouterr().err == (
        f"peiling report: {definition}:5:19: sections[0].items[0].question: unknown question "
        "'satisfacton'; did you mean 'satisfaction'?\n"
    )


def test_a_definition_with_yaml_errors(data_csv, tmp_path, capsys) -> None:
    definition = tmp_path / "rapport.yaml"
    definition.write_text("title: [Rapport\n")
    assert run(EXAMPLE, data_csv, "--definition", definition, "-o", tmp_path / "r.html") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"peiling report: {definition}:2:1: not valid YAML or JSON: ")


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("nergens/r.html", "cannot write (no folder"),
        ("r.odt", "cannot tell the format from '.odt'; use one of .docx, .html, .json, .pdf, .xlsx"),
        (".", "is a folder; give a file name such as rapport.html"),
    ],
)  # fmt: skip
def test_unwritable_or_unknown_outputs(data_csv, tmp_path, monkeypatch, capsys, output,
                                       message) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert run(EXAMPLE, data_csv, "-o", output) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_read_only_folder(data_csv, tmp_path, capsys) -> None:
    import os

    folder = tmp_path / "alleen-lezen"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        assert run(EXAMPLE, data_csv, "-o", folder / "r.html") == 2
        assert "cannot write (permission denied)" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_missing_data_file(tmp_path, capsys) -> None:
    assert run(EXAMPLE, tmp_path / "nergens.csv", "-o", tmp_path / "r.html") == 2
    assert capsys.readouterr().err == f"peiling report: {tmp_path / 'nergens.csv'}: no such file\n"


@pytest.mark.django_db
def test_unknown_fieldwork(tmp_path, capsys) -> None:
    assert run("nergens", "-o", tmp_path / "r.html") == 1
    assert capsys.readouterr().err == (
        "peiling report: no fieldwork 'nergens' (there are none yet)\n"
    )
