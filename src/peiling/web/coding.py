"""Coding open answers in the browser: the open questions of a fieldwork, the coding page
(answers with their codes, filters, search, progress, undo, keyboard shortcuts), the
codebook, theme proposals and suggestions. Views parse, check permission, call
``openanswers.services`` or ``selectors`` and render; with htmx, saving an answer's codes
swaps just that answer (without JavaScript, the page comes back)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, organisation_of, researcher_page, user_may
from peiling.analysis.dataset import variables_from_form
from peiling.fieldwork.models import Fieldwork
from peiling.jobs.services import job_start
from peiling.openanswers import selectors, services
from peiling.openanswers.models import AgreementSample, Code, Codebook, ThemeProposal
from peiling.openanswers.services import CodingError

#: Single choice questions with more choices than this are no subgroup filter.
SUBGROUP_CHOICES = 15


def _fieldwork(request: HttpRequest, slug: str, action: str) -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _question(fieldwork: Fieldwork, question: str) -> tuple[str, str]:
    """The open question's name and label; 404 for a name that is no open question."""
    form = fieldwork.form_version.form
    if question not in {q.name for q in selectors.text_questions(form)}:
        raise Http404("no open question")
    variable = variables_from_form(form).get(question)
    return question, (variable.label if variable is not None and variable.label else question)


def _codebook(fieldwork: Fieldwork, question: str) -> Codebook | None:
    return Codebook.objects.filter(fieldwork=fieldwork, question=question).first()


def _required(fieldwork: Fieldwork, question: str) -> Codebook:
    codebook = _codebook(fieldwork, question)
    if codebook is None:
        raise Http404("no codebook yet")
    return codebook


def _text(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _coding_url(fieldwork: Fieldwork, question: str) -> str:
    return reverse("web:coding", args=[fieldwork.slug, question])


def _back(request: HttpRequest, fieldwork: Fieldwork, question: str) -> HttpResponse:
    """Back to the coding page the form was on (its filters kept), never elsewhere."""
    base = _coding_url(fieldwork, question)
    back = request.POST.get("terug", "")
    return redirect(back if back.startswith(base) else base)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def open_answers(request: HttpRequest, slug: str) -> HttpResponse:
    """The open questions of the fieldwork, each with how far its coding is."""
    fieldwork = _fieldwork(request, slug, "report.view")
    codebooks = {c.question: c for c in Codebook.objects.filter(fieldwork=fieldwork)}
    labels = variables_from_form(fieldwork.form_version.form)
    rows = []
    scans = selectors.scan_state(fieldwork=fieldwork)
    for question in selectors.text_questions(fieldwork.form_version.form):
        codebook = codebooks.get(question.name)
        if codebook is not None:
            coded, total = selectors.progress(codebook=codebook)
        else:
            coded, total = 0, len(selectors.answer_texts(codebook=Codebook(
                fieldwork=fieldwork, question=question.name)))
        variable = labels.get(question.name)
        state = scans.get(question.name, {})
        rows.append({"name": question.name, "label": variable.label if variable else "",
                     "codebook": codebook, "coded": coded, "total": total,
                     "flagged": sum(1 for v in state.values() if v is False),
                     "released": sum(1 for v in state.values() if v is True),
                     "unscanned": max(0, total - len(state))})
    return render(request, "web/coding/overview.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "rows": rows,
        "may_edit": user_may(request.user, "results.edit", fieldwork),
        "unscanned": sum(row["unscanned"] for row in rows)})


