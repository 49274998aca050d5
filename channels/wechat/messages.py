"""WeChat's XML messages: read incoming ones safely, write passive replies correctly.

Incoming XML comes from the internet before anything else is trusted, so it is parsed
conservatively: a size limit, UTF-8 only (WeChat sends nothing else; another encoding could hide a
declaration from a byte-level check), no DTD of any kind — DOCTYPE, ENTITY, external references —
refused by defusedxml's parser after the bytes are decoded, so no encoding trick gets one past it,
and only the flat ``<xml><Field>…</Field></xml>`` shape WeChat sends. Every problem is a
:class:`MessageFormatError` with a message that says what is wrong, which the route returns as a 400.

Replies put text in CDATA sections. A CDATA section cannot contain ``]]>``, so that sequence is
split across two sections; characters XML 1.0 forbids altogether (most control characters) are
dropped, since no escaping can carry them.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from daofu.errors import DaofuError

MAX_BODY_BYTES = 256 * 1024
MAX_FIELDS = 64
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# Characters that are not allowed anywhere in an XML 1.0 document.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class MessageFormatError(DaofuError):
    """The request body is not a WeChat message we can read."""


def parse_fields(body: bytes) -> dict[str, str]:
    """Parse ``<xml><A>…</A><B>…</B></xml>`` into ``{"A": "…", "B": "…"}`` (direct children only)."""
    if not body or not body.strip():
        raise MessageFormatError("the request body is empty; WeChat sends the message as XML")
    if len(body) > MAX_BODY_BYTES:
        raise MessageFormatError(f"the request body is larger than {MAX_BODY_BYTES // 1024} KB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MessageFormatError("the request body is not UTF-8 text; WeChat sends UTF-8 XML") from None
    if _NOT_XML_CHARS.search(text):
        # NUL and other control characters: not XML text at all (UTF-16 read as UTF-8 looks like this).
        raise MessageFormatError("the request body holds characters XML cannot carry; WeChat sends UTF-8 XML")
    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise MessageFormatError(f"the XML declares encoding {declared.group(1)!r}; only UTF-8 is accepted")
    if _DECLARATION.search(text):
        raise MessageFormatError("DOCTYPE and ENTITY declarations are not accepted")
    try:
        # The text is re-encoded as UTF-8, so the parser sees exactly what was checked above.
        root = defused_fromstring(text.encode("utf-8"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MessageFormatError("DOCTYPE, ENTITY and external references are not accepted") from None
    except (ET.ParseError, ValueError) as exc:
        raise MessageFormatError(f"the request body is not well-formed XML ({exc})") from None
    if root.tag != "xml":
        raise MessageFormatError(f"the root element must be <xml>, not <{str(root.tag)[:40]}>")
    if len(root) > MAX_FIELDS:
        raise MessageFormatError(f"the message has more than {MAX_FIELDS} fields")
    return {child.tag: (child.text or "").strip() for child in root if isinstance(child.tag, str)}


@dataclass(frozen=True)
class IncomingMessage:
    """One message or event from a user, as WeChat describes it."""

    to_user: str  # the official account's original ID (gh_…)
    from_user: str  # the user's openid
    create_time: str
    msg_type: str  # text, image, voice, …, event
    msg_id: str = ""
    content: str = ""
    event: str = ""  # subscribe, unsubscribe, CLICK, VIEW, … (for msg_type "event")
    event_key: str = ""
    recognition: str = ""  # a voice message's speech recognised by WeChat (when the account enables it)
    fields: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"

    @property
    def dedupe_key(self) -> str:
        """What identifies one message across WeChat's retries, and nothing else.

        MsgIds are unique per account, not across users, so the key holds the account and the
        openid too; events have no MsgId and are told apart by time, event and its key.
        """
        who = f"{self.to_user}:{self.from_user}"
        if not self.is_event:
            return f"msg:{who}:{self.msg_id}"
        return f"event:{who}:{self.create_time}:{self.event}:{self.event_key}"


REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


def parse_message(fields: dict[str, str]) -> IncomingMessage:
    """Check the fields of a (decrypted) message and build the :class:`IncomingMessage`."""
    missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
    if missing:
        raise MessageFormatError(f"the message lacks {', '.join(missing)}")
    if not fields["CreateTime"].isdigit():
        raise MessageFormatError("CreateTime must be a Unix timestamp")
    msg_type = fields["MsgType"].lower()
    if msg_type == "event":
        if not fields.get("Event"):
            raise MessageFormatError("an event message lacks Event")
    elif not fields.get("MsgId"):
        raise MessageFormatError("the message lacks MsgId")
    if msg_type == "text" and "Content" not in fields:
        raise MessageFormatError("a text message lacks Content")
    too_long = [
        name for name in ("ToUserName", "FromUserName", "MsgId", "Event", "EventKey") if len(fields.get(name, "")) > 128
    ]
    if too_long:
        raise MessageFormatError(f"{', '.join(too_long)} is longer than 128 characters")
    return IncomingMessage(
        to_user=fields["ToUserName"],
        from_user=fields["FromUserName"],
        create_time=fields["CreateTime"],
        msg_type=msg_type,
        msg_id=fields.get("MsgId", ""),
        content=fields.get("Content", ""),
        event=fields.get("Event", ""),
        event_key=fields.get("EventKey", ""),
        recognition=fields.get("Recognition", ""),
        fields=fields,
    )


# -- outgoing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One entry of a news (图文) message: a card with a title, a description and a link."""

    title: str
    description: str
    url: str
    pic_url: str = ""


