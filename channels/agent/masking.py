"""Masking phone and ID numbers before anything an agent typed is stored.

Callers describe themselves to the agent, and agents sometimes type what they hear — a mobile
number, a landline, a 身份证 number — into the search box or the send-link field. The lookup log
keeps queries for the monthly report, never those numbers: :func:`mask_pii` replaces their middle
digits with ``*`` before a row is written.

* 18-digit ID numbers (the last may be X): ``330203199001011234`` → ``3302**********1234``;
* mobiles ``1[3-9]`` + 9 digits, also written ``138 1234 5678``, ``138-1234-5678``, ``+86…``:
  ``13812345678`` → ``138****5678``;
* landlines with an area code (``0574-87654321``, ``057487654321``) → ``0574-****4321``; bare
  local numbers of 7–8 digits → ``****4321``.

Over-masking (a long number that was not a phone) is preferred to leaking one.
"""

from __future__ import annotations

import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})[- ]?\d{3,4}[- ]?(\d{4})(?![0-9])")
_LOCAL = re.compile(r"(?<![0-9])[2-9]\d{2,3}[- ]?(\d{4})(?![0-9])")


def mask_pii(text: str) -> str:
    """``text`` with ID, mobile and landline numbers masked (see the module docstring)."""
    text = _ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(2), text)
    return _LOCAL.sub(lambda m: "****" + m.group(1), text)


MOBILE_NUMBER = re.compile(r"(?:(?:\+|00)?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}")
LANDLINE_NUMBER = re.compile(r"0\d{2,3}[- ]?\d{3,4}[- ]?\d{4}")


def valid_phone(text: str) -> bool:
    """Whether ``text`` is a mobile or landline number a link could be sent to."""
    value = text.strip()
    return bool(MOBILE_NUMBER.fullmatch(value) or LANDLINE_NUMBER.fullmatch(value))
