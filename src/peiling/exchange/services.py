"""Export a fieldwork's responses: the Django side of ``peiling.exchange``.

Reads the responses of one fieldwork (answers and, on request, paradata) into an
``ExportData`` and hands it to a writer. It reads nothing else: no profile snapshot, no
invitation, nothing of ``panel`` — contact data never reaches an export. The other modules of
``peiling.exchange`` are pure; this one imports Django and fieldwork's models read-only.

Errors (all ``ExportError``)::

    FieldworkNotFound    no fieldwork with that slug (or id)
    DataDoesNotFit       stored answers that do not fit the fieldwork's questionnaire version
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from peiling.analysis.dataset import DataProblem, Dataset, DatasetError
from peiling.exchange.writers import (
    ExportData,
    ExportError,
    Paradata,
    WriteOptions,
    WriteReport,
    check_output,
    get_writer,
)
from peiling.fieldwork import selectors
from peiling.fieldwork.answers import answers_from_json
from peiling.fieldwork.models import Fieldwork, Response

__all__ = [
    "DataDoesNotFit",
    "FieldworkExport",
    "FieldworkNotFound",
    "fieldwork_export",
    "fieldwork_export_data",
    "fieldwork_find",
]

#: Responses fetched from the database at a time.
CHUNK_SIZE = 2_000


class FieldworkNotFound(ExportError):
    """No fieldwork has the slug (or id) asked for."""


class DataDoesNotFit(ExportError):
    """Stored answers that do not fit the fieldwork's questionnaire version."""


@dataclass(frozen=True)
class FieldworkExport:
    """An export made: the writer's report and the problems found in the stored answers."""

    report: WriteReport
    problems: tuple[DataProblem, ...]


def fieldwork_export(
    *,
    reference: str,
    format: str,
    path: str | os.PathLike[str],
    options: WriteOptions | None = None,
    include_partial: bool = False,
    paradata: bool = False,
    language: str | None = None,
) -> FieldworkExport:
    """Write the responses of the fieldwork ``reference`` (slug or id) to ``path``.

    Completed responses only, unless ``include_partial`` (then started and screened-out ones
    too; the paradata's status tells them apart).

    Raises
    ------
    FieldworkNotFound, DataDoesNotFit, and the writer's ``ExportError``s.
    """
    writer = get_writer(format)
    writer.check(options or WriteOptions())
    check_output(Path(path))
    fieldwork = fieldwork_find(reference=reference)
    data = fieldwork_export_data(
        fieldwork=fieldwork, include_partial=include_partial, paradata=paradata,
        language=language,
    )  # fmt: skip
    report = writer.write(data, path, options)
    return FieldworkExport(report, data.dataset.problems)


def fieldwork_find(*, reference: str) -> Fieldwork:
    """Return the fieldwork with this slug or id; raise ``FieldworkNotFound`` naming close ones."""
    try:
        return selectors.fieldwork_get(reference=reference)
    except Fieldwork.DoesNotExist:
        slugs = list(Fieldwork.objects.values_list("slug", flat=True))
        close = difflib.get_close_matches(reference, slugs, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        count = len(slugs)
        known = f" (there {'is' if count == 1 else 'are'} {count or 'none yet'})"
        raise FieldworkNotFound(f"no fieldwork {reference!r}{known}{hint}") from None


def fieldwork_export_data(
    *,
    fieldwork: Fieldwork,
    include_partial: bool = False,
    paradata: bool = False,
    language: str | None = None,
) -> ExportData:
    """Return the responses of ``fieldwork`` as an ``ExportData``, in order of starting.

    Raises ``DataDoesNotFit`` for responses to another questionnaire version and for stored
    answers the version's Form does not have (unknown names, choices not in a list).
    """
    version = fieldwork.form_version
    form = version.form
    responses = Response.objects.filter(fieldwork=fieldwork)
    if not include_partial:
        responses = responses.filter(status=Response.Status.COMPLETED)
    other = responses.exclude(form_version=version).count()
    if other:
        raise DataDoesNotFit(
            f"fieldwork {fieldwork.slug!r}: {other} responses answer another questionnaire "
            f"version than {version}; export each version on its own"
        )
    fields = ("answers", "source", "status", "started_at", "completed_at", "device_class",
              "language")  # fmt: skip
    rows = responses.order_by("started_at", "pk").values_list(*fields)
    names = {question.name for question in form.questions()}
    records: list[dict[str, Any]] = []
    meta: list[tuple[Any, ...]] = []
    for answers, *rest in rows.iterator(chunk_size=CHUNK_SIZE):
        record: dict[str, Any] = dict(answers_from_json(form, answers))
        # Keys the form does not have stay in, so that Dataset.from_records reports them.
        record.update({key: value for key, value in answers.items() if key not in names})
        records.append(record)
        meta.append(tuple(rest))
    try:
        dataset = Dataset.from_records(form, records, language=language)
    except DatasetError as error:
        raise DataDoesNotFit(_does_not_fit(fieldwork, error)) from None
    return ExportData(
        dataset=dataset,
        form=form,
        language=form.language(language),
        paradata=_paradata(meta) if paradata else None,
        title=fieldwork.name,
        origin=f"fieldwork {fieldwork.slug} ({len(records)} responses"
        f"{', partial included' if include_partial else ', completed'})",
    )


def _paradata(meta: list[tuple[Any, ...]]) -> Paradata:
    columns = list(zip(*meta, strict=True)) if meta else [()] * 6
    source, status, started, completed, device, language = columns
    return Paradata(
        source=tuple(source),
        status=tuple(status),
        started_at=tuple(map(_local, started)),
        completed_at=tuple(map(_local, completed)),
        device_class=tuple(device),
        language=tuple(language),
    )


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Return ``moment`` as a naive local time of the installation, to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _does_not_fit(fieldwork: Fieldwork, error: DatasetError) -> str:
    problems = [str(problem) for problem in error.problems] or [str(error)]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"fieldwork {fieldwork.slug!r}: stored answers do not fit questionnaire version "
        f"{fieldwork.form_version}: {problems[0]}{more}"
    )
