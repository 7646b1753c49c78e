"""What a survey row's ``type`` means to peiling, with pyxform's aliases of every type.

``row_type`` sorts a type as written (``select one yn``, ``select_multiple list or_other``,
``q int``, ``get start time``, ``begin repeat``, ``geopoint``...) into one of:

- a question or group peiling fields (``kind``: ``select_one``, ``integer``, ``begin_group``...);
- metadata (``metadata``): ``start``, ``end`` and ``today`` are recorded from the response
  (``METADATA_RECORDED``); the rest (device id, user name, audit...), ``IGNORED``, peiling
  does not record;
- an unsupported feature (``feature``: repeat, loop, media, geo, external data, or a type of
  its own such as ``time``), refused with one message naming it.

The aliases are pyxform's (``pyxform.aliases.select``, ``pyxform.question_type_dictionary``),
so a type pyxform accepts is never "unknown" here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IGNORED", "METADATA_RECORDED", "SUPPORTED_TYPES", "RowType", "row_type"]

#: Metadata types peiling records, and what from: the response's start and end, its day.
METADATA_RECORDED = {"start": "start", "end": "end", "today": "today"}
#: ``RowType.metadata`` of metadata peiling does not record.
IGNORED = "ignored"

SUPPORTED_TYPES = "select_one, select_multiple, rank, integer, decimal, range, text, date, note, \
calculate, begin_group, end_group"

#: peiling's types by the name written, pyxform's aliases included.
_SIMPLE = {
    "integer": "integer", "int": "integer", "q int": "integer", "add integer prompt": "integer",
    "decimal": "decimal", "q decimal": "decimal", "add decimal prompt": "decimal",
    "range": "range",
    "text": "text", "string": "text", "q string": "text", "add text prompt": "text",
    "date": "date", "q date": "date", "add date prompt": "date",
    "note": "note", "q note": "note", "add note prompt": "note",
    "calculate": "calculate", "q calculate": "calculate", "add calculate prompt": "calculate",
    "begin_group": "begin_group", "begin group": "begin_group",
    "end_group": "end_group", "end group": "end_group",
}  # fmt: skip
_CONTROL = {
    "begin_repeat": "repeat", "begin repeat": "repeat", "begin lgroup": "repeat",
    "begin looped group": "repeat", "begin_loop": "loop", "begin loop": "loop",
    "end_repeat": None, "end repeat": None, "end lgroup": None, "end looped group": None,
    "end_loop": None, "end loop": None,
}  # fmt: skip
_OR_OTHER = (("or", "specify", "other"), ("or", "other"), ("or_other",))
_EXTERNAL = ("select_one_external", "select one external", "csv-external", "xml-external")


@dataclass(frozen=True)
class RowType:
    """A survey row's type: see the module docstring. ``list_name`` for choice questions."""

    written: str
    kind: str | None = None
    list_name: str = ""
    or_other: bool = False
    metadata: str | None = None
    feature: str | None = None
    closing: bool = False


def row_type(written: str) -> RowType:
    """Return what the type ``written`` on a survey row means (see the module docstring)."""
    from pyxform import aliases
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    text = " ".join(written.split())
    lower = text.lower()
    if lower in _SIMPLE:
        return RowType(written, kind=_SIMPLE[lower])
    control = lower if lower in _CONTROL else " ".join(lower.split()[:2])  # begin loop over x
    if control in _CONTROL:
        feature = _CONTROL[control]
        return RowType(written, feature=feature, closing=feature is None)
    if lower.startswith(_EXTERNAL) or "from_file" in lower or "from file" in lower:
        return RowType(written, feature="external data")
    for prefix, pyxform_kind in sorted(aliases.select.items(), key=lambda p: -len(p[0])):
        if lower == prefix or lower.startswith(prefix + " "):
            return _choice_type(written, text[len(prefix):].split(), pyxform_kind)
    entry = QUESTION_TYPE_DICT.get(text) or QUESTION_TYPE_DICT.get(lower)
    if entry is None:
        return RowType(written, feature=f"type '{written}'")
    bind, control = entry.get("bind", {}), entry.get("control", {})
    preload = bind.get("jr:preloadParams") or bind.get("jr:preload")
    if preload or lower == "audit" or lower.startswith("background-") \
            or control.get("tag") == "action":
        return RowType(written, metadata=METADATA_RECORDED.get(str(preload), IGNORED))
    if bind.get("type") in ("geopoint", "geotrace", "geoshape"):
        return RowType(written, feature="geo")
    if control.get("tag") == "upload" or bind.get("type") == "binary":
        return RowType(written, feature="media")
    return RowType(written, feature=f"type '{written}'")


def _choice_type(written: str, words: list[str], pyxform_kind: str) -> RowType:
    kind = {"select one": "select_one", "select all that apply": "select_multiple",
            "rank": "rank"}.get(pyxform_kind)
    if kind is None:
        return RowType(written, feature=f"type '{written}'")
    or_other = False
    for suffix in _OR_OTHER:  # pyxform's spellings of "specify other"
        if words[-len(suffix):] == list(suffix):
            words, or_other = words[:-len(suffix)], True
            break
    return RowType(written, kind=kind, list_name=words[0] if len(words) == 1 else "",
                   or_other=or_other)
