"""The invitation and reminder e-mail of a fieldwork: edit the wording with a live preview
(htmx; without JavaScript a button shows it), send a test to oneself, save or go back to the
standard text."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peiling.accounts.permissions import object_for, researcher_page
from peiling.fieldwork.models import Fieldwork
from peiling.fieldwork.selectors import respondent_languages
from peiling.panel import mailing
from peiling.panel.errors import PanelError
from peiling.panel.mail import PLACEHOLDERS, default_text, message_text_problems
from peiling.panel.models import MessageText


class MessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 16}),
                           max_length=10_000)

    def __init__(self, *args, preview_url: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        live = {"hx-post": preview_url, "hx-trigger": "input changed delay:500ms",
                "hx-target": "#preview", "hx-include": "closest form"}
        for field in self.fields.values():
            field.widget.attrs.update(live)

    def clean(self):
        cleaned = super().clean()
        if "subject" in cleaned and "body" in cleaned:
            for problem in message_text_problems(cleaned["subject"], cleaned["body"]):
                self.add_error(None, problem)
        return cleaned


def _context(request: HttpRequest, slug: str, kind: str):
    if kind not in MessageText.Kind.values:
        raise Http404(kind)
    fieldwork = object_for(request.user, "panel.manage",
                           Fieldwork.objects.select_related("form_version__questionnaire"),
                           slug=slug)
    languages = respondent_languages(form=fieldwork.form_version.form)
    codes = [code for code, _name in languages] or ["nl"]
    language = request.POST.get("taal") or request.GET.get("taal") or codes[0]
    if language not in codes:
        raise Http404(language)
    return fieldwork, languages, language


def _preview(fieldwork: Fieldwork, kind: str, language: str, data, user):
    return mailing.message_preview(
        fieldwork=fieldwork, kind=kind, language=language, subject=data["subject"],
        body=data["body"], to=user.email, name=user.get_full_name())


@researcher_page("panel.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def message_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    fieldwork, languages, language = _context(request, slug, kind)
    preview_url = reverse("web:message_preview", args=[slug, kind])
    stored = MessageText.objects.filter(fieldwork=fieldwork, kind=kind,
                                        language=language).first()
    if stored is not None:
        initial = {"subject": stored.subject, "body": stored.body}
    else:
        subject, body = default_text(reminder=kind == MessageText.Kind.REMINDER,
                                     language=language)
        initial = {"subject": subject, "body": body}
    form = MessageForm(request.POST or None, initial=initial, preview_url=preview_url)
    action = request.POST.get("action", "")
    status = 200
    if request.method == "POST" and action == "reset":
        mailing.message_text_reset(fieldwork=fieldwork, kind=kind, language=language)
        messages.success(request, _("The standard text is used again."))
        return redirect(f"{request.path}?taal={language}")
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif action == "save":
            try:
                mailing.message_text_set(fieldwork=fieldwork, kind=kind, language=language,
                                         user=request.user, **form.cleaned_data)
            except PanelError as error:
                for problem in error.problems:
                    form.add_error(None, problem)
                status = 400
            else:
                messages.success(request, _("The text was saved; every message from now on "
                                            "uses it."))
                return redirect(f"{request.path}?taal={language}")
        elif action == "test":
            message = _preview(fieldwork, kind, language, form.cleaned_data, request.user)
            message.subject = "[TEST] " + message.subject
            message.send()
            messages.success(request, _("A test message was sent to %(email)s.")
                             % {"email": request.user.email})
    data = form.cleaned_data if form.is_bound and form.is_valid() else initial
    preview = None if form.is_bound and not form.is_valid() else _preview(
        fieldwork, kind, language, data, request.user)
    return render(request, "web/emails/edit.html", {
        "fieldwork": fieldwork, "study": fieldwork.form_version.questionnaire, "kind": kind,
        "kind_label": MessageText.Kind(kind).label, "form": form, "preview": preview,
        "languages": languages, "language": language, "custom": stored is not None,
        "placeholders": ["{" + name + "}" for name in PLACEHOLDERS]}, status=status)


@researcher_page("panel.manage")
@require_POST
def message_preview(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """The live preview (htmx): the message as rendered, or what is wrong with the text."""
    fieldwork, _languages, language = _context(request, slug, kind)
    form = MessageForm(request.POST, preview_url="")
    preview = (_preview(fieldwork, kind, language, form.cleaned_data, request.user)
               if form.is_valid() else None)
    return render(request, "web/emails/_preview.html", {"form": form, "preview": preview},
                  status=200 if preview else 400)


urlpatterns = [
    path("veldwerk/<slug:slug>/berichten/<str:kind>/", message_edit, name="message_edit"),
    path("veldwerk/<slug:slug>/berichten/<str:kind>/voorbeeld/", message_preview,
         name="message_preview"),
]
