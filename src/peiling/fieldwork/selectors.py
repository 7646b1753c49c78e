"""Queries on fieldwork: links, windows, responses and the page flow of a version."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Field, OuterRef, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from numpy.typing import NDArray

from peiling.background import InBackground
from peiling.fieldwork.encoding import AnswerEncoder, ArrowEncoder, EncodedAnswers, NotColumnar
from peiling.fieldwork.errors import LinkUnknown
from peiling.fieldwork.flow import Flow
from peiling.fieldwork.models import Fieldwork, Invitation, OpenLink, Quota, QuotaHit, Response
from peiling.fieldwork.quotas import DEFAULT_TEXT, QuotaRule
from peiling.fieldwork.tokens import token_hash, well_formed
from peiling.forms.model import Form, Question, language_code, text_in
from peiling.questionnaires.models import FormVersion
from peiling.subqueries import count_of

Window = Literal["before", "open", "after"]


#: FormVersion columns a respondent request does not need: the flow is cached per version.
HEAVY_VERSION_FIELDS = ("definition", "source")


def flow_for(*, form_version: FormVersion) -> Flow:
    """Return the page flow of a questionnaire version: built once per process and version
    (versions are immutable, so the cache never goes stale; the definition is read only on a
    miss, so callers may defer it)."""
    return _flow(form_version.pk, form_version.content_hash)


@functools.lru_cache(maxsize=32)
def _flow(pk: int, content_hash: str) -> Flow:
    definition = FormVersion.objects.values_list("definition", flat=True).get(
        pk=pk, content_hash=content_hash)
    return Flow(Form.from_dict(definition))


def _light(prefix: str) -> list[str]:
    return [f"{prefix}{name}" for name in HEAVY_VERSION_FIELDS]


def fieldwork_get(*, reference: str) -> Fieldwork:
    """Return the fieldwork with this slug or id; raise ``Fieldwork.DoesNotExist``."""
    queryset = Fieldwork.objects.select_related("form_version__questionnaire")
    if reference.isdigit():
        found = queryset.filter(pk=int(reference)).first()
        if found is not None:
            return found
    return queryset.get(slug=reference)


def fieldwork_window(*, fieldwork: Fieldwork, now: dt.datetime) -> Window:
    """Return whether ``now`` is before, inside or after the fieldwork's window."""
    if now < fieldwork.opens_at:
        return "before"
    if now >= fieldwork.closes_at:
        return "after"
    return "open"


def invitation_for_token(*, token: str) -> Invitation:
    """Return the invitation of a personal token; raise LinkUnknown when there is none."""
    if not well_formed(token):
        raise LinkUnknown("malformed token")
    with connection.cursor() as cursor:
        cursor.execute(_invitation_sql(), [token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        raise LinkUnknown("no invitation has this token")
    return _invitation_from_row(row)


# The token lookup runs on every respondent request: ``Invitation.objects.select_related(
# "fieldwork__form_version", "response").defer(...)``, with the SQL written once per process
# from the models' metadata. Building that query took the ORM 0.6 ms of the 0.9 ms the
# lookup costs, per request (docs/benchmarks.md, issue 17). The instances come from the ORM's
# own ``Model.from_db``, without the columns no respondent page reads (deferred: reading one
# costs a query, as with ``.defer()``).
_JOINED = (  # model, alias, join condition, columns left out
    (Invitation, "i", "", ("token_hash", "created_at")),
    (Fieldwork, "f", "f.id = i.fieldwork_id", ("created_at", "created_by")),
    (FormVersion, "v", "v.id = f.form_version_id",
     (*HEAVY_VERSION_FIELDS, "source_name", "created_at", "created_by")),
    (Response, "r", "r.id = i.response_id", ("profile",)),
)
#: What the token lookup leaves out of each instance, by model.
LOOKUP_DEFERRED = {model: set(left_out) for model, _alias, _on, left_out in _JOINED}


@functools.cache
def _joined_fields() -> list[list[Field]]:
    return [[field for field in model._meta.concrete_fields if field.name not in left_out]
            for model, _alias, _on, left_out in _JOINED]


@functools.cache
def _row_loaders() -> list[tuple[type, list[str], slice, list[tuple[int, list]]]]:
    """Per joined model: its class, the attribute names, its slice of the row and, for the
    columns that need them, what the ORM applies to the database's values (e.g. text to
    datetime on SQLite, JSON text to Python)."""
    loaders, start = [], 0
    for (model, alias, _on, _out), fields in zip(_JOINED, _joined_fields(), strict=True):
        converting = []
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            converters = [(converter, column) for converter in
                          connection.ops.get_db_converters(column)
                          + column.get_db_converters(connection)]
            if converters:
                converting.append((index, converters))
        loaders.append((model, [field.attname for field in fields],
                        slice(start, start + len(fields)), converting))
        start += len(fields)
    return loaders


@functools.cache
def _invitation_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(field.column)}"
                        for (_model, alias, _on, _out), fields in zip(_JOINED, _joined_fields(),
                                                                      strict=True)
                        for field in fields)
    tables = [f"{quote(model._meta.db_table)} {alias}" for model, alias, _on, _out in _JOINED]
    joins = "".join(f" {'LEFT ' if model is Response else ''}JOIN {table} ON {on}"
                    for (model, _alias, on, _out), table in zip(_JOINED[1:], tables[1:],
                                                                 strict=True))
    return (f"SELECT {columns} FROM {tables[0]}{joins} "  # noqa: S608  (names from the models)
            f"WHERE i.{quote('token_hash')} = %s")


