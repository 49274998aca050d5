"""Typing slips by sound: which runs are rewritten to a catalogue word and which are left alone."""

from __future__ import annotations

from collections import Counter

import pytest

from indexer.homophones import HomophoneCorrector, sound
from indexer.text import TextAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer()


def corrector(analyzer: TextAnalyzer, **uses: int) -> HomophoneCorrector:
    return HomophoneCorrector(Counter(uses), analyzer.is_word, analyzer.words)


def test_sound_ignores_tones():
    assert sound("报名") == sound("抱名") == ("bao", "ming")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("驾校抱名要带什么", "驾校报名要带什么"),
        ("二手车过护去哪里", "二手车过户去哪里"),
        ("残继人证怎么申请", "残疾人证怎么申请"),
    ],
)
def test_a_run_that_sounds_like_a_catalogue_word_is_rewritten(analyzer, typed, meant):
    fixer = corrector(analyzer, 报名=40, 过户=12, 残疾=8)
    assert fixer.correct(typed) == meant
    assert fixer.corrections(typed) == [(typed, meant)]


def test_real_words_and_words_cut_in_two_are_left_alone(analyzer):
    fixer = corrector(analyzer, 公示=10, 海子=3, 报名=40)
    assert fixer.correct("这个公式怎么算") == "这个公式怎么算"  # 公式 is a word of its own
    assert fixer.correct("我家的孩子报名") == "我家的孩子报名"  # 的孩 cuts 孩子 in two
    assert fixer.corrections("我家的孩子报名") == []


def test_grammatical_characters_are_taken_as_typed(analyzer):
    fixer = corrector(analyzer, 娶了=5, 补发=5)
    assert fixer.correct("他去了杭州") == "他去了杭州"
    assert fixer.correct("工资一直不发") == "工资一直不发"


def test_two_catalogue_words_of_one_sound_used_alike_are_not_guessed(analyzer):
    close = corrector(analyzer, 报名=10, 宝名=8)
    assert close.correct("驾校抱名") == "驾校抱名"
    clear = corrector(analyzer, 报名=10, 宝名=2)
    assert clear.correct("驾校抱名") == "驾校报名"


def test_text_without_chinese_or_too_short_is_unchanged(analyzer):
    fixer = corrector(analyzer, 报名=10)
    assert fixer.correct("c1 b2 ok") == "c1 b2 ok"
    assert fixer.correct("抱") == "抱"
    assert fixer.correct("") == ""
