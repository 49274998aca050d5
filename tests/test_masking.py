"""Phone, ID and other long numbers are masked before text is stored, logged or shown to others."""

from __future__ import annotations

import pytest

from daofu.masking import mask_pii, valid_phone


@pytest.mark.parametrize(
    "text, masked",
    [
        ("13812345678", "138****5678"),
        ("来电 13912345678 想换身份证", "来电 139****5678 想换身份证"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 13812345678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("0574-87654321", "0574-****4321"),
        ("057487654321", "0574-****4321"),
        ("0574 8765 4321", "0574-****4321"),
        ("010-12345678", "010-****5678"),
        ("座机87654321", "座机****4321"),
        ("身份证330203199001011234", "身份证3302**********1234"),
        ("33020319900101123X", "3302**********123X"),
        ("33020319900101123x号", "3302**********123x号"),
        ("手机13812345678身份证330203199001011234", "手机138****5678身份证3302**********1234"),
        ("ID330203199001011234", "ID3302**********1234"),
        ("身份证号330203 19900101 1234", "身份证号3302**********1234"),
        ("330203-19900101-123X", "3302**********123X"),
        ("老身份证330203900101123", "老身份证3302********123"),
        ("１３８１２３４５６７８", "138****5678"),
        ("３３０２０３１９９００１０１１２３４", "3302**********1234"),
        ("138.1234.5678", "138****5678"),
        ("卡号6222021234567890123", "卡号6222***********0123"),
    ],
)
def test_numbers_are_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    ["身份证到期怎么换", "12345热线", "NB-330212-NBC-A-020", "2024年的社保", "第3项材料", "鄞州区", "12138", ""],
)
def test_text_without_numbers_to_hide_is_unchanged(text):
    assert mask_pii(text) == text


def test_masking_is_idempotent():
    once = mask_pii("13812345678 0574-87654321 330203199001011234")
    assert mask_pii(once) == once


def test_no_digits_of_the_middle_survive():
    for number in ("13812345678", "330203199001011234", "0574-87654321"):
        masked = mask_pii(f"号码{number}。")
        assert number not in masked and "*" in masked


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+8613812345678", "0574-87654321", "057487654321"])
def test_valid_phones(phone):
    assert valid_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "87654321", "abc", "", "138123456789"])
def test_invalid_phones(phone):
    assert not valid_phone(phone)
