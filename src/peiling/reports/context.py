"""What building a report shares between its parts: the data, the definition, the prepared
banners (each made once), the numbering of tables and figures, and the problems found. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from peiling.analysis import Banner, Dataset, make_banner
from peiling.forms.model import Form, text_in
from peiling.reports.definition import BannerSpec, ReportDefinition
from peiling.reports.text import pipe_values, question_text, quoted

__all__ = ["BuildContext", "Numbering"]


@dataclass
class Numbering:
    """Counters for "Tabel 3.1" and "Figuur 3.1", per chapter."""

    chapter: str
    tables: int = 0
    figures: int = 0

    def table(self) -> str:
        self.tables += 1
        return f"{self.chapter}.{self.tables}"

    def figure(self) -> str:
        self.figures += 1
        return f"{self.chapter}.{self.figures}"


@dataclass
class BuildContext:
    """What every item needs: data, definition, prepared banners, collected problems."""

    form: Form
    dataset: Dataset
    definition: ReportDefinition
    banners: dict[str | None, tuple[Banner, BannerSpec | None]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def banner(self, name: str | None) -> tuple[Banner, BannerSpec | None]:
        """Return the prepared banner called ``name`` (the default banner for ``None``)."""
        key = name if name is not None else self.definition.banner
        if key not in self.banners:
            spec = self.definition.banner_named(key)
            if spec is not None and not spec.title:
                spec = replace(spec, title=self._banner_title(spec))
            columns = spec.columns if spec is not None else ()
            total = spec.total if spec is not None else "Totaal"
            self.banners[key] = (make_banner(self.dataset, columns, total_label=total), spec)
        return self.banners[key]

    def _banner_title(self, spec: BannerSpec) -> str:
        """Return "type organisatie"-like words for a banner without a title, or ""."""
        variables = [c for c in spec.columns if c in self.dataset.variables]
        if len(variables) != 1 or len(spec.columns) != 1:
            return ""
        label = self.label(variables[0])
        return quoted(label) if len(label) <= 60 else variables[0]

    def filter(self, *parts: str | None) -> str | None:
        """Return the conjunction of the global filter and ``parts`` (``None`` for none)."""
        texts = [p for p in (self.definition.filter, *parts) if p]
        if not texts:
            return None
        return texts[0] if len(texts) == 1 else " and ".join(f"({t})" for t in texts)

    def subject(self, name: str) -> str:
        """Return what question ``name`` is about in a few words (``peiling::subject``), or ""."""
        try:
            question = self.form.question(name)
        except KeyError:
            return ""
        language = self.form.language(self.definition.language)
        return text_in(question.subject, language, self.form.default_language)

    def label(self, name: str) -> str:
        return question_text(self.dataset.variable(name).label, pipe_values(self.dataset))


# -- the whole report -------------------------------------------------------------------------
