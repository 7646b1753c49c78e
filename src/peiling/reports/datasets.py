"""The completed answers of a fieldwork as a ``Dataset``, read from the database once per
change of the data and then kept, for the results pages that ask for them on every click.

Reading 100,000 responses takes seconds (``exchange.services.fieldwork_export_data``); a
table from the read data takes milliseconds. The key holds what changes when the data does:
the fieldwork's questionnaire version, the number of completed responses and the last moment
one was completed (one index-only query). The prepared dataset lives in Django's
``datasets`` cache (files of the host's processes by default); within one process the last
few stay in memory as well, so a click does not even unpickle.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.core.cache import caches
from django.db.models import Count, Max, Q

from peiling.analysis import Category, Dataset, Variable
from peiling.analysis.dataset import variables_from_form
from peiling.exchange.services import fieldwork_export_data
from peiling.exchange.writers import ExportError
from peiling.fieldwork.models import PANEL_SOURCE, Fieldwork, Response, ResponseReview
from peiling.openanswers.models import AnswerScan, Codebook
from peiling.panel.models import Sample
from peiling.questionnaires.models import FormVersion

__all__ = ["READ_IN_REQUEST", "DataUnavailable", "data_key", "fieldwork_dataset"]

#: Up to this many completed responses a page reads the answers itself (under a second);
#: more are prepared by a worker first (``tasks.prepare_dataset``) while the page waits.
READ_IN_REQUEST = 20_000
#: Raised whenever what a prepared dataset holds changes (a variable added, another type):
#: the cache files of the earlier code then no longer count.
FORMAT = 4
#: The name of the variable holding each response's source (link), as a banner.
SOURCE = "bron"

#: Datasets a process keeps in memory (the most recently used).
IN_MEMORY = 4
_memory: OrderedDict[str, Dataset] = OrderedDict()
_lock = threading.Lock()


class DataUnavailable(Exception):
    """The fieldwork has no completed responses, or answers that do not fit its version."""


def data_key(*, fieldwork: Fieldwork) -> tuple[str, int]:
    """Return the cache key of the fieldwork's completed answers as they are now, and their
    number."""
    state = Response.objects.filter(fieldwork=fieldwork,
                                    status=Response.Status.COMPLETED).aggregate(
        n=Count("*"), last=Max("completed_at"))
    last = state["last"].timestamp() if state["last"] is not None else 0
    # The quality review's decisions change which responses are in.
    reviews = ResponseReview.objects.filter(fieldwork=fieldwork).aggregate(
        out=Count("pk", filter=Q(decision=ResponseReview.Decision.EXCLUDE)),
        last=Max("decided_at"))
    decided = reviews["last"].timestamp() if reviews["last"] is not None else 0
    # The codings of open answers are variables of the data (``<question>_codes``).
    coded = Codebook.objects.filter(fieldwork=fieldwork).aggregate(last=Max("changed_at"))
    coded_at = coded["last"].timestamp() if coded["last"] is not None else 0
    # Open answers show masked where they may hold personal data, until released.
    scans = AnswerScan.objects.filter(fieldwork=fieldwork).aggregate(
        n=Count("pk"), released=Count("released_at"), last=Max("released_at"))
    released = scans["last"].timestamp() if scans["last"] is not None else 0
    key = (f"dataset:{FORMAT}:{fieldwork.pk}:{fieldwork.form_version_id}:{state['n']}:"
           f"{last:.6f}:{reviews['out']}:{decided:.6f}:{coded_at:.6f}:{scans['n']}:"
           f"{scans['released']}:{released:.6f}")
    return key, state["n"] - reviews["out"]


def fieldwork_dataset(*, fieldwork: Fieldwork, read: bool = True) -> Dataset | None:
    """Return the completed answers of ``fieldwork`` (labels in the form's default language);
    with ``read=False`` only when they are prepared already (else None).

    Raises ``DataUnavailable`` when there are none yet, or when they do not fit the version.
    """
    key, n = data_key(fieldwork=fieldwork)
    if n == 0:
        raise DataUnavailable(f"fieldwork {fieldwork.slug!r} has no completed responses yet")
    with _lock:
        dataset = _memory.get(key)
        if dataset is not None:
            _memory.move_to_end(key)
            return dataset
    dataset = caches["datasets"].get(key)
    if dataset is None and not read:
        return None
    if dataset is None:
        try:
            data = fieldwork_export_data(fieldwork=fieldwork, paradata=True)
        except ExportError as error:
            raise DataUnavailable(str(error)) from None
        dataset = _with_source(data.dataset, data.paradata.source if data.paradata else ())
        dataset = _with_profile(dataset, fieldwork, data.response_ids)
        caches["datasets"].set(key, dataset)
    with _lock:
        _memory[key] = dataset
        while len(_memory) > IN_MEMORY:
            _memory.popitem(last=False)
    return dataset


def _with_source(dataset: Dataset, sources: tuple[str, ...]) -> Dataset:
    """Add the link each response came through as the variable ``bron`` (a banner of the
    results pages), when there is more than one."""
    names = sorted(set(sources))
    if len(names) < 2 or len(sources) != dataset.n:
        return dataset
    name = next(n for n in (SOURCE, f"{SOURCE}_peiling") if n not in dataset.variables)
    # Labels in Dutch, as the form's: the prepared data is shared by every user's language.
    variable = Variable(name, "single", label="Bron (panel of open link)",
                        categories=tuple(Category(s, _source_label(s)) for s in names))
    position = {source: code for code, source in enumerate(names)}
    return dataset.with_single(variable, [position[source] for source in sources])


def _with_profile(dataset: Dataset, fieldwork: Fieldwork, ids: tuple[int, ...]) -> Dataset:
    """Add the panel profile variables that the questionnaire does not ask itself (gender,
    age band: single choice questions of the profile questionnaire of the panels the
    fieldwork drew from), from the profile snapshot each response keeps, as banners of the
    results pages. Respondents through an open link have none (no answer)."""
    versions = (Sample.objects.filter(fieldwork=fieldwork).order_by("pk")
                .values_list("panel__profile", flat=True).distinct())
    questions: dict[str, Variable] = {}
    for version in FormVersion.objects.filter(pk__in=list(versions)):
        for name, variable in variables_from_form(version.form).items():
            if variable.kind == "single" and name not in dataset.variables:
                questions.setdefault(name, variable)
    if not questions:
        return dataset
    by_id = dict(Response.objects.filter(fieldwork=fieldwork, status=Response.Status.COMPLETED)
                 .values_list("pk", "profile").iterator(chunk_size=5000))
    profiles = [by_id.get(pk) for pk in ids]
    if len(profiles) != dataset.n:
        return dataset
    for name, variable in questions.items():
        position = {category: code for code, category in enumerate(variable.category_names)}
        codes = [position.get(str(profile.get(name)), -1) if isinstance(profile, dict) else -1
                 for profile in profiles]
        if max(codes, default=-1) < 0:
            continue
        label = f"{variable.label or name} (profiel)"
        dataset = dataset.with_single(
            Variable(name, "single", label=label, categories=variable.categories), codes)
    return dataset


def _source_label(source: str) -> str:
    return "Panel" if source == PANEL_SOURCE else f"Open link ‘{source}’"


def forget_in_memory() -> None:
    """Empty this process's memory of datasets (tests; the cache itself stays)."""
    with _lock:
        _memory.clear()