@researcher_page("results.edit")
@require_POST
def personal_scan(request: HttpRequest, slug: str) -> HttpResponse:
    """Scan the open answers not scanned yet for personal data, as a job."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    job = job_start(kind="personal_data_scan", organisation=organisation_of(request.user),
                    user=request.user, action="results.edit",
                    title=_("Personal data in the open answers of %(fieldwork)s") % {
                        "fieldwork": fieldwork.name},
                    payload={"fieldwork": fieldwork.pk},
                    back_url=reverse("web:open_answers", args=[fieldwork.slug]))
    return redirect("web:job", job.pk)


@researcher_page("results.edit")
@require_POST
def personal_release(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Release an answer with possible personal data to be shown unmasked (``vrijgeven=1``)
    or mask it again (``vrijgeven=0``)."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    response = _ints([request.POST.get("respons", "")])
    if response is None or request.POST.get("vrijgeven") not in ("0", "1"):
        return _text(_("Unknown answer."))
    try:
        services.personal_data_release(fieldwork=fieldwork, question=name,
                                       response=response[0], user=request.user,
                                       release=request.POST["vrijgeven"] == "1")
    except CodingError as error:
        return _text(str(error))
    codebook = _codebook(fieldwork, name)
    if request.htmx and codebook is not None:
        page = selectors.answer_page(codebook=codebook, only=response[0])
        return render(request, "web/coding/_answer.html", {
            "row": _rows(page.items, selectors.codes_in_order(codebook=codebook))[0],
            "fieldwork": fieldwork, "question": name, "may_edit": True,
            "back": request.POST.get("terug", "")})
    messages.success(request, _("The answer is released.") if request.POST["vrijgeven"] == "1"
                     else _("The answer is masked again."))
    return _back(request, fieldwork, name)


def _subgroups(fieldwork: Fieldwork) -> list[tuple[str, str]]:
    """(``question=choice``, label) of every answer of a single choice question."""
    options = []
    for name, variable in variables_from_form(fieldwork.form_version.form).items():
        if variable.kind == "single" and len(variable.categories) <= SUBGROUP_CHOICES:
            options += [(f"{name}={c.name}", f"{variable.label or name}: {c.label}")
                        for c in variable.categories]
    return options


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def coding(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """The answers to an open question with their codes: ``?status=uncoded|coded|
    suggested``, ``code=<id>``, ``zoek=<words>``, ``subgroep=<question>=<choice>``,
    ``pagina``."""
    fieldwork = _fieldwork(request, slug, "report.view")
    name, label = _question(fieldwork, question)
    codebook = _codebook(fieldwork, name)
    subgroups = _subgroups(fieldwork)
    status = request.GET.get("status", "all") or "all"
    search = request.GET.get("zoek", "").strip()[:200]
    subgroup = request.GET.get("subgroep", "")
    problem = ""
    code_id: int | None = None
    codes = selectors.codes_in_order(codebook=codebook) if codebook is not None else []
    if request.GET.get("code"):
        try:
            code_id = int(request.GET["code"])
        except ValueError:
            code_id = -1
        if code_id not in {c.pk for c in codes}:
            problem, code_id = _("Unknown code."), None
    if status not in selectors.STATUSES:
        problem, status = _("Unknown status."), "all"
    if subgroup and subgroup not in {value for value, _label in subgroups}:
        problem, subgroup = _("Unknown subgroup."), ""
    try:
        number = int(request.GET.get("pagina", "1"))
    except ValueError:
        number = 1
    page = selectors.answer_page(
        codebook=codebook or Codebook(fieldwork=fieldwork, question=name), status=status,
        code=code_id, search=search, page=number,
        subgroup=tuple(subgroup.split("=", 1)) if subgroup else None)
    query = urlencode({k: v for k, v in (("status", "" if status == "all" else status),
                                         ("code", code_id or ""), ("zoek", search),
                                         ("subgroep", subgroup)) if v})
    return render(request, "web/coding/page.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "question": name, "label": label, "codebook": codebook, "codes": codes,
        "page": page, "rows": _rows(page.items, codes), "status": status, "code_id": code_id,
        "search": search,
        "subgroup": subgroup, "subgroups": subgroups, "query": query, "problem": problem,
        "back": request.get_full_path(), "statuses": _statuses(),
        "may_edit": user_may(request.user, "results.edit", fieldwork),
        "has_proposal": codebook is not None and ThemeProposal.objects.filter(
            codebook=codebook).exists()}, status=400 if problem else 200)


def _rows(items: list[selectors.AnswerItem], codes: list[Code]) -> list[dict[str, Any]]:
    """Per answer, per code: ticked or not, and the suggestion's confidence in percent."""
    return [{"item": item, "choices": [
                (code, code.pk in item.codes,
                 round(item.suggestions[code.pk] * 100) if code.pk in item.suggestions
                 else None) for code in codes]}
            for item in items]


def _statuses() -> list[tuple[str, str]]:
    return [("all", _("all answers")), ("uncoded", _("not coded")), ("coded", _("coded")),
            ("suggested", _("with a suggestion")),
            ("personal", _("with possible personal data"))]


