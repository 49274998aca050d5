"""Bot messages (docs/messages.md) in the one shape the widget's script renders.

The widget gets bot messages from two places — live from the REST channel, and later from Rasa's
tracker when a page reload rebuilds the conversation — and both go through :func:`bot_message`, so
the script has a single shape to render and a single place where untrusted content is checked:

* ``{"from": "bot", "text"?: str, "buttons"?: [{"title", "payload"}], "custom"?: {…}}``
* ``{"from": "user", "text": str}``

Only strings survive where strings are expected, lists are capped, and every URL that is not
``http(s)`` is dropped, so a malformed action or a hostile tracker entry cannot smuggle a
``javascript:`` link into the page. Escaping itself is the script's job (it builds the page with
``textContent``, never with HTML).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

WidgetMessage = dict[str, Any]

MAX_BUTTONS = 12
MAX_TEXT_CHARS = 4000
MAX_LIST_ITEMS = 30
# Custom payload fields that hold links; anything else that is not http(s) there is removed.
URL_FIELDS = ("url",)


def safe_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    candidate = value.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return candidate


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value[:MAX_TEXT_CHARS]
    return None


def buttons_of(value: Any) -> list[dict[str, str]]:
    """Buttons with a string title and payload; others are left out."""
    out: list[dict[str, str]] = []
    if not isinstance(value, list):
        return out
    for item in value[:MAX_BUTTONS]:
        if not isinstance(item, dict):
            continue
        title, payload = item.get("title"), item.get("payload")
        if isinstance(title, str) and title.strip() and isinstance(payload, str) and payload:
            out.append({"title": title[:200], "payload": payload[:2000]})
    return out


def _clean(value: Any, depth: int = 0) -> Any:
    """JSON values only, lists and nesting capped: the custom payload as the script may see it."""
    if depth > 4:
        return None
    if isinstance(value, str):
        return value[:MAX_TEXT_CHARS]
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value[:MAX_LIST_ITEMS]]
    if isinstance(value, dict):
        return {str(key)[:64]: _clean(item, depth + 1) for key, item in list(value.items())[:64]}
    return None


def custom_of(value: Any) -> dict[str, Any] | None:
    """A custom payload with a string ``type``, cleaned, its links kept only when http(s)."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return None
    custom = _clean(value)
    for field in URL_FIELDS:
        if field in custom:
            url = safe_url(custom[field])
            if url is None:
                del custom[field]
            else:
                custom[field] = url
    if not isinstance(custom.get("text"), str):
        custom["text"] = ""
    return custom


def bot_message(text: Any = None, buttons: Any = None, custom: Any = None) -> WidgetMessage | None:
    """One bot message for the widget, or None when nothing in it can be shown."""
    message: WidgetMessage = {"from": "bot"}
    if (clean_text := _text(text)) is not None:
        message["text"] = clean_text
    if clean_buttons := buttons_of(buttons):
        message["buttons"] = clean_buttons
    if (clean_custom := custom_of(custom)) is not None:
        message["custom"] = clean_custom
    return message if len(message) > 1 else None


def from_rest(messages: list[dict[str, Any]]) -> list[WidgetMessage]:
    """The REST channel's answer (``[{"recipient_id", "text"?, "buttons"?, "custom"?}]``) for the widget."""
    out = []
    for item in messages:
        if isinstance(item, dict):
            message = bot_message(item.get("text"), item.get("buttons"), item.get("custom"))
            if message is not None:
                out.append(message)
    return out


def user_message(text: str) -> WidgetMessage:
    return {"from": "user", "text": text[:MAX_TEXT_CHARS]}
