"""Changing a study's report definition: a new version per save, and the edits of the key
findings and the picked quotes written into the definition's YAML, so that they are versioned,
exported and imported with everything else.

Edits go into the text itself rather than into tables of their own: the YAML stays the one
place where a report is described, for the command line as for the browser. Only the
top-level ``findings:`` (for picked quotes: ``sections:``) is rewritten; the comments and the
layout of the rest of the researcher's text stay as they were.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from django.db import transaction

from peiling.forms.model import Form, text_in
from peiling.questionnaires.models import Questionnaire
from peiling.reports.build import results_sections
from peiling.reports.definition import ItemSpec, ReportDefinition, SectionSpec, parse_definition
from peiling.reports.definition_check import default_sections
from peiling.reports.models import ReportDefinitionVersion, TrendThreshold, WaveMap

__all__ = [
    "MappingError",
    "ThresholdError",
    "definition_save",
    "outline",
    "outline_items",
    "trend_threshold_set",
    "wave_map_add",
    "with_coded_quotes",
    "with_finding",
    "with_outline",
    "with_quotes",
    "with_settings",
]

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


def definition_save(questionnaire: Questionnaire, text: str, user: Any
                    ) -> ReportDefinitionVersion | None:
    """Store ``text`` as the study's next definition version; ``None`` when it is the
    current text already. The caller has checked the text (``check_definition``)."""
    with transaction.atomic():
        Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
        current = ReportDefinitionVersion.objects.filter(questionnaire=questionnaire).first()
        if current is not None and current.text == text:
            return None
        number = current.number + 1 if current is not None else 1
        return ReportDefinitionVersion.objects.create(
            questionnaire=questionnaire, number=number, text=text, created_by=user)


def with_finding(text: str, key: str, edited: str | None,
                 numbers: Sequence[int] = ()) -> str:
    """Return the definition ``text`` with the key finding ``key`` rewritten as ``edited``
    (written against ``numbers``), or back to the drafted sentence for ``None``."""
    data = _load(text)
    findings = data.get("findings")
    findings = dict(findings) if isinstance(findings, dict) else {}
    if edited is None:
        findings.pop(key, None)
    else:
        findings[key] = {"text": edited, "numbers": [int(n) for n in numbers]}
    return _with_top_key(text, data, "findings", findings or None)


def with_quotes(text: str, form: Form, question: str, theme: str, quotes: Sequence[str]) -> str:
    """Return the definition ``text`` with ``quotes`` (answers to the text question
    ``question``) added under ``theme`` of that question's quotes item. Without one, the item
    is made at the end of the section of the question's group; a definition without sections
    gets the sections the report has now written out first, so that nothing else changes.

    Raises ``DefinitionError`` for a text that is no definition."""
    data, sections = _sections_of(text, form)
    item = _quotes_item(sections, question, _section_title(form, question))
    themes = item.setdefault("themes", [])
    entry = next((t for t in themes if isinstance(t, dict) and t.get("theme") == theme), None)
    if entry is None:
        entry = {"theme": theme, "quotes": []}
        themes.append(entry)
    kept = entry.setdefault("quotes", [])
    kept.extend(q for q in quotes if q not in kept)
    return _with_top_key(text, data, "sections", sections)


def with_coded_quotes(text: str, form: Form, question: str, title: str) -> str:
    """Return the definition ``text`` with quotes by theme of the coded open question
    ``question`` (its share and suggested quotes per code; ``items.quotes_block``) under
    ``title`` at the end of the section of the question's group; the same text when the
    definition has such an item already.

    Raises ``DefinitionError`` for a text that is no definition."""
    data, sections = _sections_of(text, form)
    for section in sections:
        for item in section.get("items", []) if isinstance(section, dict) else ():
            if isinstance(item, dict) and item.get("quotes") == question and not item.get(
                    "themes"):
                return text
    _section_named(sections, _section_title(form, question)).setdefault("items", []).append(
        {"quotes": question, "title": title})
    return _with_top_key(text, data, "sections", sections)


def _sections_of(text: str, form: Form) -> tuple[dict[str, Any], list[Any]]:
    """The definition ``text`` as data, and its sections: those written, else the sections
    the report has now, written out (so that adding to them changes nothing else)."""
    definition = parse_definition(text) if text.strip() else ReportDefinition()
    data = _load(text)
    sections = data.get("sections")
    if not isinstance(sections, list):
        sections = [_section_data(spec) for spec in results_sections(form, definition)]
    return data, sections


def _section_named(sections: list[Any], title: str) -> dict[str, Any]:
    """The section called ``title``, made at the end when there is none."""
    section = next((s for s in sections if isinstance(s, dict) and s.get("title") == title),
                   None)
    if section is None:
        section = {"title": title, "items": []}
        sections.append(section)
    return section


def _section_data(spec: SectionSpec) -> dict[str, Any]:
    """A derived section as the definition writes it (derived sections hold plain tables and
    grids only)."""
    items: list[dict[str, Any]] = []
    for item in spec.items:
        if item.kind == "statements":
            items.append({"statements": list(item.questions), "chart": item.chart or "stacked"})
        elif item.kind == "question":
            items.append({"question": item.questions[0]})
    return {"title": spec.title, "items": items}


def _section_title(form: Form, question: str) -> str:
    """The title of the section a question's quotes go to: its top-level group's label."""
    parents = form.parents_of(question)
    if parents:
        return text_in(parents[0].label, form.default_language) or parents[0].name
    return "Citaten"


def _quotes_item(sections: list[Any], question: str, section_title: str) -> dict[str, Any]:
    for section in sections:
        for item in section.get("items", []) if isinstance(section, dict) else ():
            if isinstance(item, dict) and item.get("quotes") == question:
                return item
    item = {"quotes": question, "themes": []}
    _section_named(sections, section_title).setdefault("items", []).append(item)
    return item


def _load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text) if text.strip() else {}
    return data if isinstance(data, dict) else {}


def _with_top_key(text: str, data: dict[str, Any], key: str, value: Any) -> str:
    """Replace (or add, or with ``None`` drop) the top-level ``key`` of the YAML ``text``,
    leaving every other line as it was. JSON text is rewritten as JSON."""
    if text.lstrip().startswith("{"):
        data = {k: v for k, v in data.items() if k != key}
        if value is not None:
            data[key] = value
        return json.dumps(data, ensure_ascii=False, indent=2)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if (m := _TOP_KEY.match(line)) and m.group("key") == key), None)
    if start is not None:
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "-")):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # keep the blank lines before the next key
        del lines[start:end]
    else:
        start = len(lines)
        if lines and lines[-1].strip():
            lines.append("")
            start += 1
    if value is not None:
        block = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=100)
        lines[start:start] = block.rstrip("\n").splitlines()
    return "\n".join(lines).strip("\n") + "\n"


def with_settings(text: str, values: Mapping[str, Any]) -> str:
    """Return the definition ``text`` with its top-level ``values`` set (``None`` or "" drops
    a key); ``texts`` is merged into the definition's texts, an empty text dropping one."""
    for key, value in values.items():
        data = _load(text)
        if key == "texts":
            texts = data.get("texts")
            merged = dict(texts) if isinstance(texts, dict) else {}
            for name, body in value.items():
                if body:
                    merged[name] = body
                else:
                    merged.pop(name, None)
            value = merged
        text = _with_top_key(text, data, key, value if value not in (None, "", {}, []) else None)
    return text


