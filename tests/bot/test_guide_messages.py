"""Guide cards, aspect answers and the form hand-off, rendered from real catalogue guides."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.actions.follow_up import aspect_in
from bot.actions.guide_messages import ASPECTS, PLACE_ASPECTS, aspect_answer, form_handoff, guide_card
from bot.actions.rating import parse_rating, rating_request
from daofu.config import load_settings
from daofu.messages import FormHandoff, GuideCard, Text
from knowledge.db import create_engine_for
from knowledge.forms import prefilled_link
from knowledge.repository import Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    settings = load_settings()
    return Catalog(create_engine_for(settings.database_url), settings)


@pytest.fixture(scope="module")
def guide(catalog):
    return catalog.find_guide("居民身份证换领", "鄞州区")


def test_card_carries_every_documented_field(guide):
    card, follow_up = guide_card(guide)
    assert isinstance(card, GuideCard) and isinstance(follow_up, Text)
    assert card.guide_id == guide.id and card.region == "鄞州区" and card.name == "居民身份证换领"
    assert card.form_url == guide.form_url and card.demo and card.materials[0] == guide.materials[0].name
    assert guide.name in card.text and "演示数据" in card.text
    assert [b.title for b in follow_up.buttons][-1] == "去办理"


def test_elder_card_is_shorter(guide):
    normal = guide_card(guide)[0].text
    elder = guide_card(guide, elder=True)[0].text
    assert "主要材料" not in elder and "主要材料" in normal


def test_a_card_before_the_district_leaves_out_everything_about_the_place(guide):
    (card,) = guide_card(guide, district_known=False)
    assert isinstance(card, GuideCard) and card.district_pending
    assert card.region == card.department == card.address == card.phone == "" and card.form_url is None
    assert card.materials == tuple(m.name for m in guide.materials) and card.fee == guide.fee
    for told in (guide.region.name, guide.department, guide.address, guide.phone):
        assert told not in card.text
    assert "各区县相同" in card.text and "因区县而异" in card.text


@pytest.mark.parametrize("aspect", sorted(set(ASPECTS) - PLACE_ASPECTS))
def test_an_aspect_before_the_district_holds_for_every_district(guide, aspect):
    (message,) = aspect_answer(guide, aspect, district_known=False)
    assert f"「{guide.name}」（各区县相同）" in message.text and guide.region.name not in message.text
    assert message.buttons == ()  # the district question follows instead


def test_the_place_cannot_be_told_before_the_district(guide):
    with pytest.raises(ValueError, match="depends on the district"):
        aspect_answer(guide, "location", district_known=False)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_aspect_answers_about_the_guide(guide, aspect):
    (message,) = aspect_answer(guide, aspect)
    assert guide.name in message.text
    assert all(b.payload.startswith("/") for b in message.buttons)


def test_materials_answer_lists_each_material(guide):
    (message,) = aspect_answer(guide, "materials")
    for material in guide.materials:
        assert material.name in message.text


def test_unknown_aspect_is_a_clear_error(guide):
    with pytest.raises(ValueError, match="unknown aspect"):
        aspect_answer(guide, "weather")


def test_form_handoff_prefills_region_applicant_and_matter(guide):
    (handoff,) = form_handoff(guide, "个人")
    assert isinstance(handoff, FormHandoff)
    query = parse_qs(urlsplit(handoff.form_url).query)
    assert query["region"] == ["鄞州区"] and query["applicant_type"] == ["个人"]
    assert query["guide"] == [guide.id] and query["matter"] == [guide.name]
    assert handoff.prefill == {"region": "鄞州区", "applicant_type": "个人", "matter": guide.name}


def test_prefill_keeps_existing_parameters():
    url = prefilled_link("http://x/forms/A?guide=G&lang=zh", {"region": "海曙区", "applicant_type": ""})
    assert parse_qs(urlsplit(url).query) == {"guide": ["G"], "lang": ["zh"], "region": ["海曙区"]}


@pytest.mark.parametrize(
    "entity, text, level",
    [
        ("5", "", 5),
        (None, "非常不满意", 1),
        (None, "不满意", 2),
        (None, "还行吧", 3),
        (None, "打4分", 4),
        (None, "嗯", None),
    ],
)
def test_ratings_are_read_from_buttons_and_words(entity, text, level):
    assert parse_rating(entity, text) == level


def test_rating_request_offers_five_levels_best_first():
    assert [o.level for o in rating_request().options] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("网上能办吗", "online"),
        ("要多少钱", "fee"),
        ("多久能拿到", "time"),
        ("在哪办", "location"),
        ("要带什么材料", "materials"),
        ("流程是怎样的", "process"),
        ("你好", None),
    ],
)
def test_aspect_cues(text, aspect):
    assert aspect_in(text) == aspect
