"""What the assistant says about one guide: the card, the answer per aspect, the form hand-off.

Pure functions from a catalogue :class:`~knowledge.repository.Guide` to typed messages
(:mod:`daofu.messages`), so every channel can render them and they can be tested without Rasa.
``elder`` selects the 长者模式 wording: shorter sentences, fewer items, no abbreviations.
"""

from __future__ import annotations

from daofu.messages import BotMessage, Button, FormHandoff, GuideCard, Online, Text, payload
from knowledge import DEMO_NOTICE
from knowledge.forms import prefilled_link
from knowledge.records import Material
from knowledge.repository import Guide

ASPECTS = ("materials", "time", "fee", "location", "online", "process")
ASPECT_LABELS = {
    "materials": "所需材料",
    "time": "办理时限",
    "fee": "收费标准",
    "location": "办理地点",
    "online": "能否网办",
    "process": "办理流程",
}
# The intent that asks about each aspect (bot/domain.yml), and back.
ASPECT_INTENTS = {aspect: f"ask_{aspect}" for aspect in ASPECTS}
ASPECT_OF_INTENT = {intent: aspect for aspect, intent in ASPECT_INTENTS.items()}
CARD_MATERIALS = 3
# Aspects whose answer is the place itself: they need the person's district.
PLACE_ASPECTS = frozenset({"location"})
EVERY_DISTRICT = "各区县相同"


def aspect_buttons(exclude: str | None = None, guide_id: str | None = None) -> tuple[Button, ...]:
    """材料 / 时限 / … / 去办理. With ``guide_id`` each payload names the guide it was offered with, so a
    button pressed after the conversation moved on is recognised as such (:mod:`bot.actions.stale_buttons`)."""
    ids = {"guide_id": guide_id} if guide_id else {}
    buttons = [Button(ASPECT_LABELS[a], payload(ASPECT_INTENTS[a], **ids)) for a in ASPECTS if a != exclude]
    buttons.append(Button("去办理", payload("start_application", **ids)))
    return tuple(buttons)


def time_limit(guide: Guide) -> str:
    if guide.promised_days == 0:
        return f"即办件，材料齐全当场办结（法定时限{guide.legal_days}个工作日）"
    return f"承诺{guide.promised_days}个工作日办结（法定时限{guide.legal_days}个工作日）"


def online_summary(guide: Guide) -> str:
    parts = []
    if guide.online.web:
        parts.append("浙江政务服务网")
    if guide.online.mobile:
        parts.append("“浙里办”APP")
    where = "、".join(parts)
    visits = "全程网办，一次都不用跑" if guide.online.zero_visit else f"最多跑{guide.online.max_visits}次"
    return f"可在{where}在线申请，{visits}" if where else f"需到窗口办理，{visits}"


def material_line(material: Material, elder: bool = False) -> str:
    if elder:
        return material.name
    details = [material.form, f"{material.copies}份"]
    if not material.required:
        details.append("视情况提供")
    if material.e_license:
        details.append("可用电子证照免交")
    line = f"{material.name}（{'，'.join(details)}）"
    return f"{line}：{material.note}" if material.note else line


