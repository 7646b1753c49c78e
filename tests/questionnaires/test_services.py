"""Importing XLSForms as questionnaire versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from peiling.forms.errors import FormError
from peiling.forms.xlsform import read_xlsform
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.questionnaires.services import form_version_import
from tests.xlsform import write_workbook

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"

SMALL = """
## survey
| type | name | label |
| select_one yn | q1 | {label} |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | nee | Nee |
## settings
| form_title | form_id |
| Klein | klein |
"""


def _bytes(tmp_path: Path, label: str = "Ja of nee?") -> bytes:
    return write_workbook(SMALL.format(label=label), tmp_path / f"{label}.xlsx").read_bytes()


def test_import_stores_the_form_model(tmp_path: Path) -> None:
    source = _bytes(tmp_path)
    result = form_version_import(source=source, source_name="klein.xlsx")
    assert result.created
    version = FormVersion.objects.get(pk=result.version.pk)
    assert version.form == read_xlsform(source)
    assert (version.number, version.question_count, version.page_count) == (1, 1, 1)
    assert bytes(version.source) == source
    assert version.questionnaire.form_id == "klein" and version.questionnaire.title == "Klein"


def test_same_content_is_not_stored_twice(tmp_path: Path) -> None:
    first = form_version_import(source=_bytes(tmp_path))
    again = form_version_import(source=_bytes(tmp_path))
    assert not again.created and again.version.pk == first.version.pk
    assert FormVersion.objects.count() == 1


def test_changed_content_makes_a_new_version(tmp_path: Path) -> None:
    form_version_import(source=_bytes(tmp_path))
    second = form_version_import(source=_bytes(tmp_path, "Ja of nee, echt?"))
    assert second.created and second.version.number == 2
    assert Questionnaire.objects.count() == 1


def test_invalid_form_stores_nothing(tmp_path: Path) -> None:
    with pytest.raises(FormError):
        form_version_import(source=b"type,name\ntext,q1\n")
    assert Questionnaire.objects.count() == 0 and FormVersion.objects.count() == 0


def test_example_imports() -> None:
    result = form_version_import(source=EXAMPLE.read_bytes(), source_name=EXAMPLE.name)
    assert result.version.form.form_id == "digitalisering_overheid"
    assert result.version.question_count > 20
