"""Search hits and hand-offs as the console's JSON (a guide's JSON is :func:`knowledge.render.guide_json`)."""

from __future__ import annotations

from typing import Any

from daofu.records import Handoff
from indexer.search import SearchHit, SearchResult

NEEDS_REGION_NOTE = "需确认区县"


def hit_json(hit: SearchHit) -> dict[str, Any]:
    out = hit.to_json()
    out["note"] = NEEDS_REGION_NOTE if hit.needs_region else ""
    return out


def search_json(result: SearchResult) -> dict[str, Any]:
    out = result.to_json()
    out["hits"] = [hit_json(hit) for hit in result.hits]
    return out


def handoff_json(handoff: Handoff, matter_name: str | None = None) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "reason": handoff.reason,
        "matter_code": handoff.matter_code,
        "matter_name": matter_name,
        "guide_id": handoff.guide_id,
        "region": handoff.region,
        "summary": handoff.summary,
        "status": handoff.status,
        "taken_by": handoff.taken_by,
        "created_at": handoff.created_at.isoformat(),
        "updated_at": handoff.updated_at.isoformat(),
    }
