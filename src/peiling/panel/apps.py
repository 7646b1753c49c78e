from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    name = "peiling.panel"
    verbose_name = _("Panels")

    def ready(self) -> None:
        from peiling.panel import (
            checks,  # noqa: F401  (registers the system checks)
            tasks,  # noqa: F401  (registers its resumable tasks)
        )
