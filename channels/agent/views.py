"""Search hits and hand-offs as the console's JSON (a guide's JSON is :func:`knowledge.render.guide_json`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from daofu.masking import mask_pii
from daofu.records import Callback, CallbackStatus, Handoff, HandoffStatus
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


def handoff_json(handoff: Handoff, matter_name: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """A hand-off for the console; ``waiting_seconds`` while it waits (from ``now``)."""
    waiting = None
    if now is not None and handoff.status == HandoffStatus.OPEN:
        waiting = max(int((now - handoff.created_at).total_seconds()), 0)
    return {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "reason": handoff.reason,
        "matter_code": handoff.matter_code,
        "matter_name": matter_name,
        "guide_id": handoff.guide_id,
        "region": handoff.region,
        "summary": mask_pii(handoff.summary),
        "status": handoff.status,
        "taken_by": handoff.taken_by,
        "created_at": handoff.created_at.isoformat(),
        "updated_at": handoff.updated_at.isoformat(),
        "waiting_seconds": waiting,
    }


def callback_json(callback: Callback, agent_id: str) -> dict[str, Any]:
    """A call-back request; the full number only for the agent who is calling it."""
    calling = callback.status == CallbackStatus.TAKEN and callback.taken_by == agent_id
    return {
        "id": callback.id,
        "sender_id": callback.sender_id,
        "channel": callback.channel,
        "reason": callback.reason,
        "matter_code": callback.matter_code,
        "region": callback.region,
        "phone": callback.phone if calling else callback.masked_phone,
        "status": callback.status,
        "taken_by": callback.taken_by,
        "created_at": callback.created_at.isoformat(),
    }
