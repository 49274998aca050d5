"""Questions about one guide answered from its own text: real catalogue guides, the real search index."""

from __future__ import annotations

import pytest

from bot.actions.follow_up import need_words, ranker_of
from bot.actions.guide_questions import Basis, answer_from_guide
from bot.actions.guide_sentences import sentences_of, split_sentences
from daofu.config import load_settings
from daofu.services import Services


@pytest.fixture(scope="module")
def services():
    opened = Services.open(load_settings())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def ranker(services):
    return ranker_of(services.searcher())


def guide(services, name, region):
    return services.catalog.find_guide(name, region)


def test_a_guide_is_cut_into_quotable_sentences(services):
    id_card = guide(services, "居民身份证换领", "鄞州区")
    sentences = sentences_of(id_card)
    fields = {s.field for s in sentences}
    assert {"conditions", "material", "step", "faq", "fee", "hours"} <= fields
    assert split_sentences("甲。乙；丙") == ["甲。", "乙；", "丙"]
    assert any("委托" not in s.text and s.field == "faq" and "外省" in s.quote for s in sentences)


def test_a_paraphrased_faq_question_is_answered_with_its_yes_first(services, ranker):
    reply = answer_from_guide(guide(services, "居民身份证换领", "鄞州区"), "我老家江西的，在宁波这边能换不", ranker)
    assert reply.basis is Basis.SENTENCE and reply.verdict is True
    assert reply.text.startswith("可以。") and "外省户籍人员" in reply.text


def test_someone_acting_for_the_applicant_is_allowed_when_the_materials_expect_them(services, ranker):
    reply = answer_from_guide(guide(services, "社会保障卡补领", "北仑区"), "叫我儿子帮我跑一趟行不行", ranker)
    assert reply.verdict is True and reply.text.startswith("可以。")
    assert "委托他人办理时提供" in reply.text  # the sentence it relies on is quoted


def test_a_guide_that_does_not_say_gets_no_guessed_yes_but_the_phone(services, ranker):
    id_card = guide(services, "居民身份证换领", "鄞州区")
    reply = answer_from_guide(id_card, "能叫我老婆替我去办吗", ranker)
    assert reply.basis is Basis.UNSTATED and reply.verdict is None
    assert "没有写到" in reply.text and id_card.phone in reply.text


def test_saturday_at_a_district_office_is_a_no_with_the_hours_and_the_online_way(services, ranker):
    reply = answer_from_guide(guide(services, "居民身份证换领", "海曙区"), "礼拜六上午过去办可以伐", ranker)
    assert reply.basis is Basis.FIELD and reply.verdict is False
    assert reply.text.startswith("不能。") and "周一至周五" in reply.text and "浙里办" in reply.text


def test_online_fee_same_day_and_a_material_are_decided_by_the_fields(services, ranker):
    id_card = guide(services, "居民身份证换领", "江北区")
    online = answer_from_guide(id_card, "手机上可以申请吗", ranker)
    assert online.verdict is True and online.text.startswith("可以。")
    fee = answer_from_guide(id_card, "换证收不收钱", ranker)
    assert fee.text.startswith("要收费。") and "20元" in fee.text
    same_day = answer_from_guide(id_card, "当天就能拿到新证吗", ranker)
    assert same_day.verdict is False and "15个工作日" in same_day.text
    register = answer_from_guide(id_card, "户口本要不要带上", ranker)
    assert register.text.startswith("视情况需要。") and "居民户口簿" in register.text


def test_follow_up_themes_are_not_words_of_a_new_need(services):
    searcher = services.searcher()
    assert need_words(searcher, "我妈腿脚不便能让我代办吗") == []
    assert "许可证" in need_words(searcher, "开个小饭馆要办什么许可证")


def test_a_guide_requiring_both_in_person_says_no_to_going_alone(services, ranker):
    marriage = guide(services, "内地居民结婚登记", "鄞州区")
    alone = answer_from_guide(marriage, "我先一个人去可以吗", ranker)
    assert alone.verdict is False and alone.text.startswith("不能。") and "到场" in alone.text
    # A rule with no presence in it decides nothing about presence.
    rent = guide(services, "住房公积金提取（租房）", "鄞州区")
    assert answer_from_guide(rent, "要本人去吗", ranker).verdict is None


def test_a_material_asked_in_other_words_is_found_in_the_list(services, ranker):
    licence = guide(services, "机动车驾驶证有效期满换证", "慈溪市")
    check = answer_from_guide(licence, "是不是还得去体检", ranker)
    assert check.text.startswith("需要。") and "身体条件证明" in check.text
