"""Report definitions: which questions, in which order, against which banner, with which nets.

A definition is a YAML (or JSON, which YAML reads too) file. Everything is optional: what is
left out comes from the questionnaire (a section per group, a table per closed question, a
stacked bar chart per grid of statements). ``examples/rapport.yaml`` shows every key::

    title: Hoe beoordelen ambtenaren de digitalisering bij de overheid?
    population: ambtenaren                      # "ruim vier op de tien ambtenaren (44%)"
    banner: organisatie                         # the default banner, by name
    banners:
      organisatie:
        title: type organisatie                 # "(% naar type organisatie)"
        columns: ["Gemeenten=${org_type} = 'gemeente'", "Rijksoverheid=${org_type} = 'rijk'"]
        total: Totaal (incl. overige org.)
        who: {Gemeenten: onder gemeenteambtenaren}
    sections:
      - title: Tevredenheid over voortgang digitalisering
        items:
          - question: satisfaction
            nets: [{label: Tamelijk tot zeer tevreden, categories: [zeer, tamelijk]}]
          - statements: [st_priority, st_budget]
            chart: stacked
          - quotes: promise_causes
            themes: [{theme: Wetgeving, quotes: ["Privacywetgeving knelt enorm."]}]
          - quotes: desirability_why            # coded: per theme its share and quotes,
            per_theme: 3                        # chosen under themes or suggested
          - question: desirability_why_codes    # the codes as a multiple-response table

``load_definition`` reads and checks the file's shape; ``check_definition`` checks it against
the questionnaire (question names, choice names, expressions). Both collect every problem
before raising, each with its place in the file: ``rapport.yaml:14:9: sections[1].items[0]
.question: unknown question 'satisfacton'; did you mean 'satisfaction'?``.

Errors::

    DefinitionError (ValueError)    .problems: every Problem found (path, line, column, message)
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeAlias

import yaml

__all__ = [
    "CHART_KINDS",
    "BannerSpec",
    "DefinitionError",
    "DistributionSpec",
    "FindingEdit",
    "ItemSpec",
    "NetScoreSpec",
    "NetSpec",
    "Problem",
    "ReportDefinition",
    "SectionSpec",
    "ThemeSpec",
    "check_definition",
    "default_sections",
    "load_definition",
    "parse_definition",
]

ChartKind: TypeAlias = Literal["none", "bars", "stacked", "histogram"]
CHART_KINDS: tuple[str, ...] = ChartKind.__args__  # type: ignore[attr-defined]
ItemKind: TypeAlias = Literal["question", "statements", "quotes", "text"]
ITEM_KINDS: tuple[str, ...] = ItemKind.__args__  # type: ignore[attr-defined]
TABLE_TYPES = frozenset({"select_one", "select_multiple", "integer", "decimal", "range"})
NUMERIC_TYPES = frozenset({"integer", "decimal", "range"})


# -- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition: where (path, line, column) and what."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    source: str = ""

    def __str__(self) -> str:
        where = self.source or "definition"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` holds every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(f"{self.problems[0]}{tail}" if self.problems else "invalid definition")


# -- the definition as values -----------------------------------------------------------------


@dataclass(frozen=True)
class NetSpec:
    """A merge of choices shown as one row: "Tamelijk tot zeer tevreden"."""

    label: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class NetScoreSpec:
    """ "Per saldo": % in ``positive`` minus % in ``negative``."""

    label: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class BannerSpec:
    """Named table columns: variables or ``LABEL=EXPR`` specs, a total, a filter.

    ``who`` maps a column label to the words a finding uses for its people
    ("onder gemeenteambtenaren").
    """

    name: str
    columns: tuple[str, ...]
    title: str = ""
    total: str = "Totaal"
    who: tuple[tuple[str, str], ...] = ()
    filter: str | None = None


@dataclass(frozen=True)
class ThemeSpec:
    theme: str
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class ItemSpec:
    """One thing in a section: a question's table (and chart), a grid, quotes or text."""

    kind: ItemKind
    questions: tuple[str, ...] = ()
    text: str = ""
    title: str = ""
    banner: str | None = None
    filter: str | None = None
    subgroup: str = ""
    nets: tuple[NetSpec, ...] = ()
    net_score: NetScoreSpec | None = None
    categories: bool = True
    dont_know: Literal["include", "exclude"] = "include"
    chart: ChartKind | None = None
    table: bool = True
    bands: tuple[float, ...] = ()
    phrase: str = ""
    subject: str = ""
    headline: str = ""
    agree: tuple[str, ...] = ()
    themes: tuple[ThemeSpec, ...] = ()
    per_theme: int = 3
    intro: str = ""
    path: str = ""


