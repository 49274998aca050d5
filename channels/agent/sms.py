"""The text an agent reads out or sends by SMS: matter, key materials, where, and the form link.

Hotline agents paste it into the SMS system, which takes at most :data:`MAX_SMS_CHARS` characters
(counted as characters, not bytes: one Chinese character is one). What does not fit is shortened
in order of least harm: the phone line goes first, then materials beyond the first, then the
address is cut, then the matter name — the link is never cut (half a link is no link); when it
alone is too long it is replaced by where to search for the matter.

Example::

    sms_text(guide)
    # 【甬导服】居民身份证换领（鄞州区）
    # 需带：居民身份证、近期免冠照片等3项
    # 地点：宁波市鄞州区…
    # 咨询：0574-…
    # 在线办理：http://…/forms/NBC-A-020?guide=…
    # （演示数据，不作为正式办事依据，以办理窗口公布为准）
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge import DEMO_NOTICE_SHORT
from knowledge.records import Material
from knowledge.repository import Guide

MAX_SMS_CHARS = 300
ELLIPSIS = "…"


@dataclass(frozen=True)
class SmsFacts:
    """What the text is made of; built from a :class:`Guide` by :func:`facts_of`."""

    name: str
    region: str
    materials: tuple[str, ...]
    address: str
    phone: str
    link: str | None
    demo: bool


def key_materials(materials: Sequence[Material]) -> tuple[str, ...]:
    """Required materials first (in the guide's order), then the optional ones."""
    required = [m.name for m in materials if m.required]
    optional = [m.name for m in materials if not m.required]
    return tuple(required + optional) if required else tuple(optional)


def facts_of(guide: Guide, link: str | None = None) -> SmsFacts:
    return SmsFacts(
        name=guide.name,
        region=guide.region.name,
        materials=key_materials(guide.materials),
        address=guide.address,
        phone=guide.phone,
        link=link if link is not None else guide.form_url,
        demo=guide.demo,
    )


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS if limit > 0 else ""


def _materials_line(names: Sequence[str], shown: int) -> str:
    if not names:
        return "无需提交材料"
    listed = "、".join(names[:shown])
    return f"需带：{listed}" + (f"等{len(names)}项" if shown < len(names) else "")


def compose(facts: SmsFacts, limit: int = MAX_SMS_CHARS) -> str:
    """The SMS text for ``facts``, at most ``limit`` characters."""
    link_line = f"在线办理：{facts.link}" if facts.link else "请到窗口办理"
    if len(link_line) > limit // 2:
        link_line = f"在线办理：登录宁波政务服务网搜索“{_cut(facts.name, 40)}”"
    name = facts.name
    address = facts.address
    shown = len(facts.materials)
    with_phone = bool(facts.phone)

    def render() -> str:
        lines = [f"【甬导服】{name}（{facts.region}）", _materials_line(facts.materials, shown)]
        if address:
            lines.append(f"地点：{address}")
        if with_phone:
            lines.append(f"咨询：{facts.phone}")
        lines.append(link_line)
        if facts.demo:
            lines.append(DEMO_NOTICE_SHORT)
        return "\n".join(lines)

    text = render()
    if len(text) > limit and with_phone:
        with_phone = False
        text = render()
    while len(text) > limit and shown > 1:
        shown -= 1
        text = render()
    if len(text) > limit and address:
        address = _cut(address, max(len(address) - (len(text) - limit), 8))
        text = render()
    if len(text) > limit:
        name = _cut(name, max(len(name) - (len(text) - limit), 6))
        text = render()
    return _cut(text, limit)  # only reached by absurd inputs; the limit holds whatever happens


def sms_text(guide: Guide, link: str | None = None, limit: int = MAX_SMS_CHARS) -> str:
    """The SMS text for ``guide`` (its form link unless ``link`` is given)."""
    return compose(facts_of(guide, link), limit)