def _invitation_from_row(row: tuple) -> Invitation:
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the wrapper up on each use
    instances = []
    for model, attnames, part, converting in _row_loaders():
        values = list(row[part])
        if values[0] is None:  # no response yet (the LEFT JOIN)
            instances.append(None)
            continue
        for index, converters in converting:
            for converter, column in converters:
                values[index] = converter(values[index], column, db)
        instances.append(model.from_db(db.alias, attnames, values))
    invitation, fieldwork, version, response = instances
    _relate(fieldwork, "form_version", version)
    _relate(invitation, "fieldwork", fieldwork)
    _relate(invitation, "response", response)
    return invitation


def _relate(instance, name: str, related) -> None:
    """Cache ``related`` as ``instance.<name>`` (and a one-to-one's reverse), as
    ``select_related`` does; the foreign key's id came with the row."""
    field = instance._meta.get_field(name)
    field.set_cached_value(instance, related)
    if related is not None and field.one_to_one:
        field.remote_field.set_cached_value(related, instance)


def open_link_for_key(*, key: str) -> OpenLink:
    """Return the active open link with this key; raise LinkUnknown otherwise."""
    try:
        return (OpenLink.objects.select_related("fieldwork__form_version")
                .defer(*_light("fieldwork__form_version__"))
                .get(key=key[:32], is_active=True))
    except OpenLink.DoesNotExist:
        raise LinkUnknown("no active open link has this key") from None


def response_for_key(*, fieldwork: Fieldwork, respondent_key: str) -> Response | None:
    try:
        return Response.objects.get(fieldwork=fieldwork, respondent_key=respondent_key)
    except Response.DoesNotExist:
        return None


def response_counts(*, fieldwork: Fieldwork) -> dict[tuple[str, str], int]:
    """Return how many responses there are per (source, status)."""
    rows = Response.objects.filter(fieldwork=fieldwork).values_list("source", "status")
    return dict(Counter(rows))


# -- quotas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaCount:
    """A quota and the completes counted in it so far."""

    quota_id: int
    name: str
    target: int
    is_active: bool
    completes: int
    condition: str = ""

    @property
    def full(self) -> bool:
        return self.completes >= self.target

    @property
    def percentage(self) -> float:
        """Completes as a percentage of the target (over 100 when overshot)."""
        return 100.0 * self.completes / self.target


def quota_counts(*, fieldwork: Fieldwork) -> list[QuotaCount]:
    """Return every quota of the fieldwork with its completes, in the order made; one query.

    A completed response counts in the quotas whose ``QuotaHit`` rows it got when it
    completed (``screening``), so this is a count per quota, never an evaluation of answers.
    """
    rows = (Quota.objects.filter(fieldwork=fieldwork).order_by("pk")
            .annotate(completes=Count("hits", filter=Q(hits__counted=True)))
            .values_list("pk", "name", "target", "is_active", "completes", "condition"))
    return [QuotaCount(*row) for row in rows]


def quota_completes(*, quota_ids: Collection[int]) -> dict[int, int]:
    """Return the completes counted in each of these quotas (0 for none); one query."""
    rows = (QuotaHit.objects.filter(quota_id__in=quota_ids, counted=True)
            .values("quota_id").annotate(n=Count("pk")).values_list("quota_id", "n"))
    return {**dict.fromkeys(quota_ids, 0), **dict(rows)}


def quota_rules(*, fieldwork: Fieldwork) -> tuple[QuotaRule, ...]:
    """Return the fieldwork's quotas as screening reads them; one query."""
    rows = (Quota.objects.filter(fieldwork=fieldwork).order_by("pk")
            .values_list("pk", "condition", "target", "is_active"))
    return tuple(QuotaRule(*row) for row in rows)


def quota_full_text(*, response: Response, language: str) -> str:
    """Return the text for a respondent turned away by a full quota: the text of the (first)
    quota that did it in ``language``, else the standard text."""
    texts = (Quota.objects.filter(hits__response=response).order_by("pk")
             .values_list("text", flat=True).first())
    return text_in(texts or {}, language) or text_in(DEFAULT_TEXT, language, "nl")


