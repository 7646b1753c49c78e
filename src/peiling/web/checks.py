"""System checks for peiling's own settings (ids ``peiling.E…`` / ``peiling.W…``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secure(app_configs, **kwargs):
    if not settings.DEBUG and not settings.SECURE:
        return [
            Warning(
                "PEILING_SECURE is off: cookies go over plain HTTP and HTTPS is not enforced.",
                hint="Set PEILING_SECURE=1 (the default) for any server reachable by others.",
                id="peiling.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_secret_key_source(app_configs, **kwargs):
    """Warn when the key comes from the generated file: on a second host, or after the file
    is lost, a new key is made and every personal and unsubscribe link already mailed breaks."""
    if getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        Warning(
            f"SECRET_KEY is not set: peiling uses the key it generated into "
            f"{settings.VAR_DIR / 'secret_key'}.",
            hint="Set SECRET_KEY in the environment of every server and worker (the same "
            "value everywhere, kept with your backups): personal and unsubscribe links are "
            "signed with it and stop working when it changes.",
            id="peiling.W002",
        )
    ]


@register()
def check_former_var_dir(app_configs, **kwargs):
    """Warn when the working directory holds the ``var/`` an older peiling used by default:
    its secret key signs the links already mailed, and its SQLite file may hold the data."""
    former = getattr(settings, "PEILING_FORMER_VAR_DIR", None)
    if former is None:
        return []
    return [
        Warning(
            f"{former} holds a secret key, but peiling now keeps its files in "
            f"{settings.VAR_DIR} (before 2026-12 the default was var/ in the working "
            "directory).",
            hint=f"To keep the links already mailed and the data, set PEILING_VAR_DIR={former} "
            "(or SECRET_KEY and DATABASE_URL).",
            id="peiling.W003",
        )
    ]


@register()
def check_base_url(app_configs, **kwargs):
    url = settings.PEILING_BASE_URL
    if not url.startswith(("http://", "https://")):
        return [
            Error(
                f"PEILING_BASE_URL must start with http:// or https:// (got {url!r}).",
                hint="Set PEILING_BASE_URL to the address respondents use, "
            "e.g. https://peiling.example.nl.",
                id="peiling.E001",
            )
        ]
    return []