@dataclass(frozen=True)
class SectionSpec:
    title: str
    items: tuple[ItemSpec, ...]
    headline: str = ""
    text: str = ""
    path: str = ""


@dataclass(frozen=True)
class DistributionSpec:
    """A table of the methods chapter: respondents per category (count and %)."""

    variable: str
    title: str = ""
    banner: str | None = None
    filter: str | None = None
    path: str = ""


@dataclass(frozen=True)
class FindingEdit:
    """A key finding the researcher rewrote (``findings:`` in the definition), by its key
    ("question|row" or "question|row|column"): the text, and the numbers the text was written
    against (``None``: the percentages in the text itself)."""

    key: str
    text: str
    numbers: tuple[int, ...] | None = None
    path: str = ""


@dataclass(frozen=True)
class ReportDefinition:
    """A report definition; ``sections`` ``None`` means: derive them from the questionnaire."""

    title: str = ""
    subtitle: str = ""
    author: str = ""
    client: str = ""
    date: str = ""
    population: str = "respondenten"
    language: str | None = None
    draft: bool = True
    start: dt.date | None = None
    end: dt.date | None = None
    source_variable: str | None = None
    source_labels: tuple[tuple[str, str], ...] = ()
    weight: str | None = None
    alpha: float = 0.05
    filter: str | None = None
    banner: str | None = None
    banners: tuple[BannerSpec, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    sections: tuple[SectionSpec, ...] | None = None
    distributions: tuple[DistributionSpec, ...] | None = None
    appendix: bool = False
    questions: tuple[str, ...] | None = None
    findings: tuple[FindingEdit, ...] = ()
    source: str = field(default="", compare=False)
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def banner_named(self, name: str | None) -> BannerSpec | None:
        """Return the banner called ``name`` (the default banner for ``None``)."""
        wanted = name if name is not None else self.banner
        return next((b for b in self.banners if b.name == wanted), None)

    def text(self, key: str) -> str:
        return dict(self.texts).get(key, "")

    def with_banner(self, specs: Sequence[str], title: str = "") -> ReportDefinition:
        """Return a copy whose default banner is ``specs`` (from the command line)."""
        banner = BannerSpec("cli", tuple(specs), title=title)
        others = tuple(b for b in self.banners if b.name != "cli")
        return replace(self, banner="cli", banners=(*others, banner))


# -- reading ----------------------------------------------------------------------------------

TOP_KEYS = (
    "title",
    "subtitle",
    "author",
    "client",
    "date",
    "population",
    "language",
    "draft",
    "fieldwork",
    "sources",
    "weight",
    "alpha",
    "filter",
    "banner",
    "banners",
    "texts",
    "sections",
    "methods",
    "appendix",
    "questions",
    "findings",
)
TEXT_KEYS = ("introduction", "research_questions", "panel", "about", "summary")
ITEM_KEYS = (
    "question",
    "statements",
    "quotes",
    "text",
    "title",
    "banner",
    "filter",
    "subgroup",
    "nets",
    "net_score",
    "categories",
    "dont_know",
    "chart",
    "table",
    "bands",
    "phrase",
    "subject",
    "headline",
    "agree",
    "themes",
    "per_theme",
    "intro",
)


def load_definition(path: str | Path) -> ReportDefinition:
    """Read and shape-check a definition file; raise ``DefinitionError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DefinitionError([Problem("", "no such file", source=str(path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        message = f"cannot read the file ({getattr(error, 'strerror', None) or error})"
        raise DefinitionError([Problem("", message, source=str(path))]) from None
    return parse_definition(text, source=str(path))


def parse_definition(text: str, *, source: str = "definition") -> ReportDefinition:
    """Read a definition from YAML or JSON text; raise ``DefinitionError`` on any problem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = {} if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"not valid YAML or JSON: {error.problem or error.context}"
        raise DefinitionError([Problem("", message, line, column, source)]) from None
    except yaml.YAMLError as error:
        problem = Problem("", f"not valid YAML or JSON: {error}", source=source)
        raise DefinitionError([problem]) from None
    finally:
        loader.dispose()
    positions: dict[str, tuple[int, int]] = {}
    if node is not None:
        _record_positions(node, "", positions)
    reader = _Reader(source, positions)
    definition = reader.definition(data)
    if reader.problems:
        raise DefinitionError(reader.problems)
    return replace(definition, source=source, positions=positions)


def _record_positions(node: yaml.Node, path: str, out: dict[str, tuple[int, int]]) -> None:
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            _record_positions(value, child, out)
            out.setdefault(child + "#key", (key.start_mark.line + 1, key.start_mark.column + 1))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _record_positions(value, f"{path}[{index}]", out)


class _Reader:
    """Turns parsed YAML into definition values, collecting every problem on the way."""

    def __init__(self, source: str, positions: Mapping[str, tuple[int, int]]) -> None:
        self.source = source
        self.positions = positions
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str, *, at_key: bool = False) -> None:
        """Record a problem at the value of ``path`` (or at its key, for unknown keys)."""
        places = [path + "#key", path] if at_key else [path, path + "#key"]
        line, column = next(
            (self.positions[p] for p in places if p in self.positions), (None, None)
        )
        self.problems.append(Problem(path, message, line, column, self.source))

    # typed getters: each returns a default and records a problem when the value is wrong

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping (key: value), got {_kind(value)}")
            return {}
        return value

    def keys(self, data: Mapping[str, Any], path: str, allowed: Sequence[str]) -> None:
        for key in data:
            if str(key) not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; expected one of {', '.join(allowed)}"
                )
                self.problem(_join(path, str(key)), f"unknown key {str(key)!r}{hint}", at_key=True)

    def text(self, value: Any, path: str, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float, dt.date)):
            self.problem(path, f"expected text, got {_kind(value)}")
            return default
        return str(value)

    def optional_text(self, value: Any, path: str) -> str | None:
        return None if value is None else self.text(value, path) or None

    def flag(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(path, f"expected true or false, got {_kind(value)}")
            return default
        return value

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return ()
        return tuple(self.text(v, f"{path}[{i}]") for i, v in enumerate(value))

    def choice(self, value: Any, path: str, allowed: Sequence[str], default: Any) -> Any:
        if value is None:
            return default
        if value not in allowed:
            self.problem(path, f"expected one of {', '.join(allowed)}, got {value!r}")
            return default
        return value

    def date(self, value: Any, path: str) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(path, f"expected a date as YYYY-MM-DD, got {value!r}")
            return None

    def numbers(self, value: Any, path: str) -> tuple[float, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            self.problem(path, f"expected a list of numbers, got {value!r}")
            return ()
        if any(b <= a for a, b in itertools.pairwise(value)) or len(value) < 2:
            self.problem(path, f"expected at least two increasing numbers, got {value!r}")
            return ()
        return tuple(float(v) for v in value)

    # the definition

    def definition(self, data: Any) -> ReportDefinition:
        top = self.mapping(data, "")
        self.keys(top, "", TOP_KEYS)
        fieldwork = self.mapping(top.get("fieldwork"), "fieldwork")
        self.keys(fieldwork, "fieldwork", ("start", "end"))
        sources = self.mapping(top.get("sources"), "sources")
        self.keys(sources, "sources", ("variable", "labels"))
        labels = self.mapping(sources.get("labels"), "sources.labels")
        texts = self.mapping(top.get("texts"), "texts")
        self.keys(texts, "texts", TEXT_KEYS)
        methods = self.mapping(top.get("methods"), "methods")
        self.keys(methods, "methods", ("distributions",))
        alpha = top.get("alpha", 0.05)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
            self.problem("alpha", f"expected a number between 0 and 1, got {alpha!r}")
            alpha = 0.05
        banner = top.get("banner")
        banners = list(self.banners(top.get("banners")))
        if isinstance(banner, list):
            banners.append(BannerSpec("default", self.texts(banner, "banner")))
            banner = "default"
        else:
            banner = self.optional_text(banner, "banner")
        questions = top.get("questions")
        sections = top.get("sections")
        distributions = methods.get("distributions")
        return ReportDefinition(
            title=self.text(top.get("title"), "title"),
            subtitle=self.text(top.get("subtitle"), "subtitle"),
            author=self.text(top.get("author"), "author"),
            client=self.text(top.get("client"), "client"),
            date=self.text(top.get("date"), "date"),
            population=self.text(top.get("population"), "population", "respondenten"),
            language=self.optional_text(top.get("language"), "language"),
            draft=self.flag(top.get("draft"), "draft", True),
            start=self.date(fieldwork.get("start"), "fieldwork.start"),
            end=self.date(fieldwork.get("end"), "fieldwork.end"),
            source_variable=self.optional_text(sources.get("variable"), "sources.variable"),
            source_labels=tuple(
                (str(k), self.text(v, f"sources.labels.{k}")) for k, v in labels.items()
            ),
            weight=self.optional_text(top.get("weight"), "weight"),
            alpha=float(alpha),
            filter=self.optional_text(top.get("filter"), "filter"),
            banner=banner,
            banners=tuple(banners),
            texts=tuple((str(k), self.text(v, f"texts.{k}")) for k, v in texts.items()),
            sections=None if sections is None else self.sections(sections),
            distributions=None if distributions is None else self.distributions(distributions),
            appendix=self.flag(top.get("appendix"), "appendix", False),
            questions=None if questions is None else self.texts(questions, "questions"),
            findings=self.finding_edits(top.get("findings")),
        )

    def finding_edits(self, value: Any) -> tuple[FindingEdit, ...]:
        """``findings: {"wens|wenselijk": {text: ..., numbers: [74]}}``; a bare text is a
        text without numbers."""
        result = []
        for key, raw in self.mapping(value, "findings").items():
            path = f"findings.{key}"
            if isinstance(raw, str):
                raw = {"text": raw}
            data = self.mapping(raw, path)
            self.keys(data, path, ("text", "numbers"))
            text = self.text(data.get("text"), f"{path}.text")
            if not text.strip():
                self.problem(path, "an edited finding needs a text")
            numbers = None
            given = data.get("numbers")
            if given is not None:
                if not isinstance(given, list) or not all(
                        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100
                        for n in given):
                    self.problem(f"{path}.numbers", "expected a list of whole percentages "
                                 f"(0 to 100), got {given!r}")
                else:
                    numbers = tuple(given)
            result.append(FindingEdit(str(key), text.strip(), numbers, path))
        return tuple(result)

    def banners(self, value: Any) -> list[BannerSpec]:
        result = []
        for name, spec in self.mapping(value, "banners").items():
            path = f"banners.{name}"
            if isinstance(spec, list):
                spec = {"columns": spec}
            data = self.mapping(spec, path)
            self.keys(data, path, ("title", "columns", "total", "who", "filter"))
            # No columns is a banner of the total column only (with its filter).
            columns = self.texts(data.get("columns"), f"{path}.columns")
            who = self.mapping(data.get("who"), f"{path}.who")
            result.append(
                BannerSpec(
                    name=str(name),
                    columns=columns,
                    title=self.text(data.get("title"), f"{path}.title"),
                    total=self.text(data.get("total"), f"{path}.total", "Totaal"),
                    who=tuple((str(k), self.text(v, f"{path}.who.{k}")) for k, v in who.items()),
                    filter=self.optional_text(data.get("filter"), f"{path}.filter"),
                )
            )
        return result

    def sections(self, value: Any) -> tuple[SectionSpec, ...]:
        if not isinstance(value, list):
            self.problem("sections", f"expected a list of sections, got {_kind(value)}")
            return ()
        result = []
        for i, raw in enumerate(value):
            path = f"sections[{i}]"
            data = self.mapping(raw, path)
            self.keys(data, path, ("title", "headline", "text", "items"))
            title = self.text(data.get("title"), f"{path}.title")
            if not title:
                self.problem(path, "a section needs a title")
            items = data.get("items") or []
            if not isinstance(items, list):
                self.problem(f"{path}.items", f"expected a list of items, got {_kind(items)}")
                items = []
            result.append(
                SectionSpec(
                    title=title,
                    items=tuple(self.item(v, f"{path}.items[{j}]") for j, v in enumerate(items)),
                    headline=self.text(data.get("headline"), f"{path}.headline"),
                    text=self.text(data.get("text"), f"{path}.text"),
                    path=path,
                )
            )
        return tuple(result)

    def item(self, value: Any, path: str) -> ItemSpec:
        data = self.mapping(value, path)
        self.keys(data, path, ITEM_KEYS)
        kinds = [k for k in ITEM_KINDS if k in data]
        if len(kinds) != 1:
            got = ", ".join(kinds) or "none"
            self.problem(
                path, f"an item needs exactly one of question, statements, quotes, text (got {got})"
            )
            return ItemSpec("text", path=path)
        kind = kinds[0]
        text = ""
        if kind == "text":
            questions: tuple[str, ...] = ()
            text = self.text(data["text"], f"{path}.text")
        elif kind == "statements":
            questions = self.texts(data["statements"], f"{path}.statements")
        else:
            questions = (self.text(data[kind], f"{path}.{kind}"),)
        return ItemSpec(
            kind=kind,
            questions=questions,
            text=text,
            title=self.text(data.get("title"), f"{path}.title"),
            banner=self.optional_text(data.get("banner"), f"{path}.banner"),
            filter=self.optional_text(data.get("filter"), f"{path}.filter"),
            subgroup=self.text(data.get("subgroup"), f"{path}.subgroup"),
            nets=self.nets(data.get("nets"), f"{path}.nets"),
            net_score=self.net_score(data.get("net_score"), f"{path}.net_score"),
            categories=self.flag(data.get("categories"), f"{path}.categories", True),
            dont_know=self.choice(
                data.get("dont_know"), f"{path}.dont_know", ("include", "exclude"), "include"
            ),
            chart=self.choice(data.get("chart"), f"{path}.chart", CHART_KINDS, None),
            table=self.flag(data.get("table"), f"{path}.table", True),
            bands=self.numbers(data.get("bands"), f"{path}.bands"),
            phrase=self.text(data.get("phrase"), f"{path}.phrase"),
            subject=self.text(data.get("subject"), f"{path}.subject"),
            headline=self.text(data.get("headline"), f"{path}.headline"),
            agree=self.texts(data.get("agree"), f"{path}.agree"),
            themes=self.themes(data.get("themes"), f"{path}.themes"),
            per_theme=self.per_theme(data.get("per_theme", 3), f"{path}.per_theme"),
            intro=self.text(data.get("intro"), f"{path}.intro"),
            path=path,
        )

    def nets(self, value: Any, path: str) -> tuple[NetSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(path, f"expected a list of nets, got {_kind(value)}")
            return ()
        result = []
        for i, raw in enumerate(value):
            data = self.mapping(raw, f"{path}[{i}]")
            self.keys(data, f"{path}[{i}]", ("label", "categories"))
            label = self.text(data.get("label"), f"{path}[{i}].label")
            categories = self.texts(data.get("categories"), f"{path}[{i}].categories")
            if not label or not categories:
                self.problem(f"{path}[{i}]", "a net needs a label and categories")
            result.append(NetSpec(label, categories))
        return tuple(result)

    def net_score(self, value: Any, path: str) -> NetScoreSpec | None:
        if value is None:
            return None
        data = self.mapping(value, path)
        self.keys(data, path, ("label", "positive", "negative"))
        positive = self.texts(data.get("positive"), f"{path}.positive")
        negative = self.texts(data.get("negative"), f"{path}.negative")
        if not positive or not negative:
            self.problem(path, "a net score needs positive and negative categories")
        return NetScoreSpec(
            self.text(data.get("label"), f"{path}.label", "Per saldo"), positive, negative
        )

    def per_theme(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            self.problem(path, f"expected a whole number from 1 to 5, got {value!r}")
            return 3
        return value

    def themes(self, value: Any, path: str) -> tuple[ThemeSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(path, f"expected a list of themes, got {_kind(value)}")
            return ()
        result = []
        for i, raw in enumerate(value):
            data = self.mapping(raw, f"{path}[{i}]")
            self.keys(data, f"{path}[{i}]", ("theme", "quotes"))
            result.append(
                ThemeSpec(
                    self.text(data.get("theme"), f"{path}[{i}].theme"),
                    self.texts(data.get("quotes"), f"{path}[{i}].quotes"),
                )
            )
        return tuple(result)

    def distributions(self, value: Any) -> tuple[DistributionSpec, ...]:
        path = "methods.distributions"
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return ()
        result = []
        for i, raw in enumerate(value):
            here = f"{path}[{i}]"
            data = {"variable": raw} if isinstance(raw, str) else self.mapping(raw, here)
            self.keys(data, here, ("variable", "title", "banner", "filter"))
            result.append(
                DistributionSpec(
                    variable=self.text(data.get("variable"), f"{here}.variable"),
                    title=self.text(data.get("title"), f"{here}.title"),
                    banner=self.optional_text(data.get("banner"), f"{here}.banner"),
                    filter=self.optional_text(data.get("filter"), f"{here}.filter"),
                    path=here,
                )
            )
        return tuple(result)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    return f"{value!r}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# The checks live in their own module; import them from here too.
from peiling.reports.definition_check import check_definition, default_sections  # noqa: E402
