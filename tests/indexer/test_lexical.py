"""BM25: which question words a matter's texts hold (the "why" of each hit)."""

from __future__ import annotations

from indexer.lexical import BM25Index


def test_matched_terms_of_several_documents_agree_with_one_at_a_time():
    index = BM25Index.build([["居民", "身份证", "换领"], ["社会", "保障卡", "补领"], ["身份证", "补领"], []])
    tokens = ["身份证", "补领", "护照", "身份证"]
    together = index.matched_terms_of(tokens, [2, 0, 3, 1])
    assert together == [["身份证", "补领"], ["身份证"], [], ["补领"]]
    assert [index.matched_terms(tokens, d) for d in (2, 0, 3, 1)] == together


def test_matched_terms_survive_a_round_trip_through_the_saved_arrays():
    index = BM25Index.build([["甲", "乙"], ["乙", "丙"], ["丙"]])
    loaded = BM25Index.from_arrays(index.to_arrays())
    assert loaded.matched_terms_of(["丙", "甲"], [0, 1, 2]) == [["甲"], ["丙"], ["丙"]]
