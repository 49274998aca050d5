"""Reading one reply of the assistant the way a person reads it: which guide is on screen, what is
offered to choose, whether it asks for the district, refuses, or found nothing.

The reply is the wire format of ``POST /api/chat`` (``docs/messages.md``). Buttons are read by
their payload, not their title: a choice worded in the person's words ("临时挂失") still opens one
guide, and the guide's matter is looked up in the catalogue (:class:`MatterLookup`), so every
comparison is by canonical matter name, as ``daofu eval retrieval`` compares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from knowledge.db import has_schema
from knowledge.errors import CatalogMissingError
from knowledge.models import Guide, Matter

# What the assistant says when it refuses, and when nothing in the catalogue fits.
OUT_OF_SCOPE_MARK = "不在政务服务范围内"
NO_MATCH_MARKS = ("没有找到", "未找到", "没找到")
# A guide named in an answer about one of its aspects: 「居民身份证换领」（鄞州区）.
NAMED_GUIDE = re.compile(r"「([^」]{2,80})」")
# Intents of the buttons that follow a guide on screen (aspects and the application form).
GUIDE_BUTTON_INTENTS = frozenset(
    {"ask_materials", "ask_time", "ask_fee", "ask_location", "ask_online", "ask_process", "start_application"}
)
REGION_INTENT = "inform_region"


@dataclass(frozen=True)
class MatterLookup:
    """Canonical matter names by code, and the matter of each guide, read once from the catalogue."""

    names: dict[str, str]  # matter code → canonical name
    codes: dict[str, str]  # canonical name → matter code
    matter_of_guide: dict[str, str]  # guide id → matter code

    @classmethod
    def load(cls, engine: Engine) -> MatterLookup:
        if not has_schema(engine):
            raise CatalogMissingError(
                f"no catalogue in {engine.url.render_as_string(hide_password=True)}; run `daofu setup` first"
            )
        with engine.connect() as connection:
            matters = connection.execute(select(Matter.code, Matter.name)).all()
            guides = connection.execute(select(Guide.id, Guide.matter_code)).all()
        names = {code: name for code, name in matters}
        return cls(names, {name: code for code, name in names.items()}, dict(guides))

    def matter_of(self, entities: dict[str, Any]) -> str | None:
        """The matter a button opens, from its payload's ``guide_id`` or ``matter_code``."""
        guide_id, code = entities.get("guide_id"), entities.get("matter_code")
        if isinstance(guide_id, str) and guide_id in self.matter_of_guide:
            return self.matter_of_guide[guide_id]
        if isinstance(code, str) and code in self.names:
            return code
        return None


@dataclass(frozen=True)
class Offered:
    """A button of the reply: what it says, what it sends, and the matter it opens (if any)."""

    title: str
    payload: str
    matter_code: str | None = None


@dataclass(frozen=True)
class Reply:
    """One reply, read: the guides on screen, the choices, and what kind of answer it is."""

    shown: tuple[str, ...]  # matter codes of guides on screen (card, aspect answer, form hand-off)
    choices: tuple[Offered, ...]  # buttons that open a matter's guide
    districts: tuple[Offered, ...]  # buttons that answer a district question
    out_of_scope: bool
    no_match: bool
    text: str

    @property
    def asks_district(self) -> bool:
        return bool(self.districts)

    def district_button(self, region: str | None) -> Offered | None:
        """The button for ``region``; the first district when the asker named none."""
        if not self.districts:
            return None
        if region is None:
            return self.districts[0]
        return next((button for button in self.districts if button.title == region), None)

    def choice_for(self, expected: Iterable[str]) -> Offered | None:
        """The offered choice that opens the first expected matter (codes, best first)."""
        for code in expected:
            for button in self.choices:
                if button.matter_code == code:
                    return button
        return None


def split_payload(payload: str) -> tuple[str, dict[str, Any]]:
    """``/intent{"entity": "value"}`` → (intent, entities); unknown shapes give empty entities."""
    body = payload.removeprefix("/")
    intent, brace, rest = body.partition("{")
    if not brace:
        return intent, {}
    try:
        entities = json.loads(brace + rest)
    except ValueError:
        return intent, {}
    return intent, entities if isinstance(entities, dict) else {}


def read_reply(messages: list[dict[str, Any]], lookup: MatterLookup) -> Reply:
    """What ``messages`` (one turn of ``/api/chat``) shows, offers and says."""
    shown: list[str] = []
    choices: list[Offered] = []
    districts: list[Offered] = []
    texts: list[str] = []
    for message in messages:
        text = message.get("text") or ""
        custom = message.get("custom")
        if isinstance(custom, dict):
            text = text or str(custom.get("text") or "")
            code = custom.get("matter_code")
            if custom.get("type") in ("guide_card", "form_handoff") and isinstance(code, str):
                _add(shown, code if code in lookup.names else lookup.codes.get(str(custom.get("name"))))
        texts.append(text)
        intents: set[str] = set()
        for button in message.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            title, target = str(button.get("title") or ""), str(button.get("payload") or "")
            intent, entities = split_payload(target)
            intents.add(intent)
            if intent == REGION_INTENT:
                districts.append(Offered(title, target))
                continue
            matter = lookup.matter_of(entities)
            if matter is not None:
                choices.append(Offered(title, target, matter))
        if intents & GUIDE_BUTTON_INTENTS:
            # An answer about one aspect of the guide on screen names that guide in 「…」.
            for name in NAMED_GUIDE.findall(text):
                _add(shown, lookup.codes.get(name))
    joined = "\n".join(t for t in texts if t)
    return Reply(
        shown=tuple(shown),
        choices=tuple(choices),
        districts=tuple(districts),
        out_of_scope=OUT_OF_SCOPE_MARK in joined,
        no_match=any(mark in joined for mark in NO_MATCH_MARKS),
        text=joined,
    )


def _add(codes: list[str], code: str | None) -> None:
    if code is not None and code not in codes:
        codes.append(code)
