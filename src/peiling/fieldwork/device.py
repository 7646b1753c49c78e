"""The device class of a respondent, from the User-Agent header: pure Python, no Django.

Coarse on purpose (mobile, tablet, desktop, unknown): enough to report response by device,
too little to fingerprint anyone. Nothing else of the header is kept.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["DeviceClass", "device_class"]

DeviceClass = Literal["mobile", "tablet", "desktop", "unknown"]

_TABLET = re.compile(r"iPad|Tablet|PlayBook|Silk|Kindle|Android(?!.*Mobile)", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|Opera Mini", re.IGNORECASE)
_DESKTOP = re.compile(r"Windows NT|Macintosh|X11|Linux|CrOS", re.IGNORECASE)


def device_class(user_agent: str) -> DeviceClass:
    """Return the device class a User-Agent string names (``unknown`` when it names none)."""
    agent = user_agent[:512]
    if _TABLET.search(agent):
        return "tablet"
    if _MOBILE.search(agent):
        return "mobile"
    if _DESKTOP.search(agent):
        return "desktop"
    return "unknown"
