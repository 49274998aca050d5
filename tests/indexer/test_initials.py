"""Pinyin initials typed for a catalogue word: the rules alone, then through the real search."""

from __future__ import annotations

import pytest

from indexer.initials import InitialsExpander, initials

WORDS = ["身份证", "公积金", "国家级", "营业执照", "社保", "住房公积金提取"]


def expander() -> InitialsExpander:
    return InitialsExpander.build(WORDS, preference=lambda word: word == "公积金")


def test_initials_are_the_first_letters_of_the_readings():
    assert initials("身份证") == "sfz" and initials("营业执照") == "yyzz"


def test_a_run_of_initials_becomes_the_word():
    assert expander().expand("sfz丢了，gjj能取吗") == "身份证丢了，公积金能取吗"
    assert expander().expand("yyzz 怎么办") == "营业执照 怎么办"


def test_of_words_sharing_initials_the_preferred_one_wins():
    assert expander().word_for_initials["gjj"] == "公积金"


@pytest.mark.parametrize(
    "text",
    [
        "sb卡丢了",  # two letters: too many words fit
        "c1增驾b2",  # letters next to digits
        "sfzx",  # no word with these initials
        "我的gjjxx",  # part of a longer run
        "app上能办吗",  # an English word no catalogue word abbreviates to
    ],
)
def test_other_letters_are_left_as_typed(text):
    assert expander().expand(text) == text


def test_no_word_to_abbreviate_is_an_error():
    with pytest.raises(ValueError, match="no word of 3 to 4"):
        InitialsExpander.build(["社保", "住房公积金提取"], preference=len)


@pytest.mark.parametrize(
    ("typed", "matter"),
    [("sfz掉了怎么补办", "居民身份证补领"), ("房子卖了，bdc证书要过户", "转移登记")],
)
def test_search_reads_the_initials_as_the_word(searcher, typed, matter):
    result = searcher.search(typed, top_k=5)
    assert not result.no_match
    assert any(matter in hit.name for hit in result.hits), [hit.name for hit in result.hits]
