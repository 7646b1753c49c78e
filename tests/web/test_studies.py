"""The study pages of the researcher web app: XLSForm uploads (good, bad and hostile files),
new versions, the version comparison, the study list, roles and other organisations."""

from __future__ import annotations

import datetime as dt
import html
import io
import random
import re
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.forms.xlsform import MAX_FILE_BYTES, MAX_UNPACKED_BYTES
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.questionnaires.services import form_version_import
from tests.xlsform import write_workbook

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"
EXAMPLE_FORM_ID = "digitalisering_overheid"

FORM_V1 = """
## survey
| type          | name  | label                     |
| select_one yn | werk  | Werkt u bij een gemeente? |
| text          | reden | Waarom?                   |
## choices
| list_name | name | label |
| yn        | ja   | Ja    |
| yn        | nee  | Nee   |
## settings
| form_title      | form_id         | version |
| Gemeentepeiling | gemeentepeiling | 1       |
"""
FORM_V2 = FORM_V1.replace("Werkt u bij een gemeente?", "Werkt u bij een provincie?").replace(
    "| 1       |", "| 2       |")
FORM_OTHER_ID = FORM_V1.replace("| gemeentepeiling |", "| anderepeiling   |")
FORM_DUPLICATE_NAMES = FORM_V1.replace("| text          | reden |", "| text          | werk  |")
FORM_OF_OTHER_ORGANISATION = FORM_V1.replace("Gemeentepeiling", "Geheim onderzoek van elders")


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def researcher(client: Client, login_as) -> Client:
    client.cookies["django_language"] = "en"
    return login_as("onderzoeker")


def _xlsx(markdown: str, tmp_path: Path, name: str = "form.xlsx") -> bytes:
    return write_workbook(markdown, tmp_path / name).read_bytes()


def _upload(client: Client, url: str, data: bytes | None, name: str = "form.xlsx"):
    payload = {} if data is None else {"file": SimpleUploadedFile(name, data)}
    return client.post(url, payload)


def _stored() -> tuple[int, int]:
    return Questionnaire.objects.count(), FormVersion.objects.count()


