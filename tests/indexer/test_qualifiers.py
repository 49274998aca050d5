"""Qualifiers that pick a sibling: the table, and the reordering on the real catalogue."""

from __future__ import annotations

import pytest

from indexer.qualifiers import QUALIFIER_WORDS_FILE, Qualifiers, QualifierWordsError


def table(tmp_path, text: str):
    path = tmp_path / "qualifier_words.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_question_favours_the_names_holding_the_qualifier_it_evokes(tmp_path):
    qualifiers = Qualifiers.load(table(tmp_path, "# comment\n港澳台\t台湾|香港\n非居民\t工厂|车间\n"))
    names = ["居住证申领", "港澳台居民居住证申领", "低压非居民用电新装"]
    assert qualifiers.favoured("香港同事要办居住证", names) == [False, True, False]
    assert qualifiers.favoured("车间要装电表", names) == [False, False, True]
    assert qualifiers.favoured("办居住证", names) == [False, False, False]
    assert [q.name_word for q in qualifiers.evoked("台湾的工厂")] == ["港澳台", "非居民"]


@pytest.mark.parametrize("text", ["港澳台\n", "\t台湾\n", "港澳台\t台湾\t香港\n", "港澳台\t|\n"])
def test_a_malformed_line_is_an_error_that_names_it(tmp_path, text):
    with pytest.raises(QualifierWordsError, match=r"qualifier_words\.tsv"):
        Qualifiers.load(table(tmp_path, text))


def test_every_qualifier_of_the_shipped_table_is_in_some_matter_name(searcher):
    names = [matter.name for matter in searcher.data.matters]
    for qualifier in Qualifiers.load(QUALIFIER_WORDS_FILE).qualifiers:
        assert any(qualifier.name_word in name for name in names), qualifier.name_word


@pytest.mark.parametrize(
    "question, matter",
    [
        ("香港来的同事在宁波上班，想办张居住证", "港澳台居民居住证申领"),
        ("我们车间要新装电表", "低压非居民用电新装"),
        ("家里要新装电表", "居民生活用电新装"),  # no qualifier: the general sibling stays first
        ("来宁波上班的人办居住证", "居住证申领"),
        # the case of a sibling, told as the situation
        ("全家要移民澳洲了，住房公积金能一次取出来吗", "住房公积金提取（出境定居）"),
        ("银行给我们公司一个循环贷额度，用仓库做抵押，登记怎么办", "抵押权首次登记（最高额抵押）"),
        ("我要起诉一个欠钱不还的人，能查他名下的房产登记吗", "不动产登记资料查询（利害关系人查询）"),
        ("在宁波交了五年养老保险，现在要回四川老家工作，怎么转走", "企业职工基本养老保险关系转移接续（跨省转出）"),
        ("女儿去香港读书，通行证要办哪种签注", "办理往来港澳通行证逗留签注"),
        ("孩子在日本出生的，回国了要报户口", "出生登记（国外出生）"),
        ("我的自考毕业证丢了", "办理自学考试毕业证明书"),
        ("领工伤长期待遇每年都要认证吗", "工伤职工和供养亲属领取工伤保险长期待遇资格认证"),
    ],
)
def test_the_qualified_sibling_comes_first_only_when_the_question_evokes_it(searcher, question, matter):
    assert searcher.search(question, top_k=3).hits[0].name == matter
