"""Widget settings from the environment: which portal pages may embed it.

``DAOFU_WIDGET_ORIGINS`` (:attr:`daofu.config.Settings.widget_origins`) is a comma-separated list
of origins (``https://www.ningbo.gov.cn``) whose pages may open the widget's WebSocket and read
its history; ``*`` (the default) allows any page, which suits a demo and a portal whose pages live
on many hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from daofu.config import Settings, SettingsError

ENV_NAME = "DAOFU_WIDGET_ORIGINS"


@dataclass(frozen=True)
class WidgetSettings:
    origins: tuple[str, ...] = ("*",)

    @property
    def any_origin(self) -> bool:
        return "*" in self.origins

    def allows(self, origin: str | None) -> bool:
        """Whether a request from ``origin`` may talk to the widget (no Origin header: not a browser page)."""
        return self.any_origin or not origin or origin.rstrip("/") in self.origins

    def cors_headers(self, origin: str | None) -> dict[str, str]:
        if self.any_origin:
            return {"Access-Control-Allow-Origin": "*"}
        if origin and self.allows(origin):
            return {"Access-Control-Allow-Origin": origin.rstrip("/"), "Vary": "Origin"}
        return {"Vary": "Origin"}


def parse_origins(raw: str) -> tuple[str, ...]:
    """``"https://a.example, https://b.example"`` → the origins; ``""`` or ``"*"`` → any origin."""
    items = [item.strip().rstrip("/") for item in raw.split(",") if item.strip()]
    if not items or "*" in items:
        return ("*",)
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise SettingsError(
                ENV_NAME,
                f"{item!r} is not an origin; write scheme://host[:port], e.g. "
                "https://www.ningbo.gov.cn, separated by commas, or * for any page",
            )
    return tuple(items)


def load_widget_settings(settings: Settings) -> WidgetSettings:
    return WidgetSettings(origins=parse_origins(settings.widget_origins))
