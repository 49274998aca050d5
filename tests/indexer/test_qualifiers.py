"""Qualifiers that pick a sibling: the table, and the reordering on the real catalogue."""

from __future__ import annotations

import pytest

from daofu.config import load_settings
from indexer.qualifiers import QUALIFIER_WORDS_FILE, Qualifiers, QualifierWordsError
from indexer.search import Searcher, load_searcher


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


def test_every_qualifier_of_the_shipped_table_is_in_some_matter_name():
    searcher = load_searcher(load_settings())
    names = [matter.name for matter in searcher.data.matters]
    for qualifier in Qualifiers.load(QUALIFIER_WORDS_FILE).qualifiers:
        assert any(qualifier.name_word in name for name in names), qualifier.name_word


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return load_searcher(load_settings())


@pytest.mark.parametrize(
    "question, matter",
    [
        ("香港来的同事在宁波上班，想办张居住证", "港澳台居民居住证申领"),
        ("我们车间要新装电表", "低压非居民用电新装"),
        ("家里要新装电表", "居民生活用电新装"),  # no qualifier: the general sibling stays first
        ("来宁波上班的人办居住证", "居住证申领"),
    ],
)
def test_the_qualified_sibling_comes_first_only_when_the_question_evokes_it(searcher, question, matter):
    assert searcher.search(question, top_k=3).hits[0].name == matter
