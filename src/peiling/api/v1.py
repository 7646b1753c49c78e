"""Version 1 of the data API, with django-ninja (its OpenAPI description at ``/api/v1/schema``,
the interactive docs at ``/api/v1/docs``).

Every call carries a personal access token (``Authorization: Bearer pei_...``), made and
revoked in the web app; the token belongs to one organisation and a role, and the API shows
that organisation's studies and fieldworks only, what the role may see
(``accounts.permissions.ROLE_ACTIONS``). Every call is in the audit log; calls per token are
limited (``RATE``). Never contact data: responses carry their random key, never a name or an
address, and not the panel profile snapshot. Errors are RFC 9457 problem details
(``application/problem+json``) with a stable ``code``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from typing import Any, TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from peiling.accounts.models import ApiToken, AuditEvent
from peiling.accounts.permissions import ROLE_ACTIONS, Action, scoped
from peiling.accounts.services import api_token_for, audit_record
from peiling.exchange.services import fieldwork_export_pieces
from peiling.exchange.writers import get_writer
from peiling.fieldwork.models import Fieldwork, Response, ResponseReview
from peiling.forms.xlsform_writer import write_xlsform
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.reports.datasets import DataUnavailable, fieldwork_dataset
from peiling.reports.explorer import ChoiceError, TableChoice, explore
from peiling.reports.models import WeightingTargets

__all__ = ["api"]

M = TypeVar("M", bound=Model)

#: Calls per token (django-ninja's throttle, counted in Django's cache).
RATE = "600/m"
PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
PROBLEM = "application/problem+json"


class TokenAuth(HttpBearer):
    """A personal access token; each authenticated call is written to the audit log."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_for(token)
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        audit_record(user=found.user, action=AuditEvent.Action.API_CALLED, target_type="api",
                     target_id=request.path[:100], organisation=found.organisation,
                     detail=f"token {found.prefix}…", channel="api")
        return found


api = NinjaAPI(
    title="peiling data API", version="1", urls_namespace="api_v1",
    description=(
        "Read-only access to your organisation's studies, questionnaires, fieldworks, "
        "responses and tables. Send a personal access token made in peiling (API-sleutels) "
        "as `Authorization: Bearer pei_...`; it sees its organisation only, with the rights "
        "of its role. Every call is audited; 600 calls a minute per token. Never contact "
        "data. Errors are RFC 9457 problem details (`application/problem+json`) with a "
        "stable `code`. See docs/api.md for Python and R examples."),
    auth=TokenAuth(), throttle=[AuthRateThrottle(RATE)],
    openapi_url="/schema", docs_url="/docs",
)


# -- errors as problem details ----------------------------------------------------------------


