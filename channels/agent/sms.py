"""The text an agent reads out or sends by SMS: matter and district, materials, steps, where, the link.

Hotline agents paste it into the SMS system, which takes at most :data:`MAX_SMS_CHARS` characters
(counted as characters, not bytes: one Chinese character is one). The text says which district the
guide is for (a per-district matter is never sent without one: the console asks the agent to
choose); materials that are needed only in some cases (代办人身份证件, 视情况提供) are listed apart
from what everyone brings; the steps keep their order, so a first step such as 先挂失 is never lost.

What does not fit is shortened in order of least harm: the phone line goes first, then steps
beyond the first, then conditional materials beyond the first, then required materials beyond the
first, then the address is cut, then the matter name — the link is never cut (half a link is no
link); when it alone is too long it is replaced by where to search for the matter.

Example::

    sms_text(guide)
    # 【甬导服】居民身份证补领（鄞州区办理）
    # 需带：数码照片回执
    # 视情形另带：居民户口簿
    # 步骤：①预约或到窗口申请 ②采集人像和指纹 ③审核制证 ④领取
    # 地点：宁波市鄞州区…
    # 咨询：0574-…
    # 在线办理：https://…/forms/NBC-A-034?guide=…
    # （演示数据，不作为正式办事依据，以办理窗口公布为准）
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge import DEMO_NOTICE_SHORT
from knowledge.records import Material
from knowledge.repository import Guide

MAX_SMS_CHARS = 300
MAX_STEP_CHARS = 24
ELLIPSIS = "…"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
# Words in a material's note or name that make it needed only in some cases.
CONDITIONAL_MARKS = ("视情况", "如需", "如有", "代办", "委托", "按需", "适用于", "若")


@dataclass(frozen=True)
class SmsFacts:
    """What the text is made of; built from a :class:`Guide` by :func:`facts_of`."""

    name: str
    region: str
    materials: tuple[str, ...]  # what everyone brings
    conditional: tuple[str, ...]  # what only some bring
    steps: tuple[str, ...]
    address: str
    phone: str
    link: str | None
    demo: bool


def is_conditional(material: Material) -> bool:
    """Whether a material is needed only in some cases (not required, or its note/name says so)."""
    return not material.required or any(mark in material.name + material.note for mark in CONDITIONAL_MARKS)


def split_materials(materials: Sequence[Material]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(what everyone brings, what only some bring), each in the guide's order."""
    always = tuple(m.name for m in materials if not is_conditional(m))
    sometimes = tuple(m.name for m in materials if is_conditional(m))
    return always, sometimes


def key_materials(materials: Sequence[Material]) -> tuple[str, ...]:
    """Required materials first (in the guide's order), then the optional ones."""
    always, sometimes = split_materials(materials)
    return always + sometimes


def _short_step(step: str) -> str:
    text = step.strip().rstrip("。；;")
    return text if len(text) <= MAX_STEP_CHARS else text[: MAX_STEP_CHARS - 1] + ELLIPSIS


def facts_of(guide: Guide, link: str | None = None) -> SmsFacts:
    always, sometimes = split_materials(guide.materials)
    return SmsFacts(
        name=guide.name,
        region=guide.region.name,
        materials=always,
        conditional=sometimes,
        steps=tuple(_short_step(step) for step in guide.steps if step.strip()),
        address=guide.address,
        phone=guide.phone,
        link=link if link is not None else guide.form_url,
        demo=guide.demo,
    )


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS if limit > 0 else ""


def _listed(label: str, names: Sequence[str], shown: int) -> str:
    listed = "、".join(names[:shown])
    return f"{label}{listed}" + (f"等{len(names)}项" if shown < len(names) else "")


def _steps_line(steps: Sequence[str], shown: int) -> str:
    numbered = " ".join(
        f"{CIRCLED[i] if i < len(CIRCLED) else f'{i + 1}.'}{step}" for i, step in enumerate(steps[:shown])
    )
    return f"步骤：{numbered}" + (f" 等{len(steps)}步" if shown < len(steps) else "")


def compose(facts: SmsFacts, limit: int = MAX_SMS_CHARS) -> str:
    """The SMS text for ``facts``, at most ``limit`` characters."""
    link_line = f"在线办理：{facts.link}" if facts.link else "请到窗口办理"
    if len(link_line) > limit // 2:
        link_line = f"在线办理：登录宁波政务服务网搜索“{_cut(facts.name, 40)}”"
    name = facts.name
    address = facts.address
    shown = len(facts.materials)
    shown_conditional = len(facts.conditional)
    shown_steps = len(facts.steps)
    with_phone = bool(facts.phone)

    def render() -> str:
        lines = [f"【甬导服】{name}（{facts.region}办理）"]
        if facts.materials:
            lines.append(_listed("需带：", facts.materials, shown))
        if facts.conditional:
            lines.append(_listed("视情形另带：", facts.conditional, shown_conditional))
        if not facts.materials and not facts.conditional:
            lines.append("无需提交材料")
        if facts.steps:
            lines.append(_steps_line(facts.steps, shown_steps))
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
    while len(text) > limit and shown_steps > 1:
        shown_steps -= 1
        text = render()
    while len(text) > limit and shown_conditional > 1:
        shown_conditional -= 1
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
