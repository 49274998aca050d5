"""What the assistant says about a guide: the card, the answer per aspect, the form hand-off.

Pure functions from a catalogue :class:`~knowledge.repository.Guide` to bot messages in the shape
documented in ``docs/messages.md`` (text, buttons, custom payloads), so every channel can render
them and they can be tested without Rasa. ``elder`` selects the 长者模式 wording: shorter
sentences, fewer items, no abbreviations.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from knowledge import DEMO_NOTICE
from knowledge.repository import Guide

Message = dict

ASPECTS = ("materials", "time", "fee", "location", "online", "process")
ASPECT_LABELS = {
    "materials": "所需材料",
    "time": "办理时限",
    "fee": "收费标准",
    "location": "办理地点",
    "online": "能否网办",
    "process": "办理流程",
}
ASPECT_INTENTS = {
    "materials": "ask_materials",
    "time": "ask_time",
    "fee": "ask_fee",
    "location": "ask_location",
    "online": "ask_online",
    "process": "ask_process",
}
CARD_MATERIALS = 3


def payload(intent: str, **entities: str) -> str:
    """A Rasa payload that bypasses NLU: ``/intent{"entity": "value"}``."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def aspect_buttons(exclude: str | None = None) -> list[dict[str, str]]:
    buttons = [
        {"title": ASPECT_LABELS[a], "payload": payload(ASPECT_INTENTS[a])} for a in ASPECTS if a != exclude
    ]
    buttons.append({"title": "去办理", "payload": payload("start_application")})
    return buttons


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


def material_line(material, elder: bool = False) -> str:
    if elder:
        return material.name
    details = [material.form, f"{material.copies}份"]
    if not material.required:
        details.append("视情况提供")
    if material.e_license:
        details.append("可用电子证照免交")
    line = f"{material.name}（{'，'.join(details)}）"
    return f"{line}：{material.note}" if material.note else line


def guide_card(guide: Guide, elder: bool = False) -> list[Message]:
    """The card for one guide: what, who, how long, how much, online, first materials."""
    materials = [m.name for m in guide.materials[:CARD_MATERIALS]]
    region = guide.region.name
    if elder:
        text = (
            f"为您找到：{guide.name}（{region}）。\n"
            f"办理部门：{guide.department}。\n"
            f"办理时间：{time_limit(guide)}。\n"
            f"费用：{guide.fee}。\n"
            f"{online_summary(guide)}。"
        )
    else:
        more = "等" if len(guide.materials) > CARD_MATERIALS else ""
        text = (
            f"【{guide.name}】{region}\n"
            f"办理部门：{guide.department}\n"
            f"办理时限：{time_limit(guide)}\n"
            f"收费：{guide.fee}\n"
            f"网办：{online_summary(guide)}\n"
            f"主要材料：{'、'.join(materials)}{more}"
        )
    if guide.demo:
        text += f"\n{DEMO_NOTICE}"
    card = {
        "type": "guide_card",
        "text": text,
        "guide_id": guide.id,
        "matter_code": guide.matter.code,
        "name": guide.name,
        "region": region,
        "department": guide.department,
        "promised_days": guide.promised_days,
        "legal_days": guide.legal_days,
        "fee": guide.fee,
        "address": guide.address,
        "phone": guide.phone,
        "online": {
            "web": guide.online.web,
            "mobile": guide.online.mobile,
            "zero_visit": guide.online.zero_visit,
            "max_visits": guide.online.max_visits,
        },
        "materials": [m.name for m in guide.materials],
        "url": guide.form_url,
        "demo": guide.demo,
    }
    return [
        {"custom": card},
        {"text": "您还想了解哪方面？也可以直接去办理。", "buttons": aspect_buttons()},
    ]


def aspect_answer(guide: Guide, aspect: str, elder: bool = False) -> list[Message]:
    """The answer to one follow-up question about the guide under discussion."""
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}; expected one of {', '.join(ASPECTS)}")
    name = f"「{guide.name}」（{guide.region.name}）"
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
            f"{name}的办理地点：{guide.department}，{guide.address}。\n"
            f"办公时间：{guide.hours}\n咨询电话：{guide.phone}"
        )
    elif aspect == "online":
        text = f"{name}：{online_summary(guide)}。"
    else:
        steps = [f"{i}. {step}" for i, step in enumerate(guide.steps, start=1)]
        text = f"办理{name}的流程：\n" + "\n".join(steps) if steps else f"{name}按窗口指引办理即可。"
    return [{"text": text, "buttons": aspect_buttons(exclude=aspect)}]


def with_prefill(url: str, prefill: dict[str, str]) -> str:
    """``url`` with the pre-filled fields added as query parameters (existing ones kept)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({key: value for key, value in prefill.items() if value})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def form_handoff(guide: Guide, applicant_type: str | None, elder: bool = False) -> list[Message]:
    """The hand-off to the application form, pre-filled with what the conversation knows."""
    if not guide.form_url:
        return [{"text": f"「{guide.name}」暂不支持在线申请，请按办理地点到窗口办理。",
                 "buttons": aspect_buttons(exclude=None)}]
    prefill = {"region": guide.region.name, "applicant_type": applicant_type or "", "matter": guide.name}
    url = with_prefill(guide.form_url, prefill)
    lead = "点击下面的按钮去办理" if elder else "已为您准备好在线申请表（已预填您提供的信息）"
    handoff = {
        "type": "form_handoff",
        "text": f"{lead}：{guide.name}（{guide.region.name}）{url}",
        "guide_id": guide.id,
        "matter_code": guide.matter.code,
        "name": guide.name,
        "region": guide.region.name,
        "url": url,
        "prefill": {key: value for key, value in prefill.items() if value},
    }
    return [{"custom": handoff}]
