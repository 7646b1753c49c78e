"""The forms of the researcher web app: they parse and check input, services do the work."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peiling.forms.xlsform import MAX_FILE_BYTES


class XLSFormUpload(forms.Form):
    file = forms.FileField(
        label=_("XLSForm file (.xlsx or .xls)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls"}),
    )

    def clean_file(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; XLSForm files over %(limit)d MB are refused — "
                  "a questionnaire never needs that much.")
                % {"size": upload.size / 1024 / 1024, "limit": MAX_FILE_BYTES // 1024 // 1024})
        return upload.name, upload.read()


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class FieldworkForm(forms.Form):
    version = forms.ModelChoiceField(queryset=None, label=_("Questionnaire version"),
                                     empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=300,
                           help_text=_("As respondents and the report show it, e.g. "
                                       "Digitalisering 2026."))
    slug = forms.SlugField(label=_("Short name"), max_length=100,
                           help_text=_("Letters, digits and hyphens; used in addresses."))
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeInput())

    def __init__(self, *args, versions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda version: (
            f"v{version.number}" + (f" ({version.version})" if version.version else ""))
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("opens_at", now)
            self.initial.setdefault("closes_at", now + dt.timedelta(days=14))
            first = versions.first()
            if first is not None:
                self.initial.setdefault("version", first.pk)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The fieldwork must close after it opens."))
        return cleaned


class ReopenForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("Open until"), widget=DateTimeInput())

    def clean_closes_at(self):
        closes = self.cleaned_data["closes_at"]
        if closes <= timezone.now():
            raise forms.ValidationError(_("Choose a moment in the future."))
        return closes


class OpenLinkForm(forms.Form):
    source = forms.SlugField(label=_("Source tag"), max_length=50,
                             help_text=_("Stored with every response through this link, "
                                         "e.g. nieuwsbrief."))


class QuotaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    condition = forms.CharField(
        label=_("Condition"), max_length=2000,
        help_text=_("An XLSForm expression over answers and profile variables, e.g. "
                    "${org_type} = 'gemeente'."))
    target = forms.IntegerField(label=_("Target (completes)"), min_value=1, max_value=10**7)
    text = forms.CharField(label=_("Text for respondents in a full cell"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class UserForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
