"""Reading a question before search: Ningbo words, the clauses that carry the need, sibling families."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.clauses import focus, read_clauses, split_clauses
from indexer.colloquial import ColloquialRewriter, ColloquialWordsError
from indexer.families import Families, load_variant_words, split_variant


@pytest.fixture(scope="module")
def rewriter() -> ColloquialRewriter:
    return ColloquialRewriter.load()


@pytest.mark.parametrize(
    "spoken, plain",
    [
        ("阿拉囡囡的医保卡寻勿着了", "我们孩子的医保卡找不到了"),
        ("屋里厢老人走勿动，好上门办伐？", "家里老人走不动，能上门办吗？"),
        ("伊格驾照过期了是伐", "他的驾照过期了是吗"),
        ("结婚正丢了", "结婚证丢了"),
    ],
)
def test_spoken_words_become_plain_words(rewriter, spoken, plain):
    assert rewriter.rewrite(spoken) == plain


@pytest.mark.parametrize("text", ["林木采伐许可证怎么办", "砍伐树木要审批吗", "伊斯兰教活动场所登记", "请勿吸烟"])
def test_words_that_contain_a_spoken_character_are_left_alone(rewriter, text):
    assert rewriter.rewrite(text) == text


def test_a_malformed_word_table_names_the_line(tmp_path: Path):
    table = tmp_path / "words.tsv"
    table.write_text("# comment\n阿拉\t我们\n只有一列\n", encoding="utf-8")
    with pytest.raises(ColloquialWordsError, match=r"words.tsv:3"):
        ColloquialRewriter.load(table)


KNOWN = {"社保卡", "密码", "身份证", "换领"}


def tokens(text: str) -> list[str]:
    return [word for word in KNOWN if word in text]


def test_background_clauses_are_dropped_from_a_long_question():
    text = "我七十多了眼睛不好，社保卡密码忘记掉了，哪里可以重新弄"
    assert focus(text, KNOWN.__contains__, tokens) == "社保卡密码忘记掉了，哪里可以重新弄"


def test_short_questions_and_questions_without_background_stay_whole():
    assert focus("社保卡密码忘了", KNOWN.__contains__, tokens) == "社保卡密码忘了"
    text = "身份证下个月就要到期了，能不能在宁波直接换领，需要带哪些东西"
    assert focus(text, KNOWN.__contains__, tokens) == text


def test_a_question_with_no_need_words_at_all_is_kept_rather_than_emptied():
    text = "今天天气很好，阳光明媚，心情也很好，出去走走"
    assert focus(text, KNOWN.__contains__, tokens) == text


def test_clauses_say_what_they_carry():
    clauses = read_clauses("厂里礼拜天休息，身份证到期了", KNOWN.__contains__, tokens)
    assert [(c.text, c.carries_need) for c in clauses] == [("厂里礼拜天休息", False), ("身份证到期了", True)]
    assert split_clauses("一，二。三？ 四") == ["一", "二", "三", "四"]


ROWS = [
    ("NBC-1", "户口迁移（夫妻投靠）", False),
    ("NBC-3", "户口迁移（子女投靠父母）", False),
    ("NBC-2", "户口迁移（父母投靠子女）", True),
    ("NBC-4", "户口迁移一件事", False),
    ("NBC-5", "交通违法记分减免（学法减分）", False),
    ("NBC-6", "社会保障卡补领", False),
]


def test_families_are_derived_from_names_most_common_first():
    families = Families.derive(ROWS, variant_words={"户口迁移（父母投靠子女）": "父母的户口迁到子女这里"})
    family = families.of("户口迁移（夫妻投靠）")
    assert family is not None and family.base == "户口迁移"
    # High-frequency first, then catalogue order; the person's words where the table has some.
    assert [(m.code, m.words) for m in family.members] == [
        ("NBC-2", "父母的户口迁到子女这里"),
        ("NBC-1", "夫妻投靠"),
        ("NBC-3", "子女投靠父母"),
    ]
    assert families.of("户口迁移一件事") is None  # no case in brackets
    assert families.of("交通违法记分减免（学法减分）") is None  # a single case is no family
    assert families.common(["户口迁移（夫妻投靠）", "户口迁移（子女投靠父母）"]) is family
    assert families.common(["户口迁移（夫妻投靠）", "社会保障卡补领"]) is None


def test_split_variant():
    assert split_variant("国有建设用地使用权及房屋所有权转移登记（继承、受遗赠）") == (
        "国有建设用地使用权及房屋所有权转移登记",
        "继承、受遗赠",
    )
    assert split_variant("社会保障卡补领") is None


def test_the_shipped_variant_words_name_only_cased_matters():
    words = load_variant_words()
    assert words, "knowledge/data/variant_words.tsv is empty"
    assert all(split_variant(name) for name in words)


def test_a_malformed_variant_table_names_the_line(tmp_path: Path):
    table = tmp_path / "variants.tsv"
    table.write_text("出生登记（婚内生育）\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"variants.tsv:1"):
        load_variant_words(table)
