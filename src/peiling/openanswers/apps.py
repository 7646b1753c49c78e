from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenAnswersConfig(AppConfig):
    name = "peiling.openanswers"
    label = "openanswers"
    verbose_name = _("open answers")

    def ready(self) -> None:
        from peiling.openanswers import tasks  # noqa: F401  (registers its job handlers)
