from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "peiling.fieldwork"
    verbose_name = _("Fieldwork")

    def ready(self) -> None:
        from peiling.fieldwork import checks  # noqa: F401  (registers the system checks)
