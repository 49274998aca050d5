"""The SMS text: what a caller needs, never more than 300 characters, the link never cut."""

from __future__ import annotations

from dataclasses import replace

import pytest

from channels.agent.sms import MAX_SMS_CHARS, compose, facts_of, is_conditional, key_materials, sms_text
from knowledge import DEMO_NOTICE_SHORT
from knowledge.records import Material, Online
from knowledge.repository import Guide, Matter, Region

LINK = "http://127.0.0.1:8000/forms/NBC-A-033?guide=NB-330212-NBC-A-033"


def material(name: str, required: bool = True, note: str = "") -> Material:
    return Material(name=name, form="原件", copies=1, required=required, e_license=False, note=note)


def make_guide(**changes) -> Guide:
    matter = Matter(code="NBC-A-033", name="居民身份证换领", aliases=(), item_type="行政确认",
                    service_object=("自然人",), theme="户籍办理", levels=("区县",), legal_basis="", faq=(),
                    checksum="x")  # fmt: skip
    region = Region(code="330212", name="鄞州区", level="区县", parent_code="3302", aliases=("鄞州",),
                    district_code="330212", district_name="鄞州区")  # fmt: skip
    guide = Guide(
        id="NB-330212-NBC-A-033", matter=matter, region=region, department="宁波市公安局鄞州分局", conditions="",
        materials=(material("原居民身份证"), material("居民户口簿"), material("数码照片回执", required=False)),
        steps=("申请", "受理"), legal_days=60, promised_days=15, fee="20元", address="宁波市鄞州区惠风东路568号",
        hours="周一至周五", phone="0574-86879064", online=Online(True, True, False, 1), form_code="F-NBC-A-033",
        form_url=LINK, demo=True,
    )  # fmt: skip
    for name, value in changes.items():
        if name == "matter_name":
            guide = replace(guide, matter=replace(guide.matter, name=value))
        else:
            guide = replace(guide, **{name: value})
    return guide


def test_the_text_names_the_matter_district_materials_steps_place_and_link():
    text = sms_text(make_guide())
    assert text.splitlines() == [
        "【甬导服】居民身份证换领（鄞州区办理）",
        "需带：原居民身份证、居民户口簿",
        "视情形另带：数码照片回执",
        "步骤：①申请 ②受理",
        "地点：宁波市鄞州区惠风东路568号",
        "咨询：0574-86879064",
        f"在线办理：{LINK}",
        DEMO_NOTICE_SHORT,
    ]


def test_conditional_materials_are_not_listed_as_what_everyone_brings():
    agent_id = material("代办人有效身份证件", required=False)
    household = material("居民户口簿", required=True, note="视情况提供，户籍信息可联网核验的免于提交")
    photo = material("数码照片回执")
    assert [is_conditional(m) for m in (agent_id, household, photo)] == [True, True, False]
    text = sms_text(make_guide(materials=(photo, agent_id, household)))
    assert "需带：数码照片回执\n" in text
    assert "视情形另带：代办人有效身份证件、居民户口簿" in text


def test_the_first_step_such_as_reporting_the_loss_survives_shortening():
    steps = (
        "先挂失：通过宁波市民卡APP或服务热线申请挂失",
        *(f"第{i}步要做的一件很长很长的事情说明" for i in range(2, 12)),
    )
    many = tuple(material(f"材料{i:02d}号证明文件") for i in range(12))
    text = sms_text(make_guide(steps=steps, materials=many))
    assert len(text) <= MAX_SMS_CHARS
    assert "步骤：①先挂失" in text and "等11步" in text


def test_required_materials_come_first():
    materials = (material("可选材料", required=False), material("身份证"), material("户口簿"))
    assert key_materials(materials) == ("身份证", "户口簿", "可选材料")
    assert key_materials((material("只有可选", required=False),)) == ("只有可选",)


def test_no_demo_line_for_a_real_catalogue_and_a_window_note_without_form():
    text = sms_text(make_guide(demo=False, form_url=None))
    assert DEMO_NOTICE_SHORT not in text
    assert text.endswith("请到窗口办理")


def test_long_guides_are_shortened_to_the_limit_keeping_the_whole_link():
    many = tuple(material(f"第{i}项很长很长的证明材料原件及复印件") for i in range(30))
    guide = make_guide(materials=many, address="宁波市鄞州区" + "某某路" * 80, matter_name="长" * 120)
    text = sms_text(guide)
    assert len(text) <= MAX_SMS_CHARS
    assert f"在线办理：{LINK}" in text
    assert "等30项" in text  # the count says more exist
    assert "（鄞州区办理）" in text  # the district is never cut
    assert "咨询：" not in text  # the phone goes first


def test_shortening_goes_in_order_phone_then_materials():
    many = tuple(material(f"材料{i:02d}号证明文件") for i in range(20))
    text = sms_text(make_guide(materials=many))
    assert len(text) <= MAX_SMS_CHARS
    assert "咨询：" not in text and "地点：宁波市鄞州区惠风东路568号" in text  # the address stays whole
    assert "材料00号证明文件" in text


@pytest.mark.parametrize("limit", [120, 160, 200, 300])
def test_the_limit_holds_for_any_limit(limit):
    guide = make_guide(address="地址" * 100, matter_name="名称" * 60)
    assert len(sms_text(guide, limit=limit)) <= limit


def test_a_link_too_long_for_an_sms_is_replaced_by_where_to_search():
    text = sms_text(make_guide(), link="https://portal.example/" + "x" * 400)
    assert len(text) <= MAX_SMS_CHARS
    assert "x" * 50 not in text
    assert "搜索“居民身份证换领”" in text


def test_characters_not_bytes_are_counted():
    text = compose(facts_of(make_guide(address="路" * 500)))
    assert len(text) <= MAX_SMS_CHARS
    assert len(text.encode("utf-8")) > MAX_SMS_CHARS  # Chinese: three bytes each, still within 300 characters


def test_every_guide_of_the_demo_catalogue_fits():
    from daofu.config import PROJECT_ROOT, Settings
    from knowledge.db import create_engine_for
    from knowledge.repository import Catalog

    settings = Settings(var_dir=PROJECT_ROOT / "var")
    if not (settings.var_dir / "knowledge.db").exists():
        pytest.fail("no catalogue under var/: run `.venv/bin/daofu setup` (./scripts/test.sh does it)")
    catalog = Catalog(create_engine_for(settings.database_url), settings)
    longest = 0
    for guide in catalog.iter_guides():
        text = sms_text(guide)
        longest = max(longest, len(text))
        assert guide.form_url is None or guide.form_url in text, guide.id
    assert longest <= MAX_SMS_CHARS
