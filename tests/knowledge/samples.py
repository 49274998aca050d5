"""Small hand-written catalogues and helpers for tests that need a few records, not 31,224."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from knowledge.models import TABLES

HEADER: dict[str, Any] = {"kind": "catalog", "format_version": 1, "name": "small", "demo": True, "description": ""}
REGIONS: list[dict[str, Any]] = [
    {"kind": "region", "code": "3302", "name": "宁波市", "level": "市级", "parent": None, "aliases": []},
    {"kind": "region", "code": "330212", "name": "鄞州区", "level": "区县", "parent": "3302", "aliases": ["鄞州"]},
    {"kind": "region", "code": "330203", "name": "海曙区", "level": "区县", "parent": "3302", "aliases": ["海曙"]},
    {"kind": "region", "code": "330203001", "name": "南门街道", "level": "乡镇街道", "parent": "330203"},
]
MATTERS: list[dict[str, Any]] = [
    {
        "kind": "matter", "code": "T-001", "name": "居民身份证换领", "aliases": ["身份证到期换证"],
        "item_type": "行政确认", "service_object": ["自然人"], "theme": "证件办理", "levels": ["区县", "乡镇街道"],
        "legal_basis": "《中华人民共和国居民身份证法》", "faq": [{"q": "要多久？", "a": "20个工作日。"}],
    },
    {
        "kind": "matter", "code": "T-002", "name": "社会团体成立登记", "aliases": [],
        "item_type": "行政许可", "service_object": ["法人"], "theme": "社会组织", "levels": ["市级", "区县"],
        "legal_basis": "", "faq": [],
    },
]  # fmt: skip


def guide(matter: str, region: str, department: str, **changes: Any) -> dict[str, Any]:
    record = {
        "kind": "guide",
        "id": f"NB-{region}-{matter}",
        "matter": matter,
        "region": region,
        "department": department,
        "conditions": "符合条件的申请人可以申请。",
        "materials": [
            {"name": "居民身份证", "form": "原件", "copies": 1, "required": True, "e_license": True, "note": ""},
            {
                "name": "申请表",
                "form": "电子材料",
                "copies": 1,
                "required": True,
                "e_license": False,
                "note": "在线填写",
            },
        ],
        "steps": ["提交申请", "受理审核", "办结"],
        "legal_days": 20,
        "promised_days": 5,
        "fee": "不收费",
        "address": "宁波市某路1号",
        "hours": "周一至周五 8:30-17:00",
        "phone": "0574-80000000",
        "online": {"web": True, "mobile": True, "zero_visit": False, "max_visits": 1},
        "form_code": f"F-{matter}",
    }
    record.update(changes)
    return record


GUIDES: list[dict[str, Any]] = [
    guide("T-001", "330212", "宁波市公安局鄞州分局"),
    guide("T-001", "330203", "宁波市公安局海曙分局"),
    guide("T-001", "330203001", "宁波市公安局海曙分局南门派出所", promised_days=0),
    guide("T-002", "3302", "宁波市民政局"),
    guide("T-002", "330212", "鄞州区民政局"),
]


def small_catalog() -> list[dict[str, Any]]:
    """A valid catalogue of 4 regions, 2 matters and 5 guides, as line objects (fresh copies)."""
    return copy.deepcopy([HEADER, *REGIONS, *MATTERS, *GUIDES])


def write_jsonl(path: Path, lines: list[dict[str, Any] | str | bytes]) -> Path:
    """Write line objects as JSON lines; str and bytes entries are written as they are."""
    chunks = []
    for line in lines:
        if isinstance(line, bytes):
            chunks.append(line + b"\n")
        elif isinstance(line, str):
            chunks.append(line.encode("utf-8") + b"\n")
        else:
            chunks.append(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    path.write_bytes(b"".join(chunks))
    return path


def line_of(lines: list[Any], predicate: Any) -> int:
    """1-based line number of the first line object matching ``predicate``."""
    for number, line in enumerate(lines, start=1):
        if isinstance(line, dict) and predicate(line):
            return number
    raise AssertionError("no such line")


def database_fingerprint(engine: Engine) -> str:
    """sha256 over every row of every catalogue table (sorted), to prove a database unchanged."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        existing = set(connection.dialect.get_table_names(connection))
        for table in TABLES:
            if table not in existing:
                digest.update(f"{table}:absent".encode())
                continue
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
            digest.update(f"{table}:{len(rows)}".encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