def outline_items(form: Form, definition: ReportDefinition) -> list[tuple[str, str]]:
    """Return (id, label) of every table a chapter can hold, in questionnaire order: each
    closed question ("question:name") and each grid of statements ("statements:a,b")."""
    items = []
    for spec in default_sections(form):
        for item in spec.items:
            items.append(_item_id(item))
    for spec in definition.sections or ():
        for item in spec.items:
            if item.kind in ("question", "statements") and _item_id(item) not in items:
                items.append(_item_id(item))
    labels = {q.name: text_in(q.label, form.default_language) or q.name
              for q in form.questions()}
    result = []
    for item_id in items:
        kind, _sep, names = item_id.partition(":")
        first = names.split(",")[0]
        label = labels.get(first, first)
        if kind == "statements":
            parents = form.parents_of(first)
            group = (text_in(parents[-1].label, form.default_language) or parents[-1].name
                     ) if parents else label
            label = f"{group} ({len(names.split(','))} stellingen)"
        result.append((item_id, label))
    return result


def outline(form: Form, definition: ReportDefinition) -> list[tuple[str, list[str]]]:
    """Return the chapters of the report as (title, item ids of its tables)."""
    return [(spec.title, [_item_id(i) for i in spec.items if i.kind in ("question", "statements")])
            for spec in results_sections(form, definition)]


