"""The message contract between the dialogue and the channels: what a bot message can be.

The custom actions (``bot/actions``) build these messages; Rasa carries them as its REST
channel's output (``text`` + ``buttons``, or ``custom``); every channel reads them back with
:func:`from_wire` and renders them in its own idiom (widget frame, WeChat text or news card,
agent transcript). The dataclasses below are the one definition of each shape; docs/messages.md
describes them (``tests/test_messages_doc.py`` holds the two together).

:func:`from_wire` is also the one place where untrusted content is checked on the way out: only
strings where strings are expected, lists and texts capped, links kept only when they are
absolute http(s) (:func:`safe_link`), so a malformed action or a hostile tracker entry cannot
smuggle a ``javascript:`` link into a page. Escaping is the renderer's job.

Example::

    card = Text("您要办理的是哪一项？", (Button("1. 居民身份证换领", "/choose_option{…}"),))
    wire = to_wire(card)          # {"text": "…", "buttons": [{"title": …, "payload": …}]}
    from_wire(wire) == card       # True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar
from urllib.parse import urlsplit

MAX_TEXT_CHARS = 4000
MAX_TITLE_CHARS = 200
MAX_PAYLOAD_CHARS = 2000
MAX_BUTTONS = 12
MAX_LIST_ITEMS = 50
MAX_LINK_CHARS = 2048


def safe_link(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) link with a host, else None (never ``javascript:``)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LINK_CHARS:
        return None
    candidate = value.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in candidate):
        return None
    return candidate


def payload(intent: str, **entities: str) -> str:
    """A Rasa payload that bypasses NLU: ``/intent{"entity": "value"}`` (what a button sends)."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


@dataclass(frozen=True)
class Button:
    """A choice: ``title`` is shown, ``payload`` goes back to the dialogue when it is chosen."""

    title: str
    payload: str


@dataclass(frozen=True)
class Text:
    """Plain text, optionally with buttons."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Online:
    """Whether a guide can be handled on the web, in the 浙里办 app, and how many visits it needs."""

    web: bool = False
    mobile: bool = False
    zero_visit: bool = False
    max_visits: int = 1


@dataclass(frozen=True)
class Custom:
    """Base of the custom payloads: each has a ``type`` and a plain ``text`` every channel can show."""

    type: ClassVar[str] = ""
    text: str


@dataclass(frozen=True)
class GuideCard(Custom):
    """One guide, summarised: what, where, who, how long, how much, online, first materials.

    ``district_pending`` marks a card shown before the person's district is known, for a matter
    whose guides ask the same everywhere: it tells what to prepare, and leaves ``region``,
    ``department``, ``address``, ``phone`` and ``form_url`` empty until the district is chosen.
    """

    type: ClassVar[str] = "guide_card"
    guide_id: str
    matter_code: str
    name: str
    region: str
    department: str = ""
    promised_days: int = 0
    legal_days: int = 0
    fee: str = ""
    address: str = ""
    phone: str = ""
    online: Online = field(default_factory=Online)
    materials: tuple[str, ...] = ()
    form_url: str | None = None
    demo: bool = False
    district_pending: bool = False


@dataclass(frozen=True)
class FormHandoff(Custom):
    """Go to the application form; ``form_url`` already carries ``prefill`` as query parameters."""

    type: ClassVar[str] = "form_handoff"
    guide_id: str
    matter_code: str
    name: str
    region: str
    form_url: str
    prefill: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RatingOption:
    level: int
    title: str
    payload: str


@dataclass(frozen=True)
class RatingRequest(Custom):
    """好差评: five levels, best first; the chosen option's payload goes back to the dialogue."""

    type: ClassVar[str] = "rating_request"
    options: tuple[RatingOption, ...] = ()


@dataclass(frozen=True)
class HumanHandoff(Custom):
    """The conversation was handed to a person; the hand-off is recorded for the agent console."""

    type: ClassVar[str] = "human_handoff"
    handoff_id: int
    reason: str
    matter_code: str | None = None
    summary: str = ""
    position: int = 0  # place in the queue, 1 = next; 0 when not queued
    wait_minutes: int = 0  # expected wait, 0 when not known


@dataclass(frozen=True)
class AgentJoined(Custom):
    """A person (hotline agent) has taken the conversation."""

    type: ClassVar[str] = "agent_joined"
    agent: str = ""


@dataclass(frozen=True)
class AgentText(Custom):
    """What the agent wrote; shown as coming from a person, not from the assistant."""

    type: ClassVar[str] = "agent_text"
    agent: str = ""


@dataclass(frozen=True)
class AgentLeft(Custom):
    """The agent gave the conversation back to the assistant."""

    type: ClassVar[str] = "agent_left"
    agent: str = ""


BotMessage = Text | GuideCard | FormHandoff | RatingRequest | HumanHandoff | AgentJoined | AgentText | AgentLeft
CUSTOM_TYPES: dict[str, type[Custom]] = {
    kind.type: kind for kind in (GuideCard, FormHandoff, RatingRequest, HumanHandoff, AgentJoined, AgentText, AgentLeft)
}


