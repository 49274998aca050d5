"""Homophone typing slips put right before search: the rules alone, then on the real catalogue."""

from __future__ import annotations

import pytest

from indexer.typos import TypoCorrector, reading, sounds_alike

WORDS = ["护照", "营业执照", "保障卡", "申请", "登记", "等级", "娶了", "小肠"]
COMMON = {"护照": 6, "申请": 65, "登记": 119, "等级": 10, "娶了": 4}  # 营业执照…: only as long words


def corrector(**overrides) -> TypoCorrector:
    options = {"frequency": {"小厂": 0, "预收": 23}, "common_words": COMMON} | overrides
    table = options["frequency"]
    return TypoCorrector(WORDS, lambda word: table.get(word, 0), common_words=options["common_words"])


def test_readings_ignore_tones():
    assert reading("照") == reading("找") == "zhao"
    assert sounds_alike("业", "叶") and not sounds_alike("业", "书")


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("户照过期了", "护照过期了"),
        ("营叶执照怎么办", "营业执照怎么办"),
        ("社会保章卡补办", "社会保障卡补办"),
        ("低保申青", "低保申请"),
    ],
)
def test_a_homophone_slip_becomes_the_catalogue_word(typed, meant):
    assert corrector().correct(typed) == meant


def test_words_longer_than_four_characters_are_not_matched_whole():
    assert TypoCorrector(["社会保障卡"], lambda word: 0).correct("社会保章卡") == "社会保章卡"


def test_each_correction_says_where_and_what():
    found = corrector().corrections("我的户照和营叶执照")
    assert [(c.start, c.typed, c.meant) for c in found] == [(2, "户照", "护照"), (5, "营叶执照", "营业执照")]


def test_of_several_catalogue_words_the_one_of_most_matters_wins():
    # 等记 sounds like both 登记 (first character) and 等级 (second); 登记 names more matters.
    assert corrector().correct("怎么等记") == "怎么登记"


def test_real_words_and_particles_are_left_alone():
    # 预收 is a word of its own (frequency 23), however much it sounds like a catalogue word.
    assert corrector(frequency={"预收": 23}).correct("预收") == "预收"
    # A particle is never part of a slip: 去了 is not 娶了.
    assert corrector().correct("孩子去了外地") == "孩子去了外地"


def test_two_characters_are_only_put_right_into_common_words():
    # 小肠 is a catalogue word but of few matters: 小厂 stays a small factory.
    assert corrector().correct("他在小厂上班") == "他在小厂上班"


def test_pieces_of_real_words_are_left_alone():
    # Cut as 护照 | 找 | 人, the stretch 照找 straddles a word, so nothing is read into it.
    segments = {"护照找人": ["护照", "找", "人"]}
    fixer = TypoCorrector(["照找"], lambda word: 0, segment=lambda text: segments.get(text, list(text)))
    assert fixer.correct("护照找人") == "护照找人"


def test_text_without_chinese_or_slips_is_returned_unchanged():
    fixer = corrector()
    for text in ("", "abc 123", "😀", "护照过期了", "x" * 500):
        assert fixer.correct(text) == text


@pytest.mark.parametrize(
    "typed, matter",
    [
        ("户照过期了怎么换", "普通护照换发"),
        ("社会保章卡补办", "社会保障卡补领"),
        ("低保申青要什么材料", "最低生活保障对象认定"),
    ],
)
def test_search_finds_the_matter_through_a_slip(searcher, typed, matter):
    result = searcher.search(typed, top_k=3)
    assert not result.no_match
    assert result.hits[0].name == matter


def test_search_leaves_ordinary_questions_as_typed(searcher):
    for text in ("公司要办什么手续", "孩子去了外地上学", "通行证过期了"):
        assert searcher.typos.correct(text) == text
