"""Turn the dialogue's bot messages (docs/messages.md) into one WeChat message.

A passive reply carries exactly one message, and WeChat has no buttons in chat, so a turn becomes:

* a text message: every text in order, then the choices numbered (``回复 1 居民身份证换领``); the
  options are returned alongside so that a later reply "1" can be mapped back to the payload;
* a news (图文) article when the turn hands off to an application form (``form_handoff``): the
  article links to the form; the turn's other texts and choices go into its description.

Custom payloads WeChat cannot show natively (``guide_card``, ``human_handoff``, unknown types) fall
back to their ``text`` field, as docs/messages.md asks of every channel; ``rating_request`` is a
text with its levels as numbered options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from channels.wechat.messages import Article, NewsOut, Outgoing, TextOut

# WeChat cuts text messages at 2048 bytes (UTF-8); stay just under.
MAX_TEXT_BYTES = 2000
MAX_DESCRIPTION_BYTES = 1000
MAX_TITLE_CHARS = 64
MAX_OPTIONS = 20
ELLIPSIS = "…"


@dataclass(frozen=True)
class Option:
    """A numbered choice: what the user sees and what goes back to the dialogue."""

    title: str
    payload: str


@dataclass(frozen=True)
class Rendered:
    """The WeChat message for one turn (``None`` when the dialogue said nothing) and its choices."""

    outgoing: Outgoing | None
    options: tuple[Option, ...] = ()


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, at a character boundary, marking the cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    return cut.rstrip() + ELLIPSIS


def _options_of(items: Any, title_key: str = "title") -> list[Option]:
    options = []
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, dict):
                continue
            title, payload = item.get(title_key), item.get("payload")
            if isinstance(title, str) and title.strip() and isinstance(payload, str) and payload:
                options.append(Option(title.strip(), payload))
    return options


def _custom_text(custom: dict[str, Any]) -> str:
    text = custom.get("text")
    text = text.strip() if isinstance(text, str) else ""
    url = custom.get("url")
    # A guide card's plain text may leave out the link; WeChat makes URLs in text tappable.
    if custom.get("type") == "guide_card" and isinstance(url, str) and url and url not in text:
        text = f"{text}\n在线办理：{url}" if text else url
    return text


def _options_block(options: list[Option]) -> str:
    return "\n".join(f"回复 {number} {option.title}" for number, option in enumerate(options, start=1))


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part)


def _fit(body: str, tail: str, limit: int) -> str:
    """``body`` then ``tail`` within ``limit`` bytes; the body is shortened first so choices survive."""
    if not tail:
        return truncate_bytes(body, limit)
    if not body:
        return truncate_bytes(tail, limit)
    room = limit - len(tail.encode("utf-8")) - 2
    if room < 40:
        return truncate_bytes(f"{body}\n\n{tail}", limit)
    return f"{truncate_bytes(body, room)}\n\n{tail}"


def _handoff_article(handoff: dict[str, Any], description: str) -> Article | None:
    url = handoff.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    name = handoff.get("name") if isinstance(handoff.get("name"), str) else ""
    title = f"前往办理：{name}" if name else "前往办理"
    if not description:
        prefill = handoff.get("prefill") if isinstance(handoff.get("prefill"), dict) else {}
        region = handoff.get("region") or prefill.get("region")
        details = [str(value) for value in (region, prefill.get("applicant_type")) if value]
        description = "点击进入在线申报表单。"
        if details:
            description = f"点击进入在线申报表单，已为您预填{'、'.join(details)}。"
    return Article(title=title[:MAX_TITLE_CHARS], description=description, url=url)


def render(messages: Iterable[dict[str, Any]]) -> Rendered:
    """Render one turn's bot messages; see the module docstring for the rules."""
    texts: list[str] = []
    options: list[Option] = []
    handoffs: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            texts.append(text.strip())
        options += _options_of(message.get("buttons"))
        image = message.get("image")
        if isinstance(image, str) and image:
            texts.append(image)
        custom = message.get("custom")
        if not isinstance(custom, dict):
            continue
        kind = custom.get("type")
        if kind == "form_handoff":
            handoffs.append(custom)
            continue
        texts.append(_custom_text(custom))
        if kind == "rating_request":
            options += _options_of(custom.get("options"))
    options = options[:MAX_OPTIONS]
    tail = _options_block(options)

    for index, handoff in enumerate(handoffs):
        # Only one article fits; further hand-offs (rare) become text lines in its description.
        others = [_custom_text(other) for position, other in enumerate(handoffs) if position != index]
        description = _fit(_join([*texts, *others]), tail, MAX_DESCRIPTION_BYTES)
        article = _handoff_article(handoff, description)
        if article is not None:
            return Rendered(NewsOut((article,)), tuple(options))
    # A hand-off without a usable link falls back to its text, like any other custom payload.
    texts += [_custom_text(handoff) for handoff in handoffs]

    content = _fit(_join(texts), tail, MAX_TEXT_BYTES)
    if not content:
        return Rendered(None, ())
    return Rendered(TextOut(content), tuple(options))
