from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "peiling.web"
    verbose_name = "peiling"

    def ready(self) -> None:
        from peiling.web import checks  # noqa: F401  (registers the system checks)