# --- to the wire (what the actions hand to Rasa) ---------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def custom_json(message: Custom) -> dict[str, Any]:
    """A custom payload as JSON: its fields plus ``type``."""
    return {"type": message.type, **_plain(asdict(message))}


def to_wire(message: BotMessage) -> dict[str, Any]:
    """The message as Rasa's REST channel carries it: ``{"text", "buttons"}`` or ``{"custom"}``."""
    if isinstance(message, Text):
        wire: dict[str, Any] = {"text": message.text}
        if message.buttons:
            wire["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
        return wire
    return {"custom": custom_json(message)}


# --- from the wire (what the channels read back; untrusted) ---------------------------------


def _string(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _buttons(value: Any) -> tuple[Button, ...]:
    if not isinstance(value, list):
        return ()
    found = []
    for item in value[:MAX_BUTTONS]:
        if isinstance(item, Mapping):
            title, target = item.get("title"), item.get("payload")
            if isinstance(title, str) and title.strip() and isinstance(target, str) and target:
                found.append(Button(title[:MAX_TITLE_CHARS], target[:MAX_PAYLOAD_CHARS]))
    return tuple(found)


def _value_for(name: str, annotation: str, raw: Any) -> Any:
    """One field of a custom payload, coerced to its declared type or to a safe empty value."""
    if name.endswith("url"):
        return safe_link(raw)
    if annotation == "bool":
        return raw if isinstance(raw, bool) else False
    if annotation in ("int", "int | None"):
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) < 2**53:
            return raw
        return None if annotation.endswith("None") else 0
    if annotation == "str | None":
        return _string(raw) or None
    if annotation == "str":
        return _string(raw)
    if annotation == "tuple[str, ...]":
        return (
            tuple(_string(item, MAX_TITLE_CHARS) for item in raw[:MAX_LIST_ITEMS] if isinstance(item, str))
            if isinstance(raw, list)
            else ()
        )
    if annotation == "Online":
        data = raw if isinstance(raw, Mapping) else {}
        visits = data.get("max_visits")
        return Online(
            web=data.get("web") is True,
            mobile=data.get("mobile") is True,
            zero_visit=data.get("zero_visit") is True,
            max_visits=visits if isinstance(visits, int) and not isinstance(visits, bool) and 0 <= visits < 100 else 1,
        )
    if annotation == "Mapping[str, str]":
        data = raw if isinstance(raw, Mapping) else {}
        return {
            str(key)[:64]: item[:MAX_TITLE_CHARS]
            for key, item in list(data.items())[:MAX_LIST_ITEMS]
            if isinstance(item, str)
        }
    if annotation == "tuple[RatingOption, ...]":
        options = []
        for item in raw[:MAX_BUTTONS] if isinstance(raw, list) else []:
            if not isinstance(item, Mapping):
                continue
            level, title, target = item.get("level"), item.get("title"), item.get("payload")
            if isinstance(level, int) and isinstance(title, str) and title and isinstance(target, str) and target:
                options.append(RatingOption(level, title[:MAX_TITLE_CHARS], target[:MAX_PAYLOAD_CHARS]))
        return tuple(options)
    raise TypeError(f"no reader for a field of type {annotation}")  # a contract change without a reader


def _custom(data: Mapping[str, Any]) -> BotMessage | None:
    kind = CUSTOM_TYPES.get(data.get("type")) if isinstance(data.get("type"), str) else None
    text = _string(data.get("text"))
    if kind is None:
        # A type this contract does not know: show its text, if it has one.
        return Text(text) if text.strip() else None
    values = {item.name: _value_for(item.name, str(item.type), data.get(item.name)) for item in fields(kind)}
    if kind in (FormHandoff,) and values.get("form_url") is None:
        return Text(text) if text.strip() else None
    return kind(**values)  # type: ignore[return-value]


def from_wire(raw: Any) -> list[BotMessage]:
    """The messages in one REST-channel item or tracker bot event: text (with buttons) and/or custom.

    One wire item can hold both ``text`` and ``custom``; both are returned, text first. Anything
    that is not a usable message yields nothing.
    """
    if not isinstance(raw, Mapping):
        return []
    data = raw.get("data") if isinstance(raw.get("data"), Mapping) else {}
    text = _string(raw.get("text"))
    buttons = _buttons(raw.get("buttons", data.get("buttons")))
    custom = raw.get("custom", data.get("custom"))
    messages: list[BotMessage] = []
    custom_message = _custom(custom) if isinstance(custom, Mapping) else None
    if (text.strip() or buttons) and not (custom_message is not None and custom_message.text == text):
        messages.append(Text(text, buttons))
    if custom_message is not None:
        messages.append(custom_message)
    return messages


def read_turn(items: Iterable[Any]) -> list[BotMessage]:
    """Every message of one dialogue turn (the REST channel's list), in order."""
    messages: list[BotMessage] = []
    for item in items if isinstance(items, list | tuple) else []:
        messages.extend(from_wire(item))
    return messages


def choices_of(message: BotMessage) -> tuple[Button, ...]:
    """What a message offers to choose: its buttons, or a rating request's options."""
    if isinstance(message, Text):
        return message.buttons
    if isinstance(message, RatingRequest):
        return tuple(Button(option.title, option.payload) for option in message.options)
    return ()
