"""The demo application form and its error pages, as HTML strings.

Every value that comes from the link or the catalogue goes through :func:`html.escape` (with
quotes, since values also land in attributes); links are written only when they are http(s).
The pages need no script: they are plain forms styled by ``/forms/static/forms.css``.
"""

from __future__ import annotations

from html import escape

from channels.forms.lookup import FormTarget
from daofu.messages import safe_link
from knowledge import DEMO_NOTICE
from knowledge.forms import APPLICANT_TYPES, PREFILL_FIELDS, Prefill
from knowledge.records import Material

STYLESHEET = "/forms/static/forms.css"


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _layout(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · 宁波政务服务网（演示）</title>\n"
        f'<link rel="stylesheet" href="{STYLESHEET}">\n</head>\n<body>\n'
        '<div class="demo-ribbon" role="note">演示页面：这是宁波政务服务网在线申报页面的演示，'
        "不会向任何政务系统提交申请。</div>\n"
        '<header class="form-header"><span class="brand">宁波政务服务网 · 在线申报</span>'
        '<span class="demo-tag">演示</span></header>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _days(days: int) -> str:
    return "即办（当场办结）" if days == 0 else f"{days} 个工作日"


def _material_item(index: int, material: Material) -> str:
    tags = [material.form, f"{material.copies} 份", "必需" if material.required else "按情形提供"]
    if material.e_license:
        tags.append("可用电子证照")
    note = f'<span class="material-note">{e(material.note)}</span>' if material.note else ""
    tag_html = "".join(f'<span class="tag">{e(tag)}</span>' for tag in tags)
    return (
        f'<li><input type="checkbox" id="material-{index}" name="material" value="{index}">'
        f'<label for="material-{index}"><span class="material-name">{e(material.name)}</span>'
        f"{tag_html}{note}</label></li>"
    )


def _field(name: str, label: str, value: str, *, readonly: bool = False, prefilled: bool = False) -> str:
    marks = " readonly" if readonly else ""
    badge = '<span class="prefilled">已由智能导服预填</span>' if prefilled else ""
    return (
        f'<div class="field"><label for="f-{e(name)}">{e(label)}{badge}</label>'
        f'<input id="f-{e(name)}" name="{e(name)}" type="text" value="{e(value)}"{marks}></div>'
    )


def _applicant_select(prefill: Prefill) -> str:
    chosen = prefill.applicant_type
    options = ['<option value="">请选择</option>'] + [
        f'<option value="{e(kind)}"{" selected" if kind == chosen else ""}>{e(kind)}</option>'
        for kind in APPLICANT_TYPES
    ]
    badge = '<span class="prefilled">已由智能导服预填</span>' if chosen else ""
    return (
        f'<div class="field"><label for="f-applicant_type">{PREFILL_FIELDS["applicant_type"]}{badge}</label>'
        f'<select id="f-applicant_type" name="applicant_type">{"".join(options)}</select></div>'
    )


def form_page(target: FormTarget, prefill: Prefill, action: str) -> str:
    """The application form for ``target.guide`` with the known fields filled in."""
    guide = target.guide
    region = prefill.get("region") or guide.region.name
    matter = prefill.get("matter") or guide.name
    facts = [
        ("办事指南编号", guide.id),
        ("事项编码", guide.matter.code),
        ("实施区域", guide.region.name),
        ("实施部门", guide.department),
        ("承诺时限", _days(guide.promised_days)),
        ("法定时限", _days(guide.legal_days)),
        ("收费", guide.fee),
    ]
    facts_html = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in facts)
    known = [
        _field("matter", PREFILL_FIELDS["matter"], matter, readonly=True, prefilled="matter" in prefill.known),
        _field("region", PREFILL_FIELDS["region"], region, prefilled="region" in prefill.known),
        _applicant_select(prefill),
        _field("name", PREFILL_FIELDS["name"], prefill.get("name"), prefilled="name" in prefill.known),
        _field("phone", PREFILL_FIELDS["phone"], prefill.get("phone"), prefilled="phone" in prefill.known),
        _field("id_number", "证件号码", ""),
    ]
    extra = "".join(
        _field(f"extra-{position}", key, value, readonly=True, prefilled=True)
        for position, (key, value) in enumerate(prefill.extra)
    )
    if extra:
        extra = f'<fieldset class="extra"><legend>其他已知信息</legend>{extra}</fieldset>'
    materials = "".join(_material_item(index, material) for index, material in enumerate(guide.materials, 1))
    materials_html = f'<ul class="materials">{materials}</ul>' if materials else "<p>本事项无需提交材料。</p>"
    portal = ""
    if target.portal_url:
        link = safe_link(target.portal_url)
        shown = (
            f'<a href="{e(link)}" rel="noopener noreferrer">{e(link)}</a>'
            if link
            else f"<code>{e(target.portal_url)}</code>"
        )
        portal = f'<p class="portal-link">正式门户中本事项的申报地址：{shown}</p>'
    online = "" if guide.form_code else '<p class="warning">本事项暂未开通网上申报，请按下列材料到窗口办理。</p>'
    demo = f'<p class="demo-notice">{e(DEMO_NOTICE)}</p>' if guide.demo else ""
    body = f"""<h1>在线申报：{e(guide.name)}</h1>
<p class="opened-for">本页为 <strong class="guide-region">{e(guide.region.name)}</strong> 的办事指南
<code class="guide-id">{e(guide.id)}</code> 打开。</p>
{demo}{portal}{online}
<form method="post" action="{e(action)}" class="apply">
<section aria-labelledby="fields-title"><h2 id="fields-title">申请信息</h2>
<p class="hint">标有“已由智能导服预填”的内容来自您与智能导服的对话，请核对。</p>
{"".join(known)}{extra}</section>
<section aria-labelledby="materials-title"><h2 id="materials-title">材料清单</h2>
<p class="hint">请逐项核对并勾选已准备好的材料。</p>{materials_html}</section>
<button type="submit" class="submit">提交申请（演示）</button>
</form>
<section aria-labelledby="facts-title"><h2 id="facts-title">事项信息</h2>
<dl class="facts">{facts_html}</dl></section>"""
    return _layout(f"在线申报：{guide.name}", body)


def submitted_page(target: FormTarget) -> str:
    body = (
        f'<h1>演示：{e(target.guide.name)}</h1><p class="result">这是演示页面，您填写的内容没有提交到任何系统，'
        '也没有被保存。正式办理请前往宁波政务服务网或浙里办。</p><p><a href="/">返回演示门户</a></p>'
    )
    return _layout("演示：申请未提交", body)


def not_found_page(reason: str) -> str:
    body = (
        f'<h1>未找到申报事项</h1><p class="result">{e(reason)}。链接可能已过期或抄写有误，'
        '请回到智能导服重新查询。</p><p><a href="/">返回演示门户</a></p>'
    )
    return _layout("未找到申报事项", body)


def unavailable_page() -> str:
    body = '<h1>申报页面暂时无法打开</h1><p class="result">事项目录暂时不可用，请稍后再试。</p>'
    return _layout("暂时无法打开", body)
