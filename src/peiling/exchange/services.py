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

import contextlib
import datetime as dt
import difflib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from peiling.analysis.dataset import DataProblem, Dataset, DatasetError, variables_from_form
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
from peiling.fieldwork.models import Fieldwork, Response, ResponseReview
from peiling.forms.model import Form
from peiling.openanswers.selectors import masked_texts, text_questions, with_codes

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
    include_excluded: bool = False,
) -> FieldworkExport:
    """Write the responses of the fieldwork ``reference`` (slug or id) to ``path``.

    Open answers with possible personal data are masked until released (names only once
    scanned: a job or command calls ``openanswers.services.personal_data_scan`` first; a
    page does not wait for deduce). Completed responses only, unless ``include_partial``
    (then started and screened-out ones too; the paradata's status tells them apart); never
    those the quality review excluded, unless ``include_excluded`` (then with their flag,
    ``_excluded``).

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
        language=language, include_excluded=include_excluded,
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
    include_excluded: bool = False,
    only: Sequence[int] | None = None,
    codes: bool = True,
    masked: bool = True,
) -> ExportData:
    """Return the responses of ``fieldwork`` as an ``ExportData``, in order of starting:
    without the responses the quality review excluded, unless ``include_excluded`` (then
    with the paradata column ``_excluded``); with ``only``, just the responses of those ids
    (a piece of a streamed download, ``fieldwork_export_pieces``); with ``codes``, the codes
    of coded open questions as variables ``<question>_codes``
    (``openanswers.selectors.with_codes``); with ``masked``, the open answers with possible
    personal data masked ("[naam]") until a person released them
    (``openanswers.selectors.masked_texts``).

    Raises ``DataDoesNotFit`` for responses to another questionnaire version and for stored
    answers the version's Form does not have (unknown names, choices not in a list).
    """
    version = fieldwork.form_version
    form = version.form
    if only is not None:  # chosen (and checked) by fieldwork_export_pieces
        responses = Response.objects.filter(fieldwork=fieldwork, pk__in=list(only))
        other = 0
    else:
        responses = Response.objects.filter(fieldwork=fieldwork)
        if not include_partial:
            responses = responses.filter(status=Response.Status.COMPLETED)
        if not include_excluded:
            responses = responses.exclude(review__decision=ResponseReview.Decision.EXCLUDE)
        other = responses.exclude(form_version=version).count()
    if other:
        raise DataDoesNotFit(
            f"fieldwork {fieldwork.slug!r}: {other} responses answer another questionnaire "
            f"version than {version}; export each version on its own"
        )
    variables = variables_from_form(form)
    questions = [question for question in form.questions() if question.name in variables]
    with _snapshot():
        read, pks = selectors.answer_columns(
            responses=responses.order_by("started_at", "pk"), questions=questions)
        times = paradata or bool(form.metadata)
        meta = _paradata_rows(responses, pks) if times else []
        excluded = (set(ResponseReview.objects.filter(
            fieldwork=fieldwork, decision=ResponseReview.Decision.EXCLUDE)
            .values_list("response_id", flat=True)) if include_excluded and paradata else None)
    columns, distinct = read.columns, read.distinct
    if masked:
        columns = _masked(fieldwork, form, columns, pks)
        distinct = distinct and columns is read.columns
    try:
        dataset = Dataset.from_encoded(form, columns, n=read.n,
                                       unknown_keys=read.unknown_keys, language=language,
                                       distinct=distinct)  # fmt: skip
    except DatasetError as error:
        raise DataDoesNotFit(_does_not_fit(fieldwork, error)) from None
    if codes:
        dataset = with_codes(dataset, fieldwork=fieldwork, response_ids=pks)
    return ExportData(
        dataset=dataset,
        form=form,
        language=form.language(language),
        paradata=_paradata(meta, pks, excluded) if times else None,
        paradata_columns=paradata,
        response_ids=tuple(pks),
        title=fieldwork.name,
        origin=f"fieldwork {fieldwork.slug} ({read.n} responses"
        f"{', partial included' if include_partial else ', completed'})",
    )


def _masked(fieldwork: Fieldwork, form: Form, columns: dict[str, Any],
            pks: Sequence[int]) -> dict[str, Any]:
    """The encoded ``columns`` with the open answers masked where they may hold personal
    data (the same dict when nothing is masked)."""
    texts: dict[str, dict[int, str]] = {}
    for question in text_questions(form):
        if question.name in columns:
            codes, values = columns[question.name]
            texts[question.name] = {
                pk: values[code] for pk, code in zip(pks, codes.tolist(), strict=True)
                if code >= 0 and isinstance(values[code], str)}
    if not any(texts.values()):
        return columns
    changed = dict(columns)
    for name, shown in masked_texts(fieldwork=fieldwork, texts=texts).items():
        if shown == texts[name]:
            continue
        codes, values = columns[name]
        # Encoded again from the answers as shown, so that no masked answer stays behind.
        shown_rows = [shown.get(pk, values[code]) if code >= 0 else None
                      for pk, code in zip(pks, codes.tolist(), strict=True)]
        position: dict[Any, int] = {}
        new_codes = np.fromiter((position.setdefault(v, len(position)) for v in shown_rows),
                                dtype=codes.dtype, count=len(shown_rows))
        changed[name] = (new_codes, tuple(position))
    return changed


#: Responses per piece of a streamed download: memory stays that of one piece.
PIECE_ROWS = 20_000


def fieldwork_export_pieces(
    *, fieldwork: Fieldwork, include_excluded: bool = False, paradata: bool = False,
    language: str | None = None, rows: int | None = None,
) -> tuple[int, Iterator[ExportData]]:
    """Return how many completed responses ``fieldwork`` has (as ``fieldwork_export_data``
    counts them) and an iterator of ``ExportData`` pieces of at most ``rows`` responses, in
    the same order, for writing a file of any size while holding one piece at a time.
    Responses that complete while the pieces are read are not in them."""
    responses = Response.objects.filter(fieldwork=fieldwork, status=Response.Status.COMPLETED)
    if not include_excluded:
        responses = responses.exclude(review__decision=ResponseReview.Decision.EXCLUDE)
    ids = list(responses.order_by("started_at", "pk").values_list("pk", flat=True))
    other = responses.exclude(form_version=fieldwork.form_version_id).count()
    if other:
        raise DataDoesNotFit(
            f"fieldwork {fieldwork.slug!r}: {other} responses answer another questionnaire "
            f"version than {fieldwork.form_version}; export each version on its own")
    rows = rows or PIECE_ROWS

    def pieces() -> Iterator[ExportData]:
        if not ids:  # the header still comes from the form
            yield fieldwork_export_data(fieldwork=fieldwork, paradata=paradata,
                                        language=language, only=[])
        for start in range(0, len(ids), rows):
            yield fieldwork_export_data(fieldwork=fieldwork, paradata=paradata,
                                        language=language, include_excluded=include_excluded,
                                        only=ids[start:start + rows])

    return len(ids), pieces()


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """Run the reads of one export in one transaction that sees a single snapshot, so that
    responses submitted meanwhile change none of its queries (PostgreSQL: REPEATABLE READ;
    SQLite's read transaction is one snapshot already)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _paradata_rows(responses: QuerySet[Response], pks: list[int]) -> list[tuple[Any, ...]]:
    fields = ("pk", "source", "status", "started_at", "completed_at", "device_class", "language")
    rows = responses.order_by("started_at", "pk").values_list(*fields)
    meta = list(rows.iterator(chunk_size=CHUNK_SIZE))
    if [row[0] for row in meta] != pks:
        raise RuntimeError("responses changed while they were read; try again")
    return [row[1:] for row in meta]


def _paradata(meta: list[tuple[Any, ...]], pks: list[int],
              excluded: set[int] | None = None) -> Paradata:
    columns = list(zip(*meta, strict=True)) if meta else [()] * 6
    source, status, started, completed, device, language = columns
    return Paradata(
        excluded=tuple(pk in excluded for pk in pks) if excluded is not None else (),
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
