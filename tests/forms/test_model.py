"""The Form model: navigation, pages, languages and the JSON form."""

from __future__ import annotations

import pytest

from peiling.forms.model import Choice, Form, Group, Question, language_code, text_in


def _form() -> Form:
    return Form(
        form_id="f",
        title="F",
        default_language="Nederlands (nl)",
        languages=("Nederlands (nl)", "English (en)"),
        children=(
            Question(
                "org",
                "select_one",
                {"Nederlands (nl)": "Org", "English (en)": "Org EN"},
                choice_list="org",
            ),
            Group(
                "sec",
                {"Nederlands (nl)": "Sectie"},
                relevant="${org} = 'a'",
                children=(
                    Question("q1", "integer", relevant="${org} != ''"),
                    Group(
                        "page",
                        appearance="field-list",
                        relevant="${q1} > 1",
                        children=(
                            Question("q2", "text"),
                            Question("c", "calculate", calculation="1"),
                            Group("inner", children=(Question("q3", "date"),)),
                        ),
                    ),
                    Group(
                        "empty",
                        appearance="field-list",
                        children=(Question("c2", "calculate", calculation="2"),),
                    ),
                ),
            ),
            Question("c3", "calculate", calculation="3"),
        ),
        choice_lists={"org": (Choice("a", {"Nederlands (nl)": "A"}), Choice("b"))},
    )


def test_pages_follow_groups_and_skip_calculations() -> None:
    pages = _form().pages()
    assert [(p.key, [q.name for q in p.questions], p.relevant) for p in pages] == [
        ("org", ["org"], ()),
        ("q1", ["q1"], ("${org} = 'a'",)),
        ("page", ["q2", "q3"], ("${org} = 'a'", "${q1} > 1")),
    ]


def test_relevance_includes_every_enclosing_group() -> None:
    form = _form()
    assert form.relevance("q3") == ("${org} = 'a'", "${q1} > 1")
    assert form.relevance("q1") == ("${org} = 'a'", "${org} != ''")
    assert [g.name for g in form.parents_of("q3")] == ["sec", "page", "inner"]


def test_lookups_name_what_is_missing() -> None:
    form = _form()
    with pytest.raises(KeyError, match="no question named 'nope' in form 'f'"):
        form.question("nope")
    assert form.choices("q1") == ()
    assert [c.name for c in form.choices("org")] == ["a", "b"]


def test_languages_by_name_or_code() -> None:
    form = _form()
    assert form.language("en") == "English (en)"
    assert form.language("English (en)") == "English (en)"
    assert form.language("fr") == "Nederlands (nl)"
    assert form.language(None) == "Nederlands (nl)"
    assert language_code("Nederlands (nl)") == "nl" and language_code("default") == "default"
    assert language_code("Português (pt-BR)") == "pt-br"


def test_text_in_falls_back() -> None:
    texts = {"Nederlands (nl)": "Ja", "English (en)": "Yes"}
    assert text_in(texts, "en") == "Yes"
    assert text_in(texts, "fr", "Nederlands (nl)") == "Ja"
    assert text_in({"default": "Ja"}, "en") == "Ja"
    assert text_in({}, "en") == ""


def test_json_round_trip_and_hash() -> None:
    form = _form()
    again = Form.from_json(form.to_json())
    assert again == form and again.content_hash() == form.content_hash()
    assert Form.from_json(form.to_json().replace('"Org EN"', '"Other"')).content_hash() != (
        form.content_hash()
    )


def test_from_dict_refuses_unknown_kinds_and_types() -> None:
    data = _form().to_dict()
    data["children"][0]["type"] = "geopoint"
    with pytest.raises(ValueError, match="question type must be one of"):
        Form.from_dict(data)
    data["children"][0]["kind"] = "repeat"
    with pytest.raises(ValueError, match="item kind must be 'group' or 'question'"):
        Form.from_dict(data)


def test_metadata_keeps_its_order_through_json() -> None:
    """Form order decides the export's columns; PostgreSQL's jsonb would reorder object keys,
    so the pairs are stored as a list."""
    import json

    form = Form(form_id="f", title="F", metadata={"einde": "end", "begin": "start",
                                                  "dag": "today"})
    stored = json.loads(json.dumps(form.to_dict(), sort_keys=True))
    assert list(Form.from_dict(stored).metadata) == ["einde", "begin", "dag"]
    assert "metadata" not in Form(form_id="f", title="F").to_dict()
