"""The report of a study in the browser: its definition (the YAML of ``rapport.yaml``, edited
here, checked against the questionnaire, versioned, importable and exportable), builds made in
the background and kept with their files, and read-only share links for a client.

The share link's token is made with ``secrets`` and shown once; only its SHA-256 is stored.
A shared page shows the finished report and its downloads, nothing else, until the link
expires or is revoked. A build's report is shown as the app's own pages show reports (kept as
``reports/_body.html`` rendered at build time), under the site's Content-Security-Policy; the
stand-alone HTML file, with its inline styles, is a download like the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, organisation_of, researcher_page, user_may
from peiling.analysis import Dataset
from peiling.fieldwork.models import Fieldwork
from peiling.forms.model import Form, text_in
from peiling.jobs.services import job_start
from peiling.openanswers.models import Codebook
from peiling.reports.build import default_banner
from peiling.reports.definition import (
    DefinitionError,
    ReportDefinition,
    check_definition,
    parse_definition,
)
from peiling.reports.explorer import ChoiceError, subgroups, text_answers, text_questions
from peiling.reports.models import ReportBuild, ReportDefinitionVersion, ReportFile, ReportShare
from peiling.reports.selectors import definition_version
from peiling.reports.services import (
    definition_save,
    outline,
    outline_items,
    with_coded_quotes,
    with_finding,
    with_outline,
    with_quotes,
    with_settings,
)
from peiling.reports.tasks import PAGE
from peiling.web.results import page_dataset, short_label

#: The largest definition the page takes (a long report is about 20 kB of YAML).
MAX_DEFINITION = 200_000
FORMAT_LABELS = {"html": "HTML", "docx": "Word", "xlsx": "Excel", "pdf": "PDF", "json": "JSON"}
SHARE_DAYS = 30
MAX_FINDING = 1000


class DefinitionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Report definition (YAML)"), required=False,
        max_length=MAX_DEFINITION,
        widget=forms.Textarea(attrs={"rows": 24, "class": "utrecht-textarea code",
                                     "spellcheck": "false"}),
        help_text=gettext_lazy("Chapters, tables per chapter, banner, texts and methods, as in "
                               "examples/rapport.yaml. Empty: the default report."))
    file = forms.FileField(label=gettext_lazy("Or import a definition file (.yaml)"),
                           required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_DEFINITION:
                raise forms.ValidationError(_("A definition file is at most 200 kB."))
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The definition file is not UTF-8 text.")) from None
        return cleaned


class FindingForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Your text"), max_length=MAX_FINDING,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "utrecht-textarea"}))


class QuoteSearchForm(forms.Form):
    """Which answers the quotes page lists (GET, so that a search can be bookmarked)."""

    vraag = forms.ChoiceField(label=gettext_lazy("Open question"))
    zoek = forms.CharField(label=gettext_lazy("Containing"), required=False, max_length=100,
                           widget=forms.TextInput(attrs={"class": "utrecht-textbox",
                                                         "type": "search"}))
    groep = forms.ChoiceField(label=gettext_lazy("Only respondents in"), required=False)

    def __init__(self, data: Any, dataset: Dataset) -> None:
        super().__init__(data)
        self.fields["vraag"].choices = [(name, short_label(label, name))
                                        for name, label in text_questions(dataset)]
        self.fields["groep"].choices = [("", _("everyone"))] + [
            (key, short_label(label, key.split(":", 1)[0], 80))
            for key, label in subgroups(dataset)]


class QuotePickForm(forms.Form):
    """The answers picked as quotes, and the theme they illustrate."""

    thema = forms.CharField(label=gettext_lazy("Theme"), max_length=100,
                            help_text=gettext_lazy("The report shows the quotes under this "
                                                   "theme, e.g. 'Aansluiten bij inwoners'."),
                            widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    citaat = forms.MultipleChoiceField(label=gettext_lazy("Quotes"),
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, data: Any, answers: Sequence[tuple[str, int]]) -> None:
        super().__init__(data)
        self.fields["citaat"].choices = [
            (text, text if count == 1 else f"{text} ({count}×)") for text, count in answers]


class SettingsForm(forms.Form):
    """The report's own words and its banner: the top of the definition."""

    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=300)
    subtitle = forms.CharField(label=gettext_lazy("Subtitle"), required=False, max_length=300)
    author = forms.CharField(label=gettext_lazy("Author (research agency)"), required=False,
                             max_length=200)
    client = forms.CharField(label=gettext_lazy("Client"), required=False, max_length=200)
    population = forms.CharField(
        label=gettext_lazy("Who answered, in one word"), required=False, max_length=100,
        help_text=gettext_lazy("Used in the findings: 'ruim vier op de tien ambtenaren (44%)'."))
    banner = forms.ChoiceField(label=gettext_lazy("Columns of every table (banner)"),
                               required=False)
    introduction = forms.CharField(label=gettext_lazy("Reason for the research"), required=False,
                                   max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}))
    research_questions = forms.CharField(label=gettext_lazy("Research questions"),
                                         required=False, max_length=20_000,
                                         widget=forms.Textarea(attrs={"rows": 4}))
    summary = forms.CharField(label=gettext_lazy("Opening text of the key findings"),
                              required=False, max_length=20_000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    draft = forms.BooleanField(label=gettext_lazy("Draft: mark the drafted texts as such"),
                               required=False)

    def __init__(self, data: Any, *, definition: ReportDefinition, form: Form) -> None:
        named = [b.name for b in definition.banners if b.name not in ("default", "cli")]
        singles = [(q.name, short_label(text_in(q.label, form.default_language) or q.name,
                                        q.name, 80))
                   for q in form.questions() if q.type == "select_one"]
        banner = ""
        if definition.banner in named:
            banner = f"banner:{definition.banner}"
        elif definition.banner == "default":
            spec = definition.banner_named("default")
            banner = spec.columns[0] if spec is not None and len(spec.columns) == 1 else ""
        super().__init__(data, initial={
            "title": definition.title, "subtitle": definition.subtitle,
            "author": definition.author, "client": definition.client,
            "population": definition.population, "banner": banner,
            "introduction": definition.text("introduction"),
            "research_questions": definition.text("research_questions"),
            "summary": definition.text("summary"), "draft": definition.draft})
        default = default_banner(form)
        self.fields["banner"].choices = (
            [("", _("default: %(question)s") % {"question": dict(singles)[default[0]]}
              if default else _("none (the total only)"))]
            + [(f"banner:{name}", _("banner '%(name)s' of the definition") % {"name": name})
               for name in named] + singles)
        for name in ("title", "subtitle", "author", "client", "population"):
            self.fields[name].widget.attrs["class"] = "utrecht-textbox"
        for name in ("introduction", "research_questions", "summary"):
            self.fields[name].widget.attrs["class"] = "utrecht-textarea"

    def values(self) -> dict[str, Any]:
        """The definition's top-level keys as the form sets them."""
        data = self.cleaned_data
        banner = data["banner"]
        return {
            **{k: " ".join(data[k].split()) for k in ("title", "subtitle", "author", "client")},
            "population": " ".join(data["population"].split()) or None,
            "banner": (banner.removeprefix("banner:") if banner.startswith("banner:")
                       else [banner] if banner else None),
            "texts": {k: data[k].strip() for k in ("introduction", "research_questions",
                                                    "summary")},
            "draft": None if data["draft"] else False,
        }


class ChapterForm(forms.Form):
    """One chapter of the results: its title and its tables."""

    title = forms.CharField(label=gettext_lazy("Chapter title"), required=False,
                            max_length=200,
                            widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    tables = forms.MultipleChoiceField(
        label=gettext_lazy("Tables"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "class": "utrecht-select"}))

    def __init__(self, *args: Any, items: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tables"].choices = list(items)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("tables") and not (cleaned.get("title") or "").strip():
            raise forms.ValidationError(_("A chapter with tables needs a title."))
        return cleaned


ChapterFormSet = forms.formset_factory(ChapterForm, extra=1, can_order=True, max_num=40,
                                       validate_max=True)


class ShareForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("For (optional)"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"class": "utrecht-textbox"}))
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1,
                              max_value=365, initial=SHARE_DAYS,
                              widget=forms.NumberInput(attrs={"class": "utrecht-textbox"}))


