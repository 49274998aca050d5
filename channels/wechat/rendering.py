"""Turn one turn's typed bot messages (:mod:`daofu.messages`) into one WeChat message.

A passive reply carries exactly one message, and WeChat has no buttons in chat, so a turn becomes:

* a text message: every text in order, then the choices numbered (``回复 1 居民身份证换领``); the
  options are returned alongside so that a later reply "1" can be mapped back to the payload;
* a news (图文) article when the turn hands off to an application form (:class:`FormHandoff`): the
  article links to the form; the turn's other texts and choices go into its description.

Messages WeChat cannot show natively (guide cards, hand-offs to a person, agents joining) fall
back to their ``text``, as docs/messages.md asks of every channel; an agent's words are marked
``【人工客服】`` so that they are not taken for the assistant's; a guide card adds its form
link, which WeChat makes tappable; a rating request is a text with its levels as numbered options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from channels.wechat.messages import Article, NewsOut, Outgoing, TextOut
from daofu.messages import AgentText, BotMessage, Button, Custom, FormHandoff, GuideCard, Text, choices_of

# WeChat cuts text messages at 2048 bytes (UTF-8); stay just under.
MAX_TEXT_BYTES = 2000
MAX_DESCRIPTION_BYTES = 1000
MAX_TITLE_CHARS = 64
MAX_OPTIONS = 20
ELLIPSIS = "…"

# A numbered choice: what the user sees (title) and what goes back to the dialogue (payload).
Option = Button


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


def _text_of(message: BotMessage) -> str:
    """What a message says as plain text; a guide card adds its form link (tappable in WeChat)."""
    text = message.text.strip()
    if isinstance(message, AgentText) and text:
        return f"【人工客服】{text}"
    if isinstance(message, GuideCard) and message.form_url and message.form_url not in text:
        text = f"{text}\n在线办理：{message.form_url}" if text else message.form_url
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


def _handoff_article(handoff: FormHandoff, description: str) -> Article:
    title = f"前往办理：{handoff.name}" if handoff.name else "前往办理"
    if not description:
        details = [value for value in (handoff.region, handoff.prefill.get("applicant_type")) if value]
        description = "点击进入在线申报表单。"
        if details:
            description = f"点击进入在线申报表单，已为您预填{'、'.join(details)}。"
    return Article(title=title[:MAX_TITLE_CHARS], description=description, url=handoff.form_url)


def render(messages: Iterable[BotMessage]) -> Rendered:
    """Render one turn's bot messages; see the module docstring for the rules."""
    texts: list[str] = []
    options: list[Option] = []
    handoffs: list[FormHandoff] = []
    for message in messages:
        options += choices_of(message)
        if isinstance(message, FormHandoff):
            handoffs.append(message)
        elif isinstance(message, Text | Custom) and message.text.strip():
            texts.append(_text_of(message))
    options = options[:MAX_OPTIONS]
    tail = _options_block(options)
    if handoffs:
        # Only one article fits; further hand-offs (rare) become text lines in its description.
        first, others = handoffs[0], [_text_of(other) for other in handoffs[1:]]
        description = _fit(_join([*texts, *others]), tail, MAX_DESCRIPTION_BYTES)
        return Rendered(NewsOut((_handoff_article(first, description),)), tuple(options))
    content = _fit(_join(texts), tail, MAX_TEXT_BYTES)
    if not content:
        return Rendered(None, ())
    return Rendered(TextOut(content), tuple(options))