def guide_card(guide: Guide, elder: bool = False, district_known: bool = True) -> list[BotMessage]:
    """The card for one guide: what, who, how long, how much, online, first materials.

    With ``district_known`` False the card is what every district's guide of the matter asks
    (the caller has checked they agree, :meth:`~knowledge.repository.Catalog.same_everywhere`):
    no office, address, phone or form, and no aspect buttons, since the district question follows.
    """
    materials = [m.name for m in guide.materials[:CARD_MATERIALS]]
    region = guide.region.name if district_known else ""
    where = region if district_known else EVERY_DISTRICT
    department = f"办理部门：{guide.department}" if district_known else "办理部门和地点：因区县而异，选择区县后告诉您"
    if elder:
        text = (
            f"为您找到：{guide.name}（{where}）。\n"
            f"{department}。\n"
            f"办理时间：{time_limit(guide)}。\n"
            f"费用：{guide.fee}。\n"
            f"{online_summary(guide)}。"
        )
    else:
        more = "等" if len(guide.materials) > CARD_MATERIALS else ""
        text = (
            f"【{guide.name}】{where}\n"
            f"{department}\n"
            f"办理时限：{time_limit(guide)}\n"
            f"收费：{guide.fee}\n"
            f"网办：{online_summary(guide)}\n"
            f"主要材料：{'、'.join(materials)}{more}"
        )
    if guide.demo:
        text += f"\n{DEMO_NOTICE}"
    card = GuideCard(
        text=text,
        guide_id=guide.id,
        matter_code=guide.matter.code,
        name=guide.name,
        region=region,
        department=guide.department if district_known else "",
        promised_days=guide.promised_days,
        legal_days=guide.legal_days,
        fee=guide.fee,
        address=guide.address if district_known else "",
        phone=guide.phone if district_known else "",
        online=Online(guide.online.web, guide.online.mobile, guide.online.zero_visit, guide.online.max_visits),
        materials=tuple(m.name for m in guide.materials),
        form_url=guide.form_url if district_known else None,
        demo=guide.demo,
        district_pending=not district_known,
    )
    if not district_known:
        return [card]
    return [card, Text("您还想了解哪方面？也可以直接去办理。", aspect_buttons(guide_id=guide.id))]


def aspect_answer(guide: Guide, aspect: str, elder: bool = False, district_known: bool = True) -> list[BotMessage]:
    """The answer to one follow-up question about the guide under discussion.

    With ``district_known`` False the answer holds for every district (as in :func:`guide_card`);
    the place itself (``location``) cannot be told so.
    """
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}; expected one of {', '.join(ASPECTS)}")
    if aspect in PLACE_ASPECTS and not district_known:
        raise ValueError(f"the {aspect!r} answer depends on the district; ask for it first")
    name = f"「{guide.name}」（{guide.region.name if district_known else EVERY_DISTRICT}）"
    if aspect == "materials":
        shown = guide.materials[:5] if elder else guide.materials
        lines = [f"{i}. {material_line(m, elder)}" for i, m in enumerate(shown, start=1)]
        if elder and len(guide.materials) > len(shown):
            lines.append(f"还有{len(guide.materials) - len(shown)}项，窗口工作人员会告诉您。")
        text = f"办理{name}需要准备：\n" + "\n".join(lines) if lines else f"办理{name}无需提交材料。"
    elif aspect == "time":
        text = f"{name}：{time_limit(guide)}。"
    elif aspect == "fee":
        text = f"{name}的收费：{guide.fee}。"
    elif aspect == "location":
        text = (
            f"{name}的办理地点：{guide.department}，{guide.address}。\n办公时间：{guide.hours}\n咨询电话：{guide.phone}"
        )
    elif aspect == "online":
        text = f"{name}：{online_summary(guide)}。"
    else:
        steps = [f"{i}. {step}" for i, step in enumerate(guide.steps, start=1)]
        text = f"办理{name}的流程：\n" + "\n".join(steps) if steps else f"{name}按窗口指引办理即可。"
    return [Text(text, aspect_buttons(exclude=aspect, guide_id=guide.id) if district_known else ())]


def form_handoff(guide: Guide, applicant_type: str | None, elder: bool = False) -> list[BotMessage]:
    """The hand-off to the application form, pre-filled with what the conversation knows."""
    if not guide.form_url:
        return [Text(f"「{guide.name}」暂不支持在线申请，请按办理地点到窗口办理。", aspect_buttons(guide_id=guide.id))]
    prefill = {"region": guide.region.name, "applicant_type": applicant_type or "", "matter": guide.name}
    link = prefilled_link(guide.form_url, prefill)
    lead = "点击下面的按钮去办理" if elder else "已为您准备好在线申请表（已预填您提供的信息）"
    handoff = FormHandoff(
        text=f"{lead}：{guide.name}（{guide.region.name}）{link}",
        guide_id=guide.id,
        matter_code=guide.matter.code,
        name=guide.name,
        region=guide.region.name,
        form_url=link,
        prefill={key: value for key, value in prefill.items() if value},
    )
    return [handoff]


def default_applicant(guide: Guide) -> str | None:
    """个人 or 企业 when the matter serves only one kind of applicant."""
    objects = set(guide.matter.service_object)
    if objects == {"自然人"}:
        return "个人"
    if objects == {"法人"}:
        return "企业"
    return None