def _fieldwork(request: HttpRequest, slug: str, action: str = "report.view") -> Fieldwork:
    return object_for(request.user, action,
                      Fieldwork.objects.select_related("form_version__questionnaire"),
                      slug=slug)


def _current(fieldwork: Fieldwork) -> ReportDefinitionVersion | None:
    return definition_version(fieldwork=fieldwork)


def _problems(text: str, fieldwork: Fieldwork) -> list[str]:
    """Every problem of a definition text, against the fieldwork's questionnaire."""
    try:
        definition = parse_definition(text, source="definitie")
        # A fieldwork's report knows its sources from the responses themselves, so the
        # definition's source column (for data files) needs no question of that name.
        extra = [name for name in (definition.source_variable,) if name]
        check_definition(definition, fieldwork.form_version.form, extra=extra)
    except DefinitionError as error:
        return [str(problem) for problem in error.problems]
    return []


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def report_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's report definition (POST saves a new version), its builds and their links."""
    fieldwork = _fieldwork(request, slug, "results.edit" if request.method == "POST"
                           else "report.view")
    current = _current(fieldwork)
    form = DefinitionForm(request.POST or None, request.FILES or None,
                          initial={"text": current.text if current else ""})
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            text = form.cleaned_data["text"].strip()
            problems = _problems(text, fieldwork) if text else []
            if not problems:
                _save(request, fieldwork, text)
                return redirect("web:report_builder", fieldwork.slug)
        status = 400
    builds = (ReportBuild.objects.filter(fieldwork=fieldwork)
              .select_related("definition").prefetch_related("shares"))[:20]
    return render(request, "web/reports/builder.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "form": form,
        "problems": problems, "current": current, "builds": builds,
        "versions": ReportDefinitionVersion.objects.filter(
            questionnaire_id=fieldwork.form_version.questionnaire_id).defer("text")[:10],
        "share_form": ShareForm(), "formats": FORMAT_LABELS, "now": timezone.now(),
    }, status=status)


