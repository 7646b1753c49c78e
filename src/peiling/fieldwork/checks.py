"""System checks of fieldwork (ids ``peiling.W1xx``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.checks import Tags, Warning, register

#: The stylesheets the respondent pages load, from npm packages (see package.json).
NL_DESIGN_SYSTEM_CSS = (
    "nl-design-system/utrecht/index.css",
    "nl-design-system/voorbeeld-design-tokens/theme.css",
)


@register(Tags.staticfiles)
def check_nl_design_system(app_configs, **kwargs):
    """Warn when the NL Design System CSS from npm is missing: the respondent pages would be
    unstyled (still usable, but not as designed)."""
    missing = [path for path in NL_DESIGN_SYSTEM_CSS if not finders.find(path)]
    if not missing:
        return []
    return [Warning(
        f"The NL Design System stylesheets are missing: {', '.join(missing)}.",
        hint=f"Run `npm ci` in the project directory, or point PEILING_NODE_MODULES at an "
             f"installed node_modules (now {getattr(settings, 'PEILING_NODE_MODULES', None)}).",
        id="peiling.W101",
    )]
