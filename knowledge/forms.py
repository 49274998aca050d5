"""A guide's application form: its link, and the pre-fill the link carries.

Every guide with a form code has an application-form link made from the portal template
(``DAOFU_FORM_URL_TEMPLATE``, default: this service's own demo form page). When the dialogue hands
a person off to the form, the link carries what the conversation already knows as query
parameters (``?guide=…&region=鄞州区&applicant_type=个人&matter=…``) and the form page reads them
back. Both directions live here, so the names cannot drift apart.

Example::

    link = prefilled_link(guide.form_url, {"region": "鄞州区", "applicant_type": "个人"})
    read_prefill({"region": ["鄞州区"], "applicant_type": ["个人"]}).applicant_type   # '个人'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from daofu.config import DEFAULT_FORM_URL_TEMPLATE
from knowledge.errors import CatalogError

FORM_PLACEHOLDERS = ("public_url", "matter_code", "guide_id")
# The demo form page this service serves; a template that gives another link names a real portal.
DEMO_FORM_TEMPLATE = DEFAULT_FORM_URL_TEMPLATE

# Query parameters that steer the page rather than fill a field.
CONTROL_PARAMS = frozenset({"guide"})
# Fields the conversation may pre-fill, with the label the form shows.
PREFILL_FIELDS = {
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


def form_url(template: str, public_url: str, matter_code: str, guide_id: str) -> str:
    """The application form's address from the portal template (``{public_url}``, ``{matter_code}``,
    ``{guide_id}``); values are URL-quoted."""
    try:
        return template.format(
            public_url=public_url.rstrip("/"),
            matter_code=quote(matter_code, safe=""),
            guide_id=quote(guide_id, safe=""),
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise CatalogError(
            f"the form URL template {template!r} is not usable ({exc!r}); use only the placeholders "
            + ", ".join("{" + name + "}" for name in FORM_PLACEHOLDERS)
            + " (DAOFU_FORM_URL_TEMPLATE)"
        ) from None


def is_demo_form(template: str, public_url: str, matter_code: str, guide_id: str) -> bool:
    """Whether ``template`` gives this service's own demo page for the guide (no real portal)."""
    return form_url(template, public_url, matter_code, guide_id) == form_url(
        DEMO_FORM_TEMPLATE, public_url, matter_code, guide_id
    )


def prefilled_link(link: str, prefill: Mapping[str, str]) -> str:
    """``link`` with the non-empty pre-fill values added as query parameters (existing ones kept)."""
    unknown = set(prefill) - set(PREFILL_FIELDS)
    if unknown:
        raise ValueError(f"unknown pre-fill fields {sorted(unknown)}; known: {', '.join(PREFILL_FIELDS)}")
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({key: value[:MAX_VALUE_CHARS] for key, value in prefill.items() if value})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


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


def read_prefill(args: Mapping[str, str | Sequence[str]]) -> Prefill:
    """The pre-fill from a link's query arguments (first value of each), trimmed and capped.

    Unknown parameters are kept as extras (a newer dialogue may pass more than this page knows).
    """
    known: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for key, values in args.items():
        value = _first(values).strip()[:MAX_VALUE_CHARS]
        if key in CONTROL_PARAMS or not value:
            continue
        if key in PREFILL_FIELDS:
            known[key] = value
        elif len(extra) < MAX_EXTRA_FIELDS:
            extra.append((key.strip()[:MAX_KEY_CHARS], value))
    return Prefill(known, tuple(extra))