def with_outline(text: str, form: Form, chapters: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Return the definition ``text`` with its chapters as ``chapters`` (title, item ids).

    What the outline does not show is kept: a table that stays keeps its options (nets,
    chart, phrase, subject), texts and quotes stay in the chapter of the same title (or in
    the first chapter); a chapter's tables keep their order, new ones follow in
    questionnaire order."""
    definition = parse_definition(text) if text.strip() else ReportDefinition()
    data = _load(text)
    sections = data.get("sections")
    if not isinstance(sections, list):
        sections = [_section_data(spec) for spec in results_sections(form, definition)]
    kept: dict[str, dict[str, Any]] = {}
    others: dict[str, list[dict[str, Any]]] = {}
    for section in sections:
        if not isinstance(section, dict):
            continue
        for item in section.get("items") or []:
            if not isinstance(item, dict):
                continue
            item_id = _data_id(item)
            if item_id is None:
                others.setdefault(str(section.get("title", "")), []).append(item)
            else:
                kept.setdefault(item_id, item)
    order = [item_id for item_id, _label in outline_items(form, definition)]
    result = []
    for title, chosen in chapters:
        old = next((s for s in sections if isinstance(s, dict) and s.get("title") == title), {})
        before = [_data_id(i) for i in old.get("items") or [] if isinstance(i, dict)]
        ranked = sorted(chosen, key=lambda i: (i not in before,
                                               before.index(i) if i in before else order.index(i)
                                               if i in order else len(order)))
        items = [kept.get(item_id) or _new_item(item_id) for item_id in ranked]
        items += others.pop(title, [])
        section = {k: v for k, v in old.items() if k not in ("title", "items")}
        result.append({"title": title, **section, "items": items})
    if result:
        for _title, items in others.items():  # texts and quotes of a chapter that went
            result[0]["items"].extend(items)
    return _with_top_key(text, data, "sections", result)


def _item_id(item: ItemSpec) -> str:
    return f"{item.kind}:{','.join(item.questions)}"


def _data_id(item: Mapping[str, Any]) -> str | None:
    if "question" in item:
        return f"question:{item['question']}"
    if "statements" in item:
        names = item["statements"]
        return f"statements:{','.join(names if isinstance(names, list) else [str(names)])}"
    return None


def _new_item(item_id: str) -> dict[str, Any]:
    kind, _sep, names = item_id.partition(":")
    if kind == "statements":
        return {"statements": names.split(","), "chart": "stacked"}
    return {"question": names}


# -- wave mappings ----------------------------------------------------------------------------


class MappingError(ValueError):
    """A wave mapping that cannot be stored, with a message for the researcher."""


def wave_map_add(*, questionnaire: Any, fieldwork: Any, question: str, to: str,
                 codes: str, user: Any) -> WaveMap:
    """Store that ``question`` of wave ``fieldwork`` is the study's ``to`` now, with its answer
    codes ``"old=new; old2=new2"``. Checked: the wave is the study's, the question is in that
    wave's questionnaire, ``to`` is a name, the codes are pairs of the question's choices then;
    one mapping per question and wave."""
    from django.utils.translation import gettext as _

    question, to = question.strip(), to.strip()
    if fieldwork.form_version.questionnaire_id != questionnaire.pk:
        raise MappingError(_("That wave is not one of this study."))
    form = fieldwork.form_version.form
    try:
        asked = form.question(question)
    except KeyError:
        raise MappingError(_("“%(name)s” is not a question of that wave.") % {
            "name": question}) from None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}", to):
        raise MappingError(_("“%(name)s” is not a question name.") % {"name": to})
    pairs = []
    known = {c.name for c in form.choices(asked)} if asked.choice_list else set()
    for part in filter(None, (p.strip() for p in codes.replace("\n", ";").split(";"))):
        old, equals, new = (x.strip() for x in part.partition("="))
        if not equals or not old or not new:
            raise MappingError(_("Write the codes as old=new, separated by ';' (got "
                                 "“%(part)s”).") % {"part": part})
        if old not in known:
            raise MappingError(_("“%(code)s” is not an answer code of that question.") % {
                "code": old})
        pairs.append([old, new])
    if question == to and not pairs:
        raise MappingError(_("A mapping renames the question or recodes its answers."))
    if WaveMap.objects.filter(fieldwork=fieldwork, question=question).exists():
        raise MappingError(_("That question of that wave has a mapping already; remove it "
                             "first."))
    return WaveMap.objects.create(questionnaire=questionnaire, fieldwork=fieldwork,
                                  question=question, to=to, codes=pairs, created_by=user)


class ThresholdError(ValueError):
    """A threshold that cannot be stored, with a message for the researcher."""


def trend_threshold_set(*, questionnaire: Any, question: str, below: str,
                        numeric: list[str], user: Any) -> TrendThreshold | None:
    """Store where "onvoldoende" starts for ``question`` of the study (one of its ``numeric``
    questions): the share of answers below ``below`` (a number; a decimal comma is fine)
    shows under the mean in its trend tables. An empty ``below`` removes the stored one."""
    from django.utils.translation import gettext as _

    if question not in numeric:
        raise ThresholdError(_("A threshold belongs to a number question of the study."))
    text = below.strip().replace(",", ".")
    if not text:
        TrendThreshold.objects.filter(questionnaire=questionnaire, question=question).delete()
        return None
    try:
        value = float(text)
    except ValueError:
        raise ThresholdError(_("The threshold must be a number.")) from None
    if not math.isfinite(value):
        raise ThresholdError(_("The threshold must be a number."))
    threshold, _created = TrendThreshold.objects.update_or_create(
        questionnaire=questionnaire, question=question,
        defaults={"below": value, "updated_by": user})
    return threshold


#: The columns of a mappings workbook, in Dutch as researchers write them.
MAPPING_COLUMNS = ("golf", "vraag toen", "vraag nu", "code toen", "code nu")
MAPPING_MAX_ROWS = 2_000


def wave_maps_import(*, questionnaire: Any, data: bytes, user: Any) -> int:
    """Store the mappings of an XLSX workbook: a header row ``golf | vraag toen | vraag nu |
    code toen | code nu`` and a row per question, or per answer code of a question (rows of
    the same wave and question make one mapping). The wave is named as on the trends page
    (the fieldwork's name, or its short name). Checked as ``wave_map_add``; all or nothing:
    raises ``MappingError`` listing every problem with its row. Returns how many mappings."""
    import io
    import zipfile

    from django.utils.translation import gettext as _
    from openpyxl import load_workbook

    from peiling.fieldwork.models import Fieldwork

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise MappingError(_("The file is not an Excel workbook (.xlsx).")) from None
    rows = list(book.worksheets[0].iter_rows(values_only=True, max_row=MAPPING_MAX_ROWS + 2))
    if len(rows) > MAPPING_MAX_ROWS + 1:
        raise MappingError(_("A mappings workbook has at most %(n)d rows.") % {
            "n": MAPPING_MAX_ROWS})
    header = [str(c or "").strip().lower() for c in (rows[0] if rows else ())][:5]
    if header[:3] != list(MAPPING_COLUMNS[:3]):
        raise MappingError(_("The first row must name the columns: %(columns)s.") % {
            "columns": " | ".join(MAPPING_COLUMNS)})
    waves = {}
    for fieldwork in Fieldwork.objects.filter(form_version__questionnaire=questionnaire):
        waves.setdefault(fieldwork.name, fieldwork)
        waves[fieldwork.slug] = fieldwork
    grouped: dict[tuple[int, str], dict[str, Any]] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [str(c).strip() if c is not None else "" for c in (*row, "", "", "", "", "")][:5]
        if not any(cells):
            continue
        wave, question, to, old, new = cells
        fieldwork = waves.get(wave)
        if fieldwork is None:
            problems.append(_("row %(row)d: no wave “%(wave)s” in this study") % {
                "row": number, "wave": wave})
            continue
        entry = grouped.setdefault((fieldwork.pk, question), {
            "fieldwork": fieldwork, "to": to, "codes": [], "row": number})
        if entry["to"] != to:
            problems.append(_("row %(row)d: “%(question)s” of that wave is mapped to two "
                              "names") % {"row": number, "question": question})
        if old or new:
            entry["codes"].append(f"{old}={new}")
    with transaction.atomic():
        for (_pk, question), entry in grouped.items():
            try:
                wave_map_add(questionnaire=questionnaire, fieldwork=entry["fieldwork"],
                             question=question, to=entry["to"],
                             codes="; ".join(entry["codes"]), user=user)
            except MappingError as error:
                problems.append(_("row %(row)d: %(problem)s") % {"row": entry["row"],
                                                                  "problem": error})
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise MappingError("; ".join(problems))
    if not grouped:
        raise MappingError(_("The workbook has no mappings under its header."))
    return len(grouped)