def problem(request: HttpRequest, status: int, code: str, title: str, detail: str = "",
            **extra: Any) -> HttpResponse:
    """An RFC 9457 problem: ``type`` names the ``code``, ``title`` is readable."""
    body = {"type": f"urn:peiling:problem:{code}", "title": title, "status": status,
            "code": code, **({"detail": detail} if detail else {}), **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, "unauthorized", "A valid API token is needed",
                       "Send 'Authorization: Bearer <token>' with a token made in the web app "
                       "(Organisatie > API-sleutels); revoked or expired tokens are refused.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    response = problem(request, 429, "rate_limited", "Too many calls",
                       f"A token may make {RATE.replace('/m', ' calls a minute')}.")
    if error.wait is not None:
        response["Retry-After"] = str(int(error.wait) + 1)
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = [{"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
                for e in error.errors]
    detail = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
    return problem(request, 400, "invalid_parameters", "The request's parameters are not "
                   "valid", detail, errors=problems)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(request, 404, "not_found", "Not found", str(error) or "")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found"}
    return problem(request, error.status_code, codes.get(error.status_code, "error"),
                   error.message)


def _scoped(request: HttpRequest, action: Action, queryset: QuerySet[M]) -> QuerySet[M]:
    """What the call's token may ``action`` of ``queryset``: the permission policy's scope
    for the token's maker (``accounts.permissions.scoped``), when the token's own role also
    allows it; else a 403 problem."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if action not in ROLE_ACTIONS.get(token.role, frozenset()):
        raise HttpError(403, f"A token with the role {token.role} may not do this "
                             f"({action}).")
    return scoped(token.user, action, queryset)


# -- studies and questionnaires ---------------------------------------------------------------


class StudyOut(Schema):
    id: int
    title: str
    form_id: str
    versions: list[int]
    fieldworks: list[str]


@api.get("/studies", response=list[StudyOut], summary="The organisation's studies")
def studies(request: HttpRequest) -> list[dict[str, Any]]:
    found = _scoped(request, "study.view", Questionnaire.objects.order_by("pk"))
    versions: dict[int, list[int]] = {}
    fieldworks: dict[int, list[str]] = {}
    for study, number in _scoped(request, "study.view", FormVersion.objects).values_list(
            "questionnaire_id", "number").order_by("number"):
        versions.setdefault(study, []).append(number)
    for study, slug in _scoped(request, "fieldwork.view", Fieldwork.objects).values_list(
            "form_version__questionnaire_id", "slug").order_by("pk"):
        fieldworks.setdefault(study, []).append(slug)
    return [{"id": s.pk, "title": s.title, "form_id": s.form_id,
             "versions": versions.get(s.pk, []), "fieldworks": fieldworks.get(s.pk, [])}
            for s in found]


def _version(request: HttpRequest, study: int, version: int | None) -> FormVersion:
    versions = _scoped(request, "study.view", FormVersion.objects.filter(
        questionnaire_id=study))
    found = (versions.filter(number=version) if version is not None
             else versions.order_by("-number")).first()
    if found is None:
        raise Http404(f"no study {study} (version {version or 'latest'}) in your organisation")
    return found


@api.get("/studies/{study}/questionnaire", summary="A questionnaire version as JSON",
         description="peiling's Form model (questions, groups, choices, logic); the latest "
                     "version unless ?version=N.")
def questionnaire(request: HttpRequest, study: int, version: int | None = None
                  ) -> dict[str, Any]:
    found = _version(request, study, version)
    return {"study": study, "version": found.number, "form": found.form.to_dict()}


@api.get("/studies/{study}/questionnaire.xlsx", summary="A questionnaire version as XLSForm",
         response={200: None})
def questionnaire_xlsform(request: HttpRequest, study: int, version: int | None = None
                          ) -> HttpResponse:
    found = _version(request, study, version)
    buffer = io.BytesIO()
    write_xlsform(found.form, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = (
        f'attachment; filename="{found.questionnaire.form_id}-v{found.number}.xlsx"')
    return response


# -- fieldworks -------------------------------------------------------------------------------


class CountsOut(Schema):
    started: int
    completed: int
    screened_out: int
    quota_full: int
    excluded: int


class FieldworkOut(Schema):
    slug: str
    name: str
    study: int
    version: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    counts: CountsOut


def _fieldworks(request: HttpRequest, action: Action) -> QuerySet[Fieldwork]:
    return (_scoped(request, action, Fieldwork.objects)
            .select_related("form_version").order_by("pk")
            .annotate(
                n_started=Count("responses", filter=Q(responses__status="started")),
                n_completed=Count("responses", filter=Q(responses__status="completed")),
                n_screened=Count("responses", filter=Q(responses__status="screened_out")),
                n_full=Count("responses", filter=Q(responses__status="quota_full"))))


def _fieldwork_out(fieldwork: Fieldwork, excluded: int) -> dict[str, Any]:
    return {"slug": fieldwork.slug, "name": fieldwork.name,
            "study": fieldwork.form_version.questionnaire_id,
            "version": fieldwork.form_version.number, "opens_at": fieldwork.opens_at,
            "closes_at": fieldwork.closes_at,
            "counts": {"started": fieldwork.n_started, "completed": fieldwork.n_completed,
                       "screened_out": fieldwork.n_screened, "quota_full": fieldwork.n_full,
                       "excluded": excluded}}


def _excluded(fieldworks: list[Fieldwork]) -> dict[int, int]:
    return dict(ResponseReview.objects.filter(
        fieldwork__in=fieldworks, decision=ResponseReview.Decision.EXCLUDE)
        .values_list("fieldwork").annotate(n=Count("pk")))


@api.get("/fieldworks", response=list[FieldworkOut], summary="Fieldworks with their counts")
def fieldworks(request: HttpRequest) -> list[dict[str, Any]]:
    found = list(_fieldworks(request, "fieldwork.view"))
    excluded = _excluded(found)
    return [_fieldwork_out(f, excluded.get(f.pk, 0)) for f in found]


@api.get("/fieldworks/{slug}", response=FieldworkOut, summary="One fieldwork")
def fieldwork(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = _fieldwork(request, slug, "fieldwork.view")
    return _fieldwork_out(found, _excluded([found]).get(found.pk, 0))


def _fieldwork(request: HttpRequest, slug: str, action: str, *, counts: bool = True
               ) -> Fieldwork:
    fieldworks = (_fieldworks(request, action) if counts else
                  _scoped(request, action, Fieldwork.objects.select_related("form_version")))
    found = fieldworks.filter(slug=slug).first()
    if found is None:
        raise Http404(f"no fieldwork {slug!r} in your organisation")
    return found


# -- responses --------------------------------------------------------------------------------


class ResponseOut(Schema):
    """A response; times are ISO 8601 with microseconds (UTC), so that ``updated_at`` is
    exact as ``updated_since`` of the next pull."""

    key: str
    status: str
    source: str
    language: str
    started_at: str
    completed_at: str | None
    updated_at: str
    excluded: bool
    answers: dict[str, Any]


class ResponsePage(Schema):
    results: list[ResponseOut]
    next_cursor: str | None


class ResponseFilter(Schema):
    cursor: str | None = None
    limit: int = PAGE_SIZE
    updated_since: dt.datetime | None = None
    status: str | None = None


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _cursor(moment: dt.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def _uncursor(text: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, pk = raw.rsplit("|", 1)
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, "The cursor is not one this API gave; start without it.") from None


@api.get("/fieldworks/{slug}/responses", response=ResponsePage,
         summary="Responses, a page at a time",
         description="In the order they last changed; pass the page's next_cursor for the "
                     "next page, and updated_since (ISO 8601) to fetch only what changed since "
                     "an earlier pull. Every status unless ?status=completed; responses the "
                     "quality review excluded are marked excluded.")
def responses(request: HttpRequest, slug: str, filters: Query[ResponseFilter]
              ) -> dict[str, Any]:
    found = _fieldwork(request, slug, "responses.export", counts=False)
    if not 1 <= filters.limit <= MAX_PAGE_SIZE:
        raise HttpError(400, f"limit must be between 1 and {MAX_PAGE_SIZE}.")
    if filters.status is not None and filters.status not in Response.Status.values:
        raise HttpError(400, f"status must be one of {', '.join(Response.Status.values)}.")
    rows = Response.objects.filter(fieldwork=found).order_by("updated_at", "pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.updated_since is not None:
        since = filters.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since, dt.UTC)
        rows = rows.filter(updated_at__gt=since)
    if filters.cursor:
        moment, pk = _uncursor(filters.cursor)
        rows = rows.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    page = list(rows.values("pk", "respondent_key", "status", "source", "language",
                            "started_at", "completed_at", "updated_at", "answers",
                            "review__decision")[:filters.limit + 1])
    more = len(page) > filters.limit
    page = page[:filters.limit]
    return {
        "results": [{"key": r["respondent_key"], "status": r["status"], "source": r["source"],
                     "language": r["language"], "started_at": _iso(r["started_at"]),
                     "completed_at": _iso(r["completed_at"]),
                     "updated_at": _iso(r["updated_at"]),
                     "excluded": r["review__decision"] == ResponseReview.Decision.EXCLUDE,
                     "answers": r["answers"]} for r in page],
        "next_cursor": _cursor(page[-1]["updated_at"], page[-1]["pk"]) if more else None,
    }


# -- tables -----------------------------------------------------------------------------------


class TableQuery(Schema):
    question: str
    banner: list[str] = []
    filter: str = ""
    weighted: bool = False


@api.get("/fieldworks/{slug}/tables", summary="A table: question x banners x filter x weights",
         description="The analysis engine over HTTP: the same table as the table explorer and "
                     "the report (bases, column percentages, significance letters), as the "
                     "JSON of `peiling tabulate -f json`. Repeat banner= for more banners (at "
                     "most three); weighted=true rakes to the study's weighting targets. "
                     "Responses the quality review excluded are left out.")
def tables(request: HttpRequest, slug: str, query: Query[TableQuery]) -> dict[str, Any]:
    found = _fieldwork(request, slug, "report.view", counts=False)
    if len(query.banner) > 3:
        raise HttpError(400, "At most three banners.")
    try:
        dataset = fieldwork_dataset(fieldwork=found)
    except DataUnavailable as error:
        raise HttpError(404, str(error)) from None
    stored = WeightingTargets.objects.filter(
        questionnaire_id=found.form_version.questionnaire_id).first()
    choice = TableChoice(question=query.question, banners=tuple(query.banner),
                         filter=query.filter.strip(), weighted=query.weighted)
    try:
        exploration = explore(found.form_version.form, dataset, choice,
                              targets=dict(stored.targets) if stored else {})
    except ChoiceError as error:
        raise TableProblem(error.problems) from None
    body = exploration.table.table.to_dict()
    if exploration.weighting is not None:
        body["weighting"] = {"efficiency": exploration.weighting.efficiency,
                             "min_weight": float(exploration.weighting.weights.min()),
                             "max_weight": float(exploration.weighting.weights.max())}
    return body


class TableProblem(Exception):
    """A table the data cannot give, with every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@api.exception_handler(TableProblem)
def _table_problem(request: HttpRequest, error: TableProblem) -> HttpResponse:
    return problem(request, 400, "invalid_table", "This table cannot be made",
                   "; ".join(error.problems), errors=error.problems)


# -- whole fieldworks as files ----------------------------------------------------------------

FILE_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@api.get("/fieldworks/{slug}/responses.{fmt}", summary="All completed responses as one file",
         response={200: None},
         description="CSV (the export's ODK/KoboToolbox columns, choice names) or Parquet "
                     "(typed, categorical, labels in the schema), streamed: any size, written "
                     "while it is sent. Responses the quality review excluded are left out "
                     "unless include_excluded=true (then with the column _excluded).")
def responses_file(request: HttpRequest, slug: str, fmt: str, include_excluded: bool = False,
                   paradata: bool = False) -> StreamingHttpResponse:
    found = _fieldwork(request, slug, "responses.export", counts=False)
    if fmt not in FILE_TYPES:
        raise HttpError(404, f"no file type {fmt!r}; csv or parquet")
    total, pieces = fieldwork_export_pieces(fieldwork=found, include_excluded=include_excluded,
                                            paradata=paradata or include_excluded)
    writer = get_writer(fmt)
    if fmt == "csv":
        body = (text.encode("utf-8") for text in writer.stream(pieces))
    else:
        body = writer.stream(pieces, respondents=total)
    response = StreamingHttpResponse(body, content_type=FILE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{found.slug}.{fmt}"'
    response["X-Respondents"] = str(total)
    return response
