"""The system check that the NL Design System CSS from npm is installed."""

from __future__ import annotations

from peiling.fieldwork import checks


def test_no_warning_when_the_stylesheets_are_found(monkeypatch):
    monkeypatch.setattr(checks.finders, "find", lambda path: f"/x/{path}")
    assert checks.check_nl_design_system(None) == []


def test_a_warning_names_the_missing_stylesheets_and_the_fix(monkeypatch):
    monkeypatch.setattr(checks.finders, "find", lambda path: None)
    [warning] = checks.check_nl_design_system(None)
    assert warning.id == "peiling.W101"
    assert "nl-design-system/utrecht/index.css" in warning.msg
    assert warning.hint.startswith("Run `npm ci` in the project directory")