def respondent_languages(*, form: Form) -> list[tuple[str, str]]:
    """Return the (code, name) pairs a respondent can switch between: the form's languages
    that the site is translated into, the form's default first."""
    return list(_respondent_languages(form.default_language, tuple(form.languages),
                                      tuple(settings.LANGUAGES)))


@functools.lru_cache(maxsize=64)
def _respondent_languages(default: str, languages: tuple[str, ...],
                          site_languages: tuple[tuple[str, str], ...],
                          ) -> tuple[tuple[str, str], ...]:
    site = dict(site_languages)
    codes = []
    for language in (default, *languages):
        code = language_code(language)
        if code in site and code not in codes:
            codes.append(code)
    if not codes:
        codes.append(settings.LANGUAGE_CODE)
    return tuple((code, site.get(code, code)) for code in codes)


def invitation_url(*, token: str) -> str:
    """Return the full address of a personal link."""
    return settings.PEILING_BASE_URL + reverse("fieldwork:invitation", args=[token])


def open_link_url(*, open_link: OpenLink) -> str:
    """Return the full address of an open link."""
    return settings.PEILING_BASE_URL + reverse("fieldwork:open_link", args=[open_link.key])


# -- answers column by column ---------------------------------------------------------------

#: Responses fetched from the database at a time.
FETCH_ROWS = 5_000


def answer_columns(*, responses: QuerySet[Response], questions: Sequence[Question],
                   ) -> tuple[EncodedAnswers, list[int]]:
    """Return the answers of ``responses`` (in their order) dict-encoded per question, and
    the responses' ids; ``questions`` are the ones to keep (see ``fieldwork.encoding``).

    Read with ``ArrowEncoder``; when the stored answers do not fit its column types, read
    again with ``AnswerEncoder``, which reports each answer that does not fit. Call it inside
    a transaction that sees one snapshot when responses may change meanwhile.
    """
    # The documents come in the table's order, so that PostgreSQL streams them at once
    # instead of sorting 100,000 wide rows first; the ids in the order asked for come from a
    # narrow query, and the codes are put in that order afterwards.
    order = list(responses.values_list("pk", flat=True))
    try:
        return _read_encoded(responses, ArrowEncoder(questions), order)
    except NotColumnar:
        return _read_encoded(responses, AnswerEncoder(questions), order)


def _read_encoded(responses: QuerySet[Response], encoder: ArrowEncoder | AnswerEncoder,
                  order: list[int]) -> tuple[EncodedAnswers, list[int]]:
    table, answers = Response._meta.db_table, Response._meta.get_field("answers").column
    column = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(answers)}"
    if connection.vendor == "postgresql":
        column += "::text"
    # The stored JSON as text, past JSONField's decoding: the encoder decodes it.
    text = RawSQL(column, [], output_field=TextField())  # noqa: S611  (names from the model)
    rows = (responses.order_by().annotate(peiling_answers=text)
            .values_list("pk", "peiling_answers").iterator(chunk_size=FETCH_ROWS))
    pks: list[int] = []
    # Parsing one batch (pyarrow, off the GIL) overlaps with the database sending the next.
    with InBackground(encoder.feed) as decoding:
        while chunk := list(itertools.islice(rows, FETCH_ROWS)):
            chunk_pks, documents = zip(*chunk, strict=True)
            pks.extend(chunk_pks)
            decoding.put(documents)
    encoded = encoder.result()
    if pks == order:
        return encoded, order
    position = _positions(pks, order)
    columns = {name: (codes[position], values) for name, (codes, values) in encoded.columns.items()}
    return replace(encoded, columns=columns), order


def _positions(read: list[int], order: list[int]) -> NDArray[np.intp]:
    """Return where each id of ``order`` is in ``read``; raise when they are not the same ids
    (responses that changed between the two queries of a read outside a snapshot)."""
    read_ids, wanted = np.asarray(read, dtype=np.int64), np.asarray(order, dtype=np.int64)
    by_id = np.argsort(read_ids)
    found = np.searchsorted(read_ids, wanted, sorter=by_id)
    position = by_id[np.minimum(found, max(len(read) - 1, 0))]
    if len(read) != len(order) or (len(read) and not np.array_equal(read_ids[position], wanted)):
        raise RuntimeError("responses changed while their answers were read; try again")
    return position


# -- researcher overviews -------------------------------------------------------------------


def fieldworks_overview(*, fieldworks: QuerySet[Fieldwork]) -> QuerySet[Fieldwork]:
    """Annotate each fieldwork with ``started`` and ``completes`` (one query), newest first;
    both are counted per fieldwork on the responses' ``(fieldwork, status)`` index."""
    responses = Response.objects.filter(fieldwork=OuterRef("pk"))
    return (fieldworks.select_related("form_version")
            .defer("form_version__definition", "form_version__source")
            .annotate(started=count_of(responses),
                      completes=count_of(responses.filter(status=Response.Status.COMPLETED)))
            .order_by("-opens_at", "name"))
