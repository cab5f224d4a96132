"""The web UI's own frozen configuration, built once from Settings when the app is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from infra.settings import Settings

UI_PREFIX = "/ui"
STATIC_PATH = f"{UI_PREFIX}/static"


@dataclass(frozen=True)
class UiConfig:
    """Idle timeout of a browser session and whether its cookies are Secure (None: when https)."""

    idle: timedelta
    secure_cookies: bool | None


def ui_config(settings: Settings) -> UiConfig:
    """The UI configuration of `settings`."""
    return UiConfig(
        idle=timedelta(minutes=settings.ui_idle_minutes), secure_cookies=settings.ui_secure_cookies
    )
