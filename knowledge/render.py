"""A guide as readable Chinese text (``daofu guide show``, and any channel that wants plain text)."""

from __future__ import annotations

from typing import Any

from knowledge import DEMO_NOTICE
from knowledge.repository import Guide


def _yes(value: bool) -> str:
    return "是" if value else "否"


def time_limit_text(days: int) -> str:
    return "即办（当场办结）" if days == 0 else f"{days} 个工作日"


def render_guide(guide: Guide) -> str:
    matter = guide.matter
    lines = [
        f"{matter.name} — {guide.region.name}",
        f"指南编号：{guide.id}    事项编码：{matter.code}",
        f"实施主体：{guide.department}",
        f"事项类型：{matter.item_type}    服务对象：{'、'.join(matter.service_object)}    主题：{matter.theme}",
    ]
    if matter.aliases:
        lines.append(f"又称：{'、'.join(matter.aliases)}")
    lines += ["", "【受理条件】", guide.conditions or "无特别条件。", "", "【申请材料】"]
    if not guide.materials:
        lines.append("无需提交材料。")
    for number, material in enumerate(guide.materials, start=1):
        extras = [f"{material.form} {material.copies} 份", "必需" if material.required else "视情况提供"]
        if material.e_license:
            extras.append("可用电子证照免交")
        note = f"；{material.note}" if material.note else ""
        lines.append(f"{number}. {material.name}（{'，'.join(extras)}）{note}")
    lines += ["", "【办理流程】"]
    lines += [f"{number}. {step}" for number, step in enumerate(guide.steps, start=1)] or ["窗口受理后办理。"]
    online = guide.online
    visits = "不用跑" if online.zero_visit else f"最多跑 {online.max_visits} 次"
    lines += [
        "",
        f"【办理时限】法定 {time_limit_text(guide.legal_days)}；承诺 {time_limit_text(guide.promised_days)}",
        f"【收费】{guide.fee}",
        f"【网办】网上可办：{_yes(online.web)}；掌上可办（浙里办）：{_yes(online.mobile)}；"
        f"跑零次：{_yes(online.zero_visit)}（{visits}）",
        f"【办理地点】{guide.address}",
        f"【办公时间】{guide.hours}",
        f"【咨询电话】{guide.phone}",
    ]
    if guide.form_url:
        lines.append(f"【在线申办】{guide.form_url}（表单 {guide.form_code}）")
    if matter.legal_basis:
        lines.append(f"【设定依据】{matter.legal_basis}")
    if matter.faq:
        lines += ["", "【常见问题】"]
        for entry in matter.faq:
            lines += [f"问：{entry.q}", f"答：{entry.a}"]
    if guide.demo:
        lines += ["", f"※ {DEMO_NOTICE}"]
    return "\n".join(lines)


def guide_json(guide: Guide) -> dict[str, Any]:
    """A guide as JSON-ready data: every field an agent may be asked about on a call, with the
    demo flag and notice. The one JSON shape of a guide (agent console, ``daofu guide show --json``);
    the dialogue's guide card (:class:`daofu.messages.GuideCard`) uses the same key names."""
    matter = guide.matter
    return {
        "guide_id": guide.id,
        "matter_code": matter.code,
        "name": matter.name,
        "aliases": list(matter.aliases),
        "item_type": matter.item_type,
        "theme": matter.theme,
        "service_object": list(matter.service_object),
        "legal_basis": matter.legal_basis,
        "region": guide.region.name,
        "region_code": guide.region.code,
        "region_level": guide.region.level,
        "district": guide.region.district_name,
        "department": guide.department,
        "conditions": guide.conditions,
        "materials": [material.to_json() for material in guide.materials],
        "steps": list(guide.steps),
        "legal_days": guide.legal_days,
        "promised_days": guide.promised_days,
        "on_the_spot": guide.on_the_spot,
        "fee": guide.fee,
        "address": guide.address,
        "hours": guide.hours,
        "phone": guide.phone,
        "online": guide.online.to_json(),
        "form_code": guide.form_code,
        "form_url": guide.form_url,
        "faq": [entry.to_json() for entry in matter.faq],
        "demo": guide.demo,
        "demo_notice": DEMO_NOTICE if guide.demo else None,
    }
