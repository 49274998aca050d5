"""The hand-off link's query string → the form's known fields."""

from __future__ import annotations

from channels.forms.prefill import MAX_EXTRA_FIELDS, MAX_VALUE_CHARS, parse_prefill


def test_known_fields_and_extra_parameters_are_separated():
    prefill = parse_prefill(
        {"guide": ["NB-1"], "region": ["鄞州区"], "applicant_type": ["个人"], "matter": ["居民身份证换领"],
         "household": ["本市户籍"]}
    )  # fmt: skip
    assert prefill.known == {"region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领"}
    assert prefill.extra == (("household", "本市户籍"),)
    assert "guide" not in prefill.known  # steers the page, fills no field


def test_first_value_counts_and_values_are_trimmed_and_capped():
    prefill = parse_prefill({"region": ["  海曙区 ", "江北区"], "matter": ["长" * 500], "name": ["   "]})
    assert prefill.get("region") == "海曙区"
    assert len(prefill.get("matter")) == MAX_VALUE_CHARS
    assert "name" not in prefill.known  # blank values fill nothing


def test_plain_string_values_are_accepted_too():
    assert parse_prefill({"region": "北仑区"}).get("region") == "北仑区"


def test_extra_parameters_are_bounded():
    prefill = parse_prefill({f"k{i}": [str(i)] for i in range(50)})
    assert len(prefill.extra) == MAX_EXTRA_FIELDS


def test_applicant_type_is_normalised_to_the_forms_choices():
    assert parse_prefill({"applicant_type": ["企业"]}).applicant_type == "法人"
    assert parse_prefill({"applicant_type": ["自然人"]}).applicant_type == "个人"
    assert parse_prefill({"applicant_type": ["外星人"]}).applicant_type == ""
    assert parse_prefill({}).applicant_type == ""
