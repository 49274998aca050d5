"""A guide's form link with the conversation's pre-fill, written and read back (knowledge.forms)."""

from __future__ import annotations

import pytest

from knowledge.forms import MAX_EXTRA_FIELDS, MAX_VALUE_CHARS, prefilled_link, read_prefill


def test_known_fields_and_extra_parameters_are_separated():
    prefill = read_prefill(
        {"guide": ["NB-1"], "region": ["鄞州区"], "applicant_type": ["个人"], "matter": ["居民身份证换领"],
         "household": ["本市户籍"]}
    )  # fmt: skip
    assert prefill.known == {"region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领"}
    assert prefill.extra == (("household", "本市户籍"),)
    assert "guide" not in prefill.known  # steers the page, fills no field


def test_first_value_counts_and_values_are_trimmed_and_capped():
    prefill = read_prefill({"region": ["  海曙区 ", "江北区"], "matter": ["长" * 500], "name": ["   "]})
    assert prefill.get("region") == "海曙区"
    assert len(prefill.get("matter")) == MAX_VALUE_CHARS
    assert "name" not in prefill.known  # blank values fill nothing


def test_plain_string_values_are_accepted_too():
    assert read_prefill({"region": "北仑区"}).get("region") == "北仑区"


def test_extra_parameters_are_bounded():
    prefill = read_prefill({f"k{i}": [str(i)] for i in range(50)})
    assert len(prefill.extra) == MAX_EXTRA_FIELDS


def test_applicant_type_is_normalised_to_the_forms_choices():
    assert read_prefill({"applicant_type": ["企业"]}).applicant_type == "法人"
    assert read_prefill({"applicant_type": ["自然人"]}).applicant_type == "个人"
    assert read_prefill({"applicant_type": ["外星人"]}).applicant_type == ""
    assert read_prefill({}).applicant_type == ""


def test_a_prefilled_link_is_read_back_as_written():
    link = prefilled_link(
        "http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020",
        {"region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领", "name": ""},
    )
    from urllib.parse import parse_qs, urlsplit

    args = parse_qs(urlsplit(link).query)
    assert args["guide"] == ["NB-330212-NBC-A-020"]  # the link's own parameters are kept
    prefill = read_prefill(args)
    assert prefill.known == {"region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领"}


def test_unknown_prefill_fields_are_refused_when_writing():
    with pytest.raises(ValueError, match="unknown pre-fill fields"):
        prefilled_link("http://x.example/f", {"salary": "1"})
