"""Profile variables from an XLSForm and the checks of imported values."""

from __future__ import annotations

from peiling.forms.model import Choice, Form, Question
from peiling.panel.profile import ProfileVariable, parse_value, profile_problems, profile_variables

FORM = Form(
    form_id="profiel", title="Profiel",
    children=(
        Question("intro", "note"),
        Question("org_type", "select_one", label={"default": "Type"}, choice_list="org",
                 required="true()"),
        Question("tools", "select_multiple", choice_list="tools"),
        Question("birth_year", "integer"),
        Question("hours", "decimal"),
        Question("since", "date"),
        Question("remark", "text"),
    ),
    choice_lists={"org": (Choice("gemeente"), Choice("rijk")),
                  "tools": (Choice("mail"), Choice("chat"))},
)
ORG = ProfileVariable("org_type", "select_one", ("gemeente", "rijk"), True, "Type")


def test_every_answered_question_is_a_variable() -> None:
    variables = profile_variables(FORM)
    assert [v.name for v in variables] == ["org_type", "tools", "birth_year", "hours", "since",
                                           "remark"]
    assert variables[0] == ORG


def test_values_are_checked_per_type() -> None:
    tools = profile_variables(FORM)[1]
    cases = [
        (ORG, "rijk", ("rijk", None)),
        (ORG, "Rijk", (None, "org_type 'Rijk' is not a choice of org_type; expected one of "
                             "gemeente, rijk")),
        (ORG, "  ", (None, None)),
        (tools, "chat mail chat", ("chat mail", None)),
        (tools, "chat fax", (None, "tools 'fax' is not a choice of tools; expected one of "
                                   "mail, chat")),
        (profile_variables(FORM)[2], "1970", (1970, None)),
        (profile_variables(FORM)[2], "1970.5", (None, "birth_year '1970.5' is not a whole "
                                                      "number")),
        (profile_variables(FORM)[3], "36,5", (36.5, None)),
        (profile_variables(FORM)[3], "nan", (None, "hours 'nan' is not a number")),
        (profile_variables(FORM)[4], "2017-03-01", ("2017-03-01", None)),
        (profile_variables(FORM)[4], "1-3-2017", (None, "since '1-3-2017' is not a date; write "
                                                        "it as YYYY-MM-DD")),
        (profile_variables(FORM)[5], " vrij ", ("vrij", None)),
    ]
    for variable, raw, expected in cases:
        assert parse_value(variable, raw) == expected, raw


def test_unusable_profile_forms_are_explained() -> None:
    form = Form(form_id="p", title="P", children=(
        Question("email", "text", row=2), Question("rank_it", "rank", choice_list="x", row=3)),
        choice_lists={"x": (Choice("a"),)})
    assert profile_problems(form) == [
        "survey!2 (email): the name is a member file column (email, name, language, "
        "recruitment_source, recruited_on); rename the question",
        "survey!3 (rank_it): type rank cannot be a profile variable; use one of select_one, "
        "select_multiple, integer, decimal, text, date",
    ]
    assert profile_problems(Form(form_id="p", title="P")) == [
        "the profile form has no questions; add one per profile variable"]