@dataclass(frozen=True)
class TextOut:
    content: str


@dataclass(frozen=True)
class NewsOut:
    articles: tuple[Article, ...]


Outgoing = TextOut | NewsOut


def xml_text(text: str) -> str:
    """Remove the characters XML 1.0 cannot carry at all."""
    return _NOT_XML_CHARS.sub("", text)


def cdata(text: str) -> str:
    """``text`` as CDATA; a ``]]>`` inside is split so that it cannot end the section early."""
    return "<![CDATA[" + xml_text(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def reply_xml(outgoing: Outgoing, to_user: str, from_user: str, create_time: int) -> str:
    """A passive reply: ``to_user`` is the user's openid, ``from_user`` the account's ID."""
    head = (
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
    )
    if isinstance(outgoing, TextOut):
        return f"<xml>{head}<MsgType><![CDATA[text]]></MsgType><Content>{cdata(outgoing.content)}</Content></xml>"
    items = "".join(
        "<item>"
        f"<Title>{cdata(article.title)}</Title>"
        f"<Description>{cdata(article.description)}</Description>"
        f"<PicUrl>{cdata(article.pic_url)}</PicUrl>"
        f"<Url>{cdata(article.url)}</Url>"
        "</item>"
        for article in outgoing.articles
    )
    return (
        f"<xml>{head}<MsgType><![CDATA[news]]></MsgType>"
        f"<ArticleCount>{len(outgoing.articles)}</ArticleCount><Articles>{items}</Articles></xml>"
    )


def encrypted_xml(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The envelope of an encrypted passive reply."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{cdata(timestamp)}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce></xml>"
    )


def outgoing_to_json(outgoing: Outgoing | None) -> str:
    """Serialise an answer (for the Redis-backed de-duplication store)."""
    if outgoing is None:
        return json.dumps({"type": "none"})
    if isinstance(outgoing, TextOut):
        return json.dumps({"type": "text", "content": outgoing.content}, ensure_ascii=False)
    articles = [[a.title, a.description, a.url, a.pic_url] for a in outgoing.articles]
    return json.dumps({"type": "news", "articles": articles}, ensure_ascii=False)


def outgoing_from_json(raw: str | bytes) -> Outgoing | None:
    data = json.loads(raw)
    if data["type"] == "text":
        return TextOut(data["content"])
    if data["type"] == "news":
        return NewsOut(tuple(Article(*item) for item in data["articles"]))
    return None