def _table(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the table with ``table_id``, each as its cells' text."""
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', page, re.S)
    assert match, f"no table #{table_id} on the page"
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(1), re.S)
    assert body
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def _field_errors(page: str) -> list[str]:
    match = re.search(r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', page, re.S)
    if not match:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _ole2(streams: list[tuple[str, bytes]]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding ``streams``: the
    container a password-protected .xlsx is (streams EncryptionInfo and EncryptedPackage)."""
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF

    def entry(name: str, kind: int, start: int, size: int, child: int = none,
              right: int = none) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, none, right, child)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    fat, directory, sectors, next_sector = [fat_sector, end], [], [], 2
    for number, (name, data) in enumerate(streams):
        data = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0")  # no mini stream
        count = len(data) // 512
        fat += [next_sector + i + 1 for i in range(count - 1)] + [end]
        directory.append(entry(name, 2, next_sector, len(data),
                               right=number + 2 if number + 1 < len(streams) else none))
        sectors.append(data)
        next_sector += count
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))
    root = entry("Root Entry", 5, end, 0, child=1)
    return (header + struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
            + (root + b"".join(directory)).ljust(512, b"\0") + b"".join(sectors))


_BOMB: list[bytes] = []


def _zip_bomb() -> bytes:
    """An xlsx-like zip whose worksheet unpacks to 1 MB more than MAX_UNPACKED_BYTES."""
    if not _BOMB:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
            chunk = b"\0" * (1024 * 1024)
            with archive.open("xl/worksheets/sheet1.xml", "w") as member:
                for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
                    member.write(chunk)
        _BOMB.append(buffer.getvalue())
    return _BOMB[0]


# -- a good upload ---------------------------------------------------------------------------


def test_a_good_xlsform_becomes_a_study_of_the_own_organisation(researcher, organisation,
                                                                 other_organisation) -> None:
    source = EXAMPLE.read_bytes()
    response = _upload(researcher, "/onderzoeken/nieuw/", source, "digitalisering-overheid.xlsx")
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/onderzoeken/{questionnaire.pk}/"
    assert questionnaire.organisation == organisation
    assert questionnaire.form_id == EXAMPLE_FORM_ID
    version = FormVersion.objects.get()
    assert (version.questionnaire, version.number) == (questionnaire, 1)
    assert bytes(version.source) == source
    assert version.source_name == "digitalisering-overheid.xlsx"
    assert version.created_by.email == "onderzoeker@standaard.nl"
    page = researcher.get(response["Location"])
    assert page.status_code == 200
    assert questionnaire.title in page.content.decode()


# -- bad uploads: a 400, a message, nothing stored -----------------------------------------

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize(("kind", "expected"), [
    ("png", "this is not an Excel workbook"),
    ("random", "this is not an Excel workbook"),
    ("csv", "this is a text or CSV file"),
    ("truncated", "not an Excel workbook"),
    ("ole2-garbage", "the Excel 97-2003 workbook (.xls) cannot be read: it is damaged"),
    ("encrypted", "it is password-protected or encrypted; save it without a password"),
    ("zip-bomb", f"over {MAX_UNPACKED_BYTES // 1024 // 1024} MB unpacked are refused"),
])
def test_a_file_that_is_no_usable_workbook_is_refused_and_nothing_stored(
        researcher, kind: str, expected: str) -> None:
    example = EXAMPLE.read_bytes()
    data = {
        "png": PNG,
        "random": random.Random(7).randbytes(8192),
        "csv": b"type,name,label\ntext,naam,Wat is uw naam?\n",
        "truncated": example[: len(example) // 2],
        "ole2-garbage": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16,
        "encrypted": _ole2([("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"x" * 200),
                            ("EncryptedPackage", random.Random(3).randbytes(6000))]),
        "zip-bomb": _zip_bomb() if kind == "zip-bomb" else b"",
    }[kind]
    assert len(data) < MAX_FILE_BYTES
    response = _upload(researcher, "/onderzoeken/nieuw/", data, f"{kind}.xlsx")
    assert response.status_code == 400
    problems = _table(response.content.decode(), "problems")
    assert len(problems) == 1
    assert problems[0][:3] == ["—", "—", "—"]  # the file as a whole
    assert expected in problems[0][3]
    assert _stored() == (0, 0)


def test_a_30_mb_file_is_refused_by_its_size_without_being_read(researcher,
                                                                monkeypatch) -> None:
    reads: list[int] = []
    original = TemporaryUploadedFile.read

    def counting_read(self):
        reads.append(1)
        return original.fget(self)

    monkeypatch.setattr(TemporaryUploadedFile, "read", property(counting_read))
    data = b"PK\x03\x04" + b"\0" * (30 * 1024 * 1024)
    response = _upload(researcher, "/onderzoeken/nieuw/", data, "groot.xlsx")
    assert response.status_code == 400
    assert reads == []  # refused by its size: the upload was never read
    errors = _field_errors(response.content.decode())
    assert errors == ["The file is 30.0 MB; XLSForm files over 10 MB are refused — a "
                      "questionnaire never needs that much."]
    assert 'id="problems"' not in response.content.decode()
    assert _stored() == (0, 0)


def test_a_form_that_fails_the_form_check_lists_its_problems(researcher, tmp_path) -> None:
    response = _upload(researcher, "/onderzoeken/nieuw/",
                       _xlsx(FORM_DUPLICATE_NAMES, tmp_path))
    assert response.status_code == 400
    assert _table(response.content.decode(), "problems") == [
        ["survey", "3", "name", "'werk' is already used on row 2; names must be unique in the "
                                "form — rename one"]]
    assert _stored() == (0, 0)


def test_an_upload_without_a_file_is_refused(researcher) -> None:
    response = _upload(researcher, "/onderzoeken/nieuw/", None)
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == ["This field is required."]
    assert _stored() == (0, 0)


def test_an_empty_file_is_refused(researcher) -> None:
    response = _upload(researcher, "/onderzoeken/nieuw/", b"", "leeg.xlsx")
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == ["The submitted file is empty."]
    assert _stored() == (0, 0)


# -- the same form again, and new versions ---------------------------------------------------


def test_the_same_form_as_a_new_study_again_is_refused(researcher) -> None:
    source = EXAMPLE.read_bytes()
    assert _upload(researcher, "/onderzoeken/nieuw/", source).status_code == 302
    response = _upload(researcher, "/onderzoeken/nieuw/", source)
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == [
        f"There already is a study with form_id {EXAMPLE_FORM_ID}; upload the form on that "
        "study's page to make a new version, or change form_id on the settings sheet."]
    assert _stored() == (1, 1)


def test_a_changed_form_becomes_version_2_and_the_same_content_adds_nothing(
        researcher, tmp_path) -> None:
    assert _upload(researcher, "/onderzoeken/nieuw/", _xlsx(FORM_V1, tmp_path)).status_code == 302
    study = Questionnaire.objects.get()
    url = f"/onderzoeken/{study.pk}/versie/"
    v2 = _xlsx(FORM_V2, tmp_path, "v2.xlsx")
    response = _upload(researcher, url, v2, "v2.xlsx")
    assert (response.status_code, response["Location"]) == (302, f"/onderzoeken/{study.pk}/")
    assert list(study.versions.order_by("number").values_list("number", "version")) == [
        (1, "1"), (2, "2")]
    assert bytes(study.versions.get(number=2).source) == v2
    # The same content again (a new file of it): no new version, and a message that says so.
    response = researcher.post(url, {"file": SimpleUploadedFile(
        "v2-again.xlsx", _xlsx(FORM_V2, tmp_path, "v2-again.xlsx"))}, follow=True)
    assert response.status_code == 200
    assert _messages(response) == [
        "The study Gemeentepeiling was created from form.xlsx.", "Version 2 was stored.",
        "This form is the same as version 2; nothing new was stored."]
    assert _stored() == (1, 2)


def test_a_form_with_another_form_id_is_no_version_of_the_study(researcher, tmp_path) -> None:
    _upload(researcher, "/onderzoeken/nieuw/", _xlsx(FORM_V1, tmp_path))
    study = Questionnaire.objects.get()
    response = _upload(researcher, f"/onderzoeken/{study.pk}/versie/",
                       _xlsx(FORM_OTHER_ID, tmp_path, "ander.xlsx"))
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == [
        "This form has form_id anderepeiling; the study's questionnaire has form_id "
        "gemeentepeiling. Set form_id on the settings sheet to gemeentepeiling, or upload it as "
        "a new study."]
    assert _stored() == (1, 1)


def test_a_bad_file_as_a_version_stores_nothing(researcher, tmp_path) -> None:
    _upload(researcher, "/onderzoeken/nieuw/", _xlsx(FORM_V1, tmp_path))
    study = Questionnaire.objects.get()
    response = _upload(researcher, f"/onderzoeken/{study.pk}/versie/",
                       _xlsx(FORM_DUPLICATE_NAMES.replace("Gemeentepeiling", "Nieuw"), tmp_path,
                             "dubbel.xlsx"))
    assert response.status_code == 400
    assert [row[:3] for row in _table(response.content.decode(), "problems")] == [
        ["survey", "3", "name"]]
    study.refresh_from_db()
    assert study.title == "Gemeentepeiling"
    assert _stored() == (1, 1)


# -- comparing versions ----------------------------------------------------------------------


def test_the_comparison_lists_the_changes(researcher, organisation, tmp_path) -> None:
    form_version_import(source=_xlsx(FORM_V1, tmp_path), organisation=organisation)
    study = form_version_import(source=_xlsx(FORM_V2, tmp_path, "v2.xlsx"),
                                organisation=organisation).version.questionnaire
    response = researcher.get(f"/onderzoeken/{study.pk}/vergelijken/?van=1&naar=2")
    assert response.status_code == 200
    rows = _table(response.content.decode(), "changes")
    assert len(rows) == 1
    what, where, before, after = rows[0]
    assert what == "text changed (default)"  # the form has one, unnamed, language
    assert where.startswith("werk")
    assert (before, after) == ("Werkt u bij een gemeente?", "Werkt u bij een provincie?")


def test_the_comparison_of_unknown_or_malformed_versions(researcher, organisation,
                                                         tmp_path) -> None:
    form_version_import(source=_xlsx(FORM_V1, tmp_path), organisation=organisation)
    study = form_version_import(source=_xlsx(FORM_V2, tmp_path, "v2.xlsx"),
                                organisation=organisation).version.questionnaire
    url = f"/onderzoeken/{study.pk}/vergelijken/"
    missing = researcher.get(url + "?van=9&naar=2")
    assert missing.status_code == 404
    assert _messages(missing) == ["This study has no version 9."]
    assert researcher.get(url + "?van=1&naar=9").status_code == 404
    assert researcher.get(url + "?van=abc").status_code == 400
    assert researcher.get(url + "?van=1&naar=x").status_code == 400


# -- the study list --------------------------------------------------------------------------


def test_the_list_shows_the_own_studies_with_their_completes(researcher, organisation,
                                                             other_organisation,
                                                             tmp_path) -> None:
    version = form_version_import(source=EXAMPLE.read_bytes(), organisation=organisation).version
    form_version_import(source=_xlsx(FORM_OF_OTHER_ORGANISATION, tmp_path),
                        organisation=other_organisation)
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="veld", name="Veld", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10))
    assert fieldwork_services.responses_simulate(fieldwork=fieldwork, n=7, seed=1) == 7
    fieldwork_services.response_start(fieldwork=fieldwork, language="nl", source="x")
    assert Response.objects.filter(fieldwork=fieldwork, status="completed").count() == 7
    page = researcher.get("/onderzoeken/").content.decode()
    assert "Geheim onderzoek van elders" not in page
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if EXAMPLE_FORM_ID in row]
    assert len(rows) == 1
    assert version.questionnaire.title in rows[0]
    # versions, completes (the started response does not count)
    assert re.findall(r'<td class="number">(\d+)</td>', rows[0]) == ["1", "7"]


# -- roles and other organisations -----------------------------------------------------------


def test_an_analist_may_not_upload(client, login_as, organisation, tmp_path) -> None:
    study = form_version_import(source=_xlsx(FORM_V1, tmp_path),
                                organisation=organisation).version.questionnaire
    analist = login_as("analist")
    assert _upload(analist, "/onderzoeken/nieuw/", EXAMPLE.read_bytes()).status_code == 403
    assert _upload(analist, f"/onderzoeken/{study.pk}/versie/",
                   _xlsx(FORM_V2, tmp_path, "v2.xlsx")).status_code == 403
    assert analist.get(f"/onderzoeken/{study.pk}/").status_code == 200  # reading is allowed
    assert _stored() == (1, 1)


def test_a_study_of_another_organisation_does_not_exist(researcher, other_organisation,
                                                        tmp_path) -> None:
    study = form_version_import(source=_xlsx(FORM_V1, tmp_path),
                                organisation=other_organisation).version.questionnaire
    assert researcher.get(f"/onderzoeken/{study.pk}/").status_code == 404
    assert researcher.get(f"/onderzoeken/{study.pk}/vergelijken/").status_code == 404
    response = _upload(researcher, f"/onderzoeken/{study.pk}/versie/",
                       _xlsx(FORM_V2, tmp_path, "v2.xlsx"))
    assert response.status_code == 404
    assert _stored() == (1, 1)


def test_a_form_id_of_another_organisation_does_not_block_a_new_study(
        researcher, organisation, other_organisation, tmp_path) -> None:
    theirs = form_version_import(source=_xlsx(FORM_V1, tmp_path),
                                 organisation=other_organisation).version.questionnaire
    response = _upload(researcher, "/onderzoeken/nieuw/", _xlsx(FORM_V1, tmp_path, "eigen.xlsx"))
    assert response.status_code == 302
    ours = Questionnaire.objects.exclude(pk=theirs.pk).get()
    assert (ours.organisation, ours.form_id) == (organisation, theirs.form_id)
    assert theirs.versions.count() == 1 and ours.versions.count() == 1