def _save(request: HttpRequest, fieldwork: Fieldwork, text: str) -> None:
    """Save a checked definition text as the study's next version, and say so."""
    version = definition_save(fieldwork.form_version.questionnaire, text, request.user)
    if version is None:
        messages.info(request, _("The definition did not change."))
    else:
        messages.success(request, _("Version %(number)s of the definition was saved.")
                         % {"number": version.number})


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def quotes_picker(request: HttpRequest, slug: str) -> HttpResponse:
    """Search the answers to an open question, filtered by subgroup, and add the ones picked
    to the report definition as quotes under a theme (a new version of the definition)."""
    fieldwork = _fieldwork(request, slug, "results.edit" if request.method == "POST"
                           else "report.view")
    context: dict[str, Any] = {"fieldwork": fieldwork,
                               "study": fieldwork.form_version.questionnaire}
    dataset = page_dataset(request, fieldwork, "web/reports/quotes.html", context)
    if isinstance(dataset, HttpResponse):
        return dataset
    search = QuoteSearchForm(request.GET if "vraag" in request.GET else None, dataset)
    context.update(search=search, current=_current(fieldwork))
    status = 200
    if search.is_bound and not search.is_valid():
        return render(request, "web/reports/quotes.html", context, status=400)
    if not search.is_bound:
        return render(request, "web/reports/quotes.html", context)
    choice = search.cleaned_data
    try:
        found = text_answers(dataset, choice["vraag"], search=choice["zoek"],
                             subgroup=choice["groep"])
    except ChoiceError as error:
        context["problems"] = error.problems
        return render(request, "web/reports/quotes.html", context, status=400)
    pick = QuotePickForm(request.POST if request.method == "POST" else None,
                         found.answers)
    if pick.is_bound:
        if pick.is_valid():
            current = context["current"]
            text = with_quotes(current.text if current else "", fieldwork.form_version.form,
                               choice["vraag"], " ".join(pick.cleaned_data["thema"].split()),
                               pick.cleaned_data["citaat"]).strip()
            problems = _problems(text, fieldwork)
            if not problems:
                _save(request, fieldwork, text)
                return redirect(request.get_full_path())
            context["problems"] = problems
        status = 400
    context.update(found=found, pick=pick)
    return render(request, "web/reports/quotes.html", context, status=status)


