"""Masking personal numbers (身份证, phone, bank card) before text is stored, logged or shown to others.

People describe themselves to the assistant and to agents — a mobile number, a landline, a 身份证
number — and agents type what they hear. One function, :func:`mask_pii`, replaces the middle
digits with ``*`` wherever such text goes beyond the conversation itself: the lookup log, hand-off
summaries, transcripts shown to agents, the monthly report, the knowledge-gap list and logs.

* ID numbers: 18 digits (the last may be X), also written with spaces, hyphens or dots
  (``330203 19900101 1234``) or glued to letters (``ID330203199001011234``), and the old 15-digit
  ones → first 4 and last 4 (15-digit: last 3) kept;
* mobiles ``1[3-9]`` + 9 digits, also written ``138 1234 5678``, ``138-1234-5678``, ``138.1234.5678``,
  ``+86…``: ``13812345678`` → ``138****5678``;
* landlines with an area code (``0574-87654321``, ``057487654321``) → ``0574-****4321``; bare local
  numbers of 7–8 digits → ``****4321``;
* any other run of 12 or more digits (bank cards, account numbers) → first 4 and last 4 kept.

Full-width digits (``１３８…``) are read as digits. Over-masking (a long number that was not
personal) is preferred to leaking one. Text is cleaned first (:func:`clean_text`): what is stored
never holds a lone surrogate or a control character that a database or a terminal would choke on.

Example::

    mask_pii("来电 138.1234.5678，身份证330203199001011234")
    # '来电 138****5678，身份证3302**********1234'
"""

from __future__ import annotations

import hashlib
import re

# Lone surrogates (not text at all) and C0 controls except tab and newline.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_SEP = r"[ \t.\-]?"
_ID18 = re.compile(rf"(?<!\d)(\d{{4}})\d{{2}}{_SEP}\d{{8}}{_SEP}(\d{{3}}[\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{3})(?!\d)")
_LONG = re.compile(r"(?<!\d)(\d{4})\d{4,}(\d{4})(?!\d)")
_MOBILE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")
_LANDLINE = re.compile(rf"(?<!\d)(0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}(\d{{4}})(?!\d)")
_LOCAL = re.compile(rf"(?<!\d)[2-9]\d{{2,3}}{_SEP}(\d{{4}})(?!\d)")


def clean_text(text: str) -> str:
    """``text`` without lone surrogates and control characters (tab, newline and CR kept)."""
    return _UNSAFE.sub("", text)


def mask_pii(text: str) -> str:
    """``text`` cleaned, with ID, phone and other long numbers masked (see the module docstring)."""
    if not text:
        return text
    text = clean_text(text).translate(_FULL_WIDTH)
    text = _ID18.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _ID15.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(2), text)
    text = _LONG.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    return _LOCAL.sub(lambda m: "****" + m.group(1), text)


MOBILE_NUMBER = re.compile(r"(?:(?:\+|00)?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}")
LANDLINE_NUMBER = re.compile(r"0\d{2,3}[- ]?\d{3,4}[- ]?\d{4}")


def valid_phone(text: str) -> bool:
    """Whether ``text`` is a mobile or landline number a link could be sent to."""
    value = text.strip().translate(_FULL_WIDTH)
    return bool(MOBILE_NUMBER.fullmatch(value) or LANDLINE_NUMBER.fullmatch(value))


def log_id(value: str) -> str:
    """A stable, non-reversible tag for logs: sender ids, openids and MsgIds are keys to a
    conversation and personal data, so logs carry only this (the same value, the same tag)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]