@researcher_page("results.edit")
@require_POST
def coding_start(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Make the question's codebook (with the default codes)."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    services.codebook_create(fieldwork=fieldwork, question=name)
    messages.success(request, _("The codebook is made, with the codes “Overig” and “Geen "
                                "zinvol antwoord”. Add codes, or have themes proposed."))
    return redirect("web:coding", fieldwork.slug, name)


def _ints(values: list[str]) -> list[int] | None:
    try:
        return [int(value) for value in values]
    except ValueError:
        return None


@researcher_page("results.edit")
@require_POST
def coding_set(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Give one answer (``respons``) exactly the codes ticked (``code``, repeated)."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    codebook = _required(fieldwork, name)
    response = _ints([request.POST.get("respons", "")])
    codes = _ints(request.POST.getlist("code"))
    if response is None or codes is None:
        return _text(_("Unknown answer or code."))
    try:
        services.codings_set(codebook=codebook, codes={response[0]: codes}, user=request.user)
    except CodingError as error:
        return _text(str(error))
    if request.htmx:
        page = selectors.answer_page(codebook=codebook, only=response[0])
        codes_now = selectors.codes_in_order(codebook=codebook)
        return render(request, "web/coding/_answer.html", {
            "row": _rows(page.items, codes_now)[0],
            "fieldwork": fieldwork, "question": name, "may_edit": True,
            "back": request.POST.get("terug", ""), "saved": True,
            "progress": selectors.progress(codebook=codebook)})
    messages.success(request, _("The codes are saved."))
    return _back(request, fieldwork, name)


@researcher_page("results.edit")
@require_POST
def coding_undo(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Take back the user's last change of the coding."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    undone = services.coding_undo(codebook=_required(fieldwork, name), user=request.user)
    if undone is None:
        messages.info(request, _("There is nothing of yours to undo."))
    else:
        messages.success(request, _("Undone: the answer has its codes of before again (%(codes)s).")
                         % {"codes": ", ".join(undone.before) or _("none")})
    return _back(request, fieldwork, name)


@researcher_page("results.edit")
@require_POST
def suggestions_confirm(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Confirm suggestions: of one answer (``respons``), or of all with a confidence of at
    least ``minimum`` percent."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    codebook = _required(fieldwork, name)
    if request.POST.get("respons"):
        response = _ints([request.POST["respons"]])
        if response is None:
            return _text(_("Unknown answer."))
        count = services.suggestions_confirm(codebook=codebook, user=request.user,
                                             responses=response)
    else:
        minimum = _ints([request.POST.get("minimum", "")])
        if minimum is None or not 0 <= minimum[0] <= 100:
            return _text(_("Give a confidence from 0 to 100."))
        count = services.suggestions_confirm(codebook=codebook, user=request.user,
                                             min_confidence=minimum[0] / 100)
    messages.success(request, _("%(n)s answers coded as suggested.") % {"n": count})
    return _back(request, fieldwork, name)


CODEBOOK_ACTIONS = ("add", "rename", "up", "down", "merge", "split", "delete")


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def codebook(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """The codebook: its codes, and (POST ``actie``) adding, renaming, moving, merging,
    splitting and deleting them."""
    action = "results.edit" if request.method == "POST" else "report.view"
    fieldwork = _fieldwork(request, slug, action)
    name, label = _question(fieldwork, question)
    book = _required(fieldwork, name)
    problem, status = "", 200
    if request.method == "POST":
        try:
            done = _codebook_change(request, book)
        except CodingError as error:
            problem, status = str(error), 400
        else:
            messages.success(request, done)
            return redirect("web:codebook", fieldwork.slug, name)
    codes = selectors.codes_in_order(codebook=book)
    counts = selectors.code_counts(codebook=book)
    return render(request, "web/coding/codebook.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "question": name, "label": label, "codebook": book, "codes": codes, "counts": counts,
        "themes": [c for c in codes if c.parent_id is None], "problem": problem,
        "posted": request.POST if problem else {},
        "may_edit": user_may(request.user, "results.edit", fieldwork)}, status=status)


def _code(book: Codebook, value: str) -> Code:
    try:
        return Code.objects.get(codebook=book, pk=int(value))
    except (ValueError, Code.DoesNotExist):
        raise CodingError(_("Unknown code.")) from None


def _codebook_change(request: HttpRequest, book: Codebook) -> str:
    """Do the codebook change posted; return what to tell the user."""
    post = request.POST
    action = post.get("actie", "")
    if action not in CODEBOOK_ACTIONS:
        raise CodingError(_("Unknown action."))
    if action == "add":
        parent = _code(book, post["onder"]) if post.get("onder") else None
        code = services.code_add(codebook=book, label=post.get("label", ""),
                                 description=post.get("beschrijving", ""), parent=parent)
        return _("Code “%(label)s” added.") % {"label": code.label}
    code = _code(book, post.get("code", ""))
    if action == "rename":
        services.code_rename(code=code, label=post.get("label", ""),
                             description=post.get("beschrijving", ""))
        return _("Code renamed to “%(label)s”.") % {"label": code.label}
    if action in ("up", "down"):
        services.code_move(code=code, up=action == "up")
        return _("Code “%(label)s” moved.") % {"label": code.label}
    if action == "merge":
        target = _code(book, post.get("naar", ""))
        count = services.code_merge(source=code, target=target, user=request.user)
        return _("“%(source)s” merged into “%(target)s”; %(n)s answers recoded.") % {
            "source": code.label, "target": target.label, "n": count}
    if action == "split":
        made = services.code_split(code=code, labels=post.get("labels", "").splitlines())
        return _("“%(label)s” split into %(n)s codes under it; its answers keep it until "
                 "you code them with one of those.") % {"label": code.label, "n": len(made)}
    services.code_delete(code=code)
    return _("Code “%(label)s” deleted.") % {"label": code.label}


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def themes(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """The theme proposal of the question's answers; POST has a worker make a new one."""
    action = "results.edit" if request.method == "POST" else "report.view"
    fieldwork = _fieldwork(request, slug, action)
    name, label = _question(fieldwork, question)
    book = _required(fieldwork, name)
    if request.method == "POST":
        here = reverse("web:themes", args=[fieldwork.slug, name])
        job = job_start(kind="themes_propose", organisation=organisation_of(request.user),
                        user=request.user, action="results.edit",
                        title=_("Themes for “%(question)s”") % {"question": label},
                        payload={"codebook": book.pk}, back_url=here)
        return redirect("web:job", job.pk)
    return _themes_page(request, fieldwork, name, label, book)


def _themes_page(request: HttpRequest, fieldwork: Fieldwork, name: str, label: str,
                 book: Codebook, problem: str = "", status: int = 200) -> HttpResponse:
    proposal = ThemeProposal.objects.filter(codebook=book).first()
    rows: list[dict[str, Any]] = []
    if proposal is not None:
        texts = selectors.answer_texts(codebook=book, only=[
            pk for theme in proposal.themes for pk in theme["typical"][:3]])
        rows = [{"number": i, "theme": theme, "examples": [
                    texts[pk] for pk in theme["typical"][:3] if pk in texts]}
                for i, theme in enumerate(proposal.themes)]
    return render(request, "web/coding/themes.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "question": name, "label": label, "codebook": book, "proposal": proposal,
        "rows": rows, "problem": problem, "posted": request.POST if problem else {},
        "may_edit": user_may(request.user, "results.edit", fieldwork)}, status=status)


@researcher_page("results.edit")
@require_POST
def themes_accept(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Take over the proposal: per theme ``neem-<i>`` (accepted), ``label-<i>`` and
    ``samen-<i>`` (the theme it is merged into)."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, label = _question(fieldwork, question)
    book = _required(fieldwork, name)
    proposal = ThemeProposal.objects.filter(codebook=book).first()
    if proposal is None:
        return _text(_("There is no proposal to take over."))
    choices = []
    for i in range(len(proposal.themes)):
        merge = request.POST.get(f"samen-{i}", "")
        target = _ints([merge]) if merge else [None]
        if target is None:
            return _themes_page(request, fieldwork, name, label, book,
                                _("Unknown theme to merge into."), 400)
        choices.append((f"neem-{i}" in request.POST, request.POST.get(f"label-{i}", ""),
                        None if target[0] is None else target[0] - 1))
    try:
        made, stored = services.proposal_accept(proposal=proposal, choices=choices)
    except CodingError as error:
        return _themes_page(request, fieldwork, name, label, book, str(error), 400)
    messages.success(request, _("%(codes)s codes made; %(n)s answers have a suggestion. "
                                "Nothing is coded until you confirm it.") % {
                                    "codes": made, "n": stored})
    return redirect(_coding_url(fieldwork, name) + "?status=suggested")


def _sample(book: Codebook) -> AgreementSample | None:
    return AgreementSample.objects.filter(codebook=book).order_by("-pk").first()


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def agreement(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Blind double coding of a random sample: your own codes of its answers (never the
    coding or a colleague's), how far each coder is, and Cohen's kappa per code and overall
    with the answers coded differently, once two coders have coded."""
    fieldwork = _fieldwork(request, slug, "report.view")
    name, label = _question(fieldwork, question)
    book = _required(fieldwork, name)
    sample = _sample(book)
    state = selectors.sample_state(sample=sample) if sample is not None else None
    rows: list[dict[str, Any]] = []
    codes = selectors.codes_in_order(codebook=book)
    if state is not None:
        mine = {r.response_id: set(r.codes) for r in sample.codings.filter(coder=request.user)}
        by_name = {code.name: code.pk for code in codes}
        items = [selectors.AnswerItem(pk, state.texts.get(pk, ""),
                                      {by_name[n] for n in mine.get(pk, set()) if n in by_name})
                 for pk in sample.responses if pk in state.texts]
        rows = _rows(items, codes)
    labels = {code.name: code.label for code in codes}
    return render(request, "web/coding/agreement.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire,
        "question": name, "label": label, "codebook": book, "sample": sample, "state": state,
        "rows": rows, "labels": labels, "back": request.get_full_path(),
        "action": reverse("web:agreement_code", args=[fieldwork.slug, name]),
        "disagreements": [(pk, state.texts.get(pk, ""),
                           sorted(labels.get(n, n) for n in a), sorted(labels.get(n, n) for n in b))
                          for pk, a, b in state.result.disagreements]
        if state is not None and state.result is not None else [],
        "may_edit": user_may(request.user, "results.edit", fieldwork)})


@researcher_page("results.edit")
@require_POST
def agreement_draw(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Draw a new sample of ``grootte`` answers for blind double coding."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    size = _ints([request.POST.get("grootte", "")])
    if size is None:
        return _text(_("Give the number of answers in the sample."))
    try:
        services.agreement_sample_create(codebook=_required(fieldwork, name), size=size[0],
                                         user=request.user)
    except CodingError as error:
        return _text(str(error))
    messages.success(request, _("The sample is drawn. Each coder codes it here, blind."))
    return redirect("web:agreement", fieldwork.slug, name)


@researcher_page("results.edit")
@require_POST
def agreement_code(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Store your own codes of one answer of the sample."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    name, _label = _question(fieldwork, question)
    sample = _sample(_required(fieldwork, name))
    response = _ints([request.POST.get("respons", "")])
    codes = _ints(request.POST.getlist("code"))
    if sample is None:
        return _text(_("There is no sample to code."))
    if response is None or codes is None:
        return _text(_("Unknown answer or code."))
    try:
        services.blind_code(sample=sample, coder=request.user, response=response[0],
                            codes=codes)
    except CodingError as error:
        return _text(str(error))
    return redirect(reverse("web:agreement", args=[fieldwork.slug, name])
                    + f"#antwoord-{response[0]}")


urlpatterns = [
    path("veldwerk/<slug:slug>/open-antwoorden/", open_answers, name="open_answers"),
    path("veldwerk/<slug:slug>/open-antwoorden/scannen/", personal_scan, name="personal_scan"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/", coding, name="coding"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/vrijgeven/", personal_release,
         name="personal_release"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/starten/", coding_start,
         name="coding_start"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/coderen/", coding_set,
         name="coding_set"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/ongedaan/", coding_undo,
         name="coding_undo"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/suggesties/",
         suggestions_confirm, name="suggestions_confirm"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/codeboek/", codebook,
         name="codebook"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/themas/", themes,
         name="themes"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/themas/overnemen/",
         themes_accept, name="themes_accept"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/overeenstemming/", agreement,
         name="agreement"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/overeenstemming/trekken/",
         agreement_draw, name="agreement_draw"),
    path("veldwerk/<slug:slug>/open-antwoorden/<str:question>/overeenstemming/coderen/",
         agreement_code, name="agreement_code"),
]
