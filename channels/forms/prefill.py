"""What the conversation already knows, as it arrives in the hand-off link's query string.

The dialogue's ``form_handoff`` link carries the pre-fill as query parameters
(``?guide=…&region=鄞州区&applicant_type=个人&matter=…``, docs/messages.md). Known names get their
own form fields; any other parameter is kept, labelled with its name, so that a newer dialogue can
pass more without this page changing. Everything is bounded: a link is not a place for essays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Query parameters that steer the page rather than fill a field.
CONTROL_PARAMS = frozenset({"guide"})
KNOWN_FIELDS = {
    "matter": "事项名称",
    "region": "办理区域",
    "applicant_type": "申请人类型",
    "name": "申请人姓名",
    "phone": "联系电话",
}
APPLICANT_TYPES = ("个人", "法人")
MAX_EXTRA_FIELDS = 12
MAX_KEY_CHARS = 40
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Prefill:
    """Known values by field name, plus the extra parameters in the order they came."""

    known: dict[str, str] = field(default_factory=dict)
    extra: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str = "") -> str:
        return self.known.get(name, default)

    @property
    def applicant_type(self) -> str:
        """个人 or 法人 when the link says so (企业/单位 count as 法人), else empty."""
        value = self.get("applicant_type")
        if value in ("企业", "单位", "法人"):
            return "法人"
        return "个人" if value in ("个人", "自然人") else ""


def _first(values: str | Sequence[str]) -> str:
    if isinstance(values, str):
        return values
    return values[0] if values else ""


def parse_prefill(args: Mapping[str, str | Sequence[str]]) -> Prefill:
    """The pre-fill from query arguments (first value of each), trimmed and capped."""
    known: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for key, values in args.items():
        value = _first(values).strip()[:MAX_VALUE_CHARS]
        if key in CONTROL_PARAMS or not value:
            continue
        if key in KNOWN_FIELDS:
            known[key] = value
        elif len(extra) < MAX_EXTRA_FIELDS:
            extra.append((key.strip()[:MAX_KEY_CHARS], value))
    return Prefill(known, tuple(extra))
