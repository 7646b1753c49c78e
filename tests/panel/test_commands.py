"""``peiling panel ...`` and ``peiling invite ...``: exact output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peiling.cli import main
from peiling.panel.models import Member, Panel, PanelInvitation
from tests.panel.conftest import PROFILE, workbook_bytes
from tests.panel.helpers import csv_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_panel_create(tmp_path, capsys) -> None:
    profile = _file(tmp_path, "profiel.xlsx", workbook_bytes(PROFILE, tmp_path))
    assert _run(capsys, "panel", "create", "ambtenaren", "--profile", profile,
                "--name", "Ambtenarenpanel") == (0, [
                    "created panel 'ambtenaren' (Ambtenarenpanel); profile variables: org_type, "
                    "domain, birth_year"], [])
    assert _run(capsys, "panel", "create", "ambtenaren", "--profile", profile) == (1, [], [
        "peiling panel: a panel with slug 'ambtenaren' already exists; choose another slug"])
    assert _run(capsys, "panel", "create", "x", "--profile", str(tmp_path / "weg.xlsx")) == (
        1, [], [f"peiling panel: cannot read {tmp_path / 'weg.xlsx'}: No such file or directory"])


def test_panel_import_prints_the_summary_and_refused_rows(panel, tmp_path, capsys) -> None:
    data = csv_bytes("email,org_type", "a@example.org,rijk", "b@example,rijk",
                     "c@example.org,provincie", "A@example.org,gemeente")
    path = _file(tmp_path, "leden.csv", data)
    assert _run(capsys, "panel", "import", "testpanel", path) == (1, [
        "created 1, updated 0, unchanged 0, refused 3",
        "row 3: e-mail address 'b@example' is not a valid address",
        "row 4: org_type 'provincie' is not a choice of org_type; expected one of gemeente, "
        "rijk, onderwijs",
        "row 5: duplicate of row 2 (same e-mail address)",
    ], [])
    good = _file(tmp_path, "goed.csv", csv_bytes("email,org_type", "a@example.org,gemeente",
                                                 "d@example.org,rijk"))
    assert _run(capsys, "panel", "import", "testpanel", good, "--dry-run") == (0, [
        "created 1, updated 1, unchanged 0, refused 0",
        "row 2: would update org_type",
        "row 3: would create",
    ], ["dry run: nothing was stored"])
    assert Member.objects.count() == 1
    assert _run(capsys, "panel", "import", "testpanel", good) == (0, [
        "created 1, updated 1, unchanged 0, refused 0"], [])
    assert _run(capsys, "panel", "import", "testpanel", good) == (0, [
        "created 0, updated 0, unchanged 2, refused 0"], [])


def test_panel_import_refuses_bad_files_and_unknown_panels(panel, tmp_path, capsys) -> None:
    members = _file(tmp_path, "leden.csv", csv_bytes("email", "a@example.org"))
    assert _run(capsys, "panel", "import", "geen-panel", members) == (1, [], [
        "peiling panel: no panel with slug 'geen-panel' (panels: testpanel)"])
    pdf = _file(tmp_path, "leden.csv", b"%PDF-1.4\x00\x01binary")
    assert _run(capsys, "panel", "import", "testpanel", pdf) == (1, [], [
        "peiling panel: leden.csv: is not a CSV file (it holds binary data); save the member "
        "list as CSV UTF-8 or as an Excel workbook (.xlsx)"])
    columns = _file(tmp_path, "kolommen.csv", csv_bytes("e-mail,org_type", "a@example.org,rijk"))
    status, out, err = _run(capsys, "panel", "import", "testpanel", columns)
    assert (status, out) == (1, [])
    assert err[0] == ("peiling panel: kolommen.csv: no 'email' column; the first row must name "
                      "the columns, one of them 'email'")
    assert not Member.objects.exists()


def test_panel_generate_writes_the_demo_members(tmp_path, capsys) -> None:
    path = tmp_path / "leden.csv"
    assert _run(capsys, "panel", "generate", str(path), "--seed", "3") == (
        0, [f"wrote {path}: 1415 demo members (seed 3)"], [])
    assert len(path.read_text().splitlines()) == 1416


def test_sample_preview_then_commit(panel, fieldwork, add_member, capsys) -> None:
    for org in ["gemeente"] * 6 + ["rijk"] * 3 + ["onderwijs"]:
        add_member(org_type=org)
    args = ("invite", "sample", fieldwork.slug, "--panel", "testpanel", "--size", "5",
            "--stratify", "org_type", "--seed", "11")
    preview = [
        f"proportional sample on org_type from panel testpanel for {fieldwork.slug}, seed 11",
        "stratum    eligible  target  achieved",
        "gemeente          6       3         3",
        "rijk              3       2         2",
        "onderwijs         1       0         0",
        "total            10       5         5",
        "excluded: none",
    ]
    assert _run(capsys, *args) == (0, [*preview, "preview only: add --commit to store this "
                                                 "sample and create its invitations"], [])
    assert not PanelInvitation.objects.exists()
    status, out, _ = _run(capsys, *args, "--commit")
    assert status == 0 and out[:-1] == preview
    assert out[-1].endswith(f": 5 invitations for {fieldwork.slug}; send them with "
                            f"`peiling invite send {fieldwork.slug}`")
    assert PanelInvitation.objects.count() == 5


def test_sample_errors_are_one_line_each(panel, fieldwork, capsys) -> None:
    assert _run(capsys, "invite", "sample", "geen", "--panel", "testpanel", "--size", "5") == (
        1, [], ["peiling invite: no fieldwork with slug or id 'geen'"])
    assert _run(capsys, "invite", "sample", fieldwork.slug, "--panel", "testpanel") == (
        2, [], ["peiling invite: give the sample size with --size, or targets with --target"])
    assert _run(capsys, "invite", "sample", fieldwork.slug, "--panel", "testpanel",
                "--stratify", "org_type", "--target", "rijk=x") == (2, [], [
                    "peiling invite: --target 'rijk=x': write it as VALUE[/VALUE]=N, "
                    "e.g. gemeente/ict=50"])
    assert _run(capsys, "invite", "sample", fieldwork.slug, "--panel", "testpanel",
                "--size", "5", "--stratify", "sector") == (1, [], [
                    "peiling invite: 'sector' is not a profile variable of panel 'testpanel'; "
                    "choose from org_type, domain, birth_year"])


@pytest.mark.django_db(transaction=True)
def test_schedule_send_status_and_rates(sink, settings, panel, fieldwork, add_member,
                                        capsys) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PEILING_TASKS = "immediate"
    for org in ("gemeente", "gemeente", "rijk"):
        add_member(org_type=org)
    main(["invite", "sample", fieldwork.slug, "--panel", "testpanel", "--size", "3",
          "--stratify", "org_type", "--seed", "1", "--commit"])
    capsys.readouterr()
    assert _run(capsys, "invite", "schedule", fieldwork.slug, "--reminders", "4,8") == (
        0, [f"reminders for {fieldwork.slug}: 4, 8 days after the invitation"], [])
    assert _run(capsys, "invite", "send", fieldwork.slug) == (
        0, ["queued 3 invitations in 1 tasks"], [])
    assert len(sink.messages) == 3
    assert _run(capsys, "invite", "status", fieldwork.slug) == (
        0, [f"{fieldwork.slug}: 0 invitations not yet sent", "  invitation: sent 3"], [])
    assert _run(capsys, "invite", "remind", fieldwork.slug, "--now") == (
        0, [f"queued the next reminder to everyone who has not completed for {fieldwork.slug}"],
        [])
    assert len(sink.messages) == 6
    status, out, _ = _run(capsys, "invite", "rates", fieldwork.slug)
    assert status == 0
    assert out[0].split() == ["stratum", "invited", "delivered", "bounced", "started",
                              "completed", "screened_out", "unsubscribed", "RR1", "RR2", "COOP1",
                              "REF1", "CON1"]
    assert [line.split() for line in out[1:]] == [
        ["gemeente", "2", "2", "0", "0", "0", "0", "0", "0.0%", "0.0%", "-", "0.0%", "0.0%"],
        ["rijk", "1", "1", "0", "0", "0", "0", "0", "0.0%", "0.0%", "-", "0.0%", "0.0%"],
        ["total", "3", "3", "0", "0", "0", "0", "0", "0.0%", "0.0%", "-", "0.0%", "0.0%"],
    ]


def test_show_export_bounce_erase(panel, add_member, tmp_path, capsys) -> None:
    add_member("jan@example.org", name="Jan", org_type="rijk")
    status, out, _ = _run(capsys, "panel", "show", "testpanel", "Jan@Example.org")
    assert status == 0 and out[1:] == ["  org_type = rijk  (updated 2024-01-01)",
                                       "  never invited"]
    target = tmp_path / "jan.json"
    assert _run(capsys, "panel", "export", "testpanel", "jan@example.org", "-o", str(target)) \
        == (0, [f"wrote {target}"], [])
    assert json.loads(target.read_text())["email"] == "jan@example.org"
    assert _run(capsys, "panel", "bounce", "testpanel", "jan@example.org", "piet@example.org") \
        == (1, ["bounced 1, unknown 1", "unknown: piet@example.org"], [])
    assert _run(capsys, "panel", "erase", "testpanel", "jan@example.org") == (0, [
        "erased jan@example.org: 0 invitations unlinked, 0 consent records deleted; the "
        "answers stay, anonymous"], [])
    assert _run(capsys, "panel", "show", "testpanel", "jan@example.org") == (1, [], [
        "peiling panel: panel 'testpanel' has no member 'jan@example.org'"])
    assert Panel.objects.count() == 1