@researcher_page("results.edit")
@require_POST
def coded_quotes_add(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """Put quotes by theme of a coded open question in the report (a new version of the
    definition): per code its share and quotes, suggested until picked."""
    fieldwork = _fieldwork(request, slug, "results.edit")
    form = fieldwork.form_version.form
    if not Codebook.objects.filter(fieldwork=fieldwork, question=question).exists():
        raise Http404("no codebook")
    current = _current(fieldwork)
    before = current.text if current else ""
    text = with_coded_quotes(before, form, question, "Citaten per thema").strip()  # report: Dutch
    problems = _problems(text, fieldwork)
    if problems:
        messages.error(request, problems[0])
    elif text == before.strip():
        messages.info(request, _("The report has quotes by theme of this question already."))
    else:
        _save(request, fieldwork, text)
    return redirect("web:coding", fieldwork.slug, question)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD", "POST"])
def report_outline(request: HttpRequest, slug: str) -> HttpResponse:
    """The definition without YAML: the report's words and banner, and its chapters with
    their tables (added, removed, reordered). Each save is a new version of the definition;
    what these forms do not show (nets, charts, quotes, texts of a chapter) is kept."""
    fieldwork = _fieldwork(request, slug, "results.edit" if request.method == "POST"
                           else "report.view")
    form = fieldwork.form_version.form
    current = _current(fieldwork)
    text = current.text if current else ""
    try:
        definition = parse_definition(text) if text.strip() else ReportDefinition()
    except DefinitionError:
        definition = None
    context: dict[str, Any] = {"fieldwork": fieldwork,
                               "study": fieldwork.form_version.questionnaire, "current": current}
    if definition is None:  # only a version saved before a change of the checks
        context["broken"] = True
        return render(request, "web/reports/outline.html", context, status=409)
    part = request.POST.get("part") if request.method == "POST" else None
    items = outline_items(form, definition)
    settings = SettingsForm(request.POST if part == "settings" else None,
                            definition=definition, form=form)
    chapters = ChapterFormSet(
        request.POST if part == "chapters" else None, prefix="hoofdstuk",
        initial=[{"title": title, "tables": tables, "ORDER": i + 1}
                 for i, (title, tables) in enumerate(outline(form, definition))],
        form_kwargs={"items": items})
    status = 200
    if part == "settings" and settings.is_valid():
        new = with_settings(text, settings.values()).strip()
    elif part == "chapters" and chapters.is_valid():
        chosen = [(" ".join(f.cleaned_data["title"].split()), f.cleaned_data["tables"])
                  for f in chapters.ordered_forms
                  if f.cleaned_data.get("title", "").strip()]
        new = with_outline(text, form, chosen).strip()
    else:
        new = None
        status = 400 if part else 200
    if new is not None:
        problems = _problems(new, fieldwork)
        if not problems:
            _save(request, fieldwork, new)
            return redirect("web:report_outline", fieldwork.slug)
        context["problems"] = problems
        status = 400
    context.update(settings=settings, chapters=chapters)
    return render(request, "web/reports/outline.html", context, status=status)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def definition_file(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A version of the definition as a YAML file (to edit elsewhere and import again)."""
    fieldwork = _fieldwork(request, slug)
    version = object_for(request.user, "report.view", ReportDefinitionVersion.objects.filter(
        questionnaire_id=fieldwork.form_version.questionnaire_id), number=number)
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rapport-{fieldwork.slug}-v{version.number}.yaml"')
    return response


@researcher_page("report.view")
@require_POST
def build_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Build the report now, with the current definition, in the background."""
    fieldwork = _fieldwork(request, slug)
    current = _current(fieldwork)
    job = job_start(kind="report_build", organisation=organisation_of(request.user),
                    user=request.user, action="report.view",
                    title=_("Report of %(fieldwork)s") % {"fieldwork": fieldwork.name},
                    payload={"fieldwork": fieldwork.pk,
                             "definition": current.pk if current else None},
                    back_url=reverse("web:report_builder", args=[fieldwork.slug]))
    return redirect("web:job", job.pk)


def _build(request: HttpRequest, build_id: int) -> ReportBuild:
    return object_for(request.user, "report.view", ReportBuild.objects.select_related(
        "fieldwork__form_version__questionnaire"), pk=build_id)


def _file_response(build: ReportBuild, fmt: str) -> HttpResponse:
    """A file of a build, as a download."""
    file = ReportFile.objects.filter(build=build, format=fmt).exclude(format=PAGE).first()
    if file is None:
        raise Http404("no such file")
    response = HttpResponse(bytes(file.data), content_type=file.media_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


def _page_context(build: ReportBuild) -> dict[str, Any]:
    """The build's report as the page shows it, and the formats it can be downloaded in."""
    files = dict(ReportFile.objects.filter(build=build).values_list("format", "data"))
    page = files.pop(PAGE, None)
    return {"build": build, "formats": [(fmt, label) for fmt, label in FORMAT_LABELS.items()
                                        if fmt in files],
            # Our own template's output (reports/_body.html, escaped when it was made).
            "body": mark_safe(bytes(page).decode("utf-8")) if page else ""}  # noqa: S308


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def build_page(request: HttpRequest, build_id: int) -> HttpResponse:
    """A kept build: its report as it was built, and its files."""
    build = _build(request, build_id)
    return render(request, "web/reports/build.html", {
        **_page_context(build), "fieldwork": build.fieldwork,
        "study": build.fieldwork.form_version.questionnaire,
        "findings": _findings(build), "finding_form": FindingForm(),
        "may_edit": user_may(request.user, "results.edit", build.fieldwork)})


def _findings(build: ReportBuild) -> list[dict[str, Any]]:
    """The key findings of a build (from its JSON file), each with what it stands on."""
    file = ReportFile.objects.filter(build=build, format="json").first()
    if file is None:
        return []
    found = []
    for group in json.loads(bytes(file.data)).get("findings", []):
        for sentence, note in zip(group["sentences"], group.get("notes", []), strict=False):
            found.append({"headline": group["headline"], "text": sentence, **note})
    return found


@researcher_page("results.edit")
@require_POST
def finding_edit(request: HttpRequest, build_id: int) -> HttpResponse:
    """Rewrite a key finding of a build (or put the drafted one back): saved in a new version
    of the definition, with the numbers the build showed, so that it survives rebuilds and
    is flagged when they change."""
    build = object_for(request.user, "results.edit", ReportBuild.objects.select_related(
        "fieldwork__form_version__questionnaire"), pk=build_id)
    fieldwork = build.fieldwork
    form = FindingForm(request.POST)
    finding = next((f for f in _findings(build) if f["key"] == request.POST.get("key")), None)
    if finding is None:
        return HttpResponse(_("This build has no such key finding."), status=400,
                            content_type="text/plain; charset=utf-8")
    if request.POST.get("action") == "reset":
        edited = None
    elif form.is_valid():
        edited = " ".join(form.cleaned_data["text"].split())
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("web:report_build_page", build.pk)
    current = _current(fieldwork)
    text = with_finding(current.text if current else "", finding["key"], edited,
                        finding["numbers"]).strip()
    problems = _problems(text, fieldwork)
    if problems:  # the current definition itself has a problem (the questionnaire changed)
        messages.error(request, " ".join(problems))
        return redirect("web:report_build_page", build.pk)
    _save(request, fieldwork, text)
    messages.info(request, _("Build the report again to see the change in every file."))
    return redirect("web:report_build_page", build.pk)


@researcher_page("report.view")
@require_http_methods(["GET", "HEAD"])
def build_file(request: HttpRequest, build_id: int, fmt: str) -> HttpResponse:
    """A file of a kept build."""
    return _file_response(_build(request, build_id), fmt)


@researcher_page("report.view")
@require_POST
def share_create(request: HttpRequest, build_id: int) -> HttpResponse:
    build = _build(request, build_id)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("web:report_builder", build.fieldwork.slug)
    token = secrets.token_urlsafe(24)
    ReportShare.objects.create(
        build=build, token_hash=_hash(token), label=form.cleaned_data["label"],
        expires_at=timezone.now() + dt.timedelta(days=form.cleaned_data["days"]),
        created_by=request.user)
    link = request.build_absolute_uri(reverse("web:shared_report", args=[token]))
    messages.success(request, _("Share link (shown once; copy it now): %(link)s")
                     % {"link": link})
    return redirect("web:report_builder", build.fieldwork.slug)


@researcher_page("report.view")
@require_POST
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    share = object_for(request.user, "report.view",
                       ReportShare.objects.select_related("build__fieldwork"), pk=share_id)
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    messages.success(request, _("The share link was revoked."))
    return redirect("web:report_builder", share.build.fieldwork.slug)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _shared(token: str) -> ReportShare:
    share = (ReportShare.objects.select_related("build").filter(
        token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first())
    if share is None:
        raise Http404("unknown, expired or revoked link")
    return share


@require_http_methods(["GET", "HEAD"])
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """What a client with the link sees: the finished report and its downloads, nothing
    else."""
    share = _shared(token)
    response = render(request, "web/reports/shared.html",
                      {**_page_context(share.build), "share": share, "token": token})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def shared_file(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    response = _file_response(_shared(token).build, fmt)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path("veldwerk/<slug:slug>/rapportbouwer/", report_builder, name="report_builder"),
    path("veldwerk/<slug:slug>/rapportbouwer/definitie-<int:number>.yaml", definition_file,
         name="report_definition_file"),
    path("veldwerk/<slug:slug>/rapportbouwer/maken/", build_start, name="report_build_start"),
    path("veldwerk/<slug:slug>/rapportbouwer/citaten/", quotes_picker, name="report_quotes"),
    path("veldwerk/<slug:slug>/rapportbouwer/citaten-per-thema/<str:question>/",
         coded_quotes_add, name="report_coded_quotes"),
    path("veldwerk/<slug:slug>/rapportbouwer/opzet/", report_outline, name="report_outline"),
    path("rapportversies/<int:build_id>/", build_page, name="report_build_page"),
    path("rapportversies/<int:build_id>/bestand/<slug:fmt>", build_file,
         name="report_build_file"),
    path("rapportversies/<int:build_id>/kernpunt/", finding_edit, name="report_finding_edit"),
    path("rapportversies/<int:build_id>/delen/", share_create, name="report_share_create"),
    path("deellinks/<int:share_id>/intrekken/", share_revoke, name="report_share_revoke"),
    path("gedeeld/<str:token>/", shared_report, name="shared_report"),
    path("gedeeld/<str:token>/bestand/<slug:fmt>", shared_file, name="shared_file"),
]
