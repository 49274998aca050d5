"""Guides, search hits and hand-offs as the console's JSON.

The detail carries every field of the guide an agent may be asked about on a call, and the demo
notice when the catalogue is demo data, so the page can show it next to the guide.
"""

from __future__ import annotations

from typing import Any

from bot.records import Handoff
from indexer.search import SearchHit, SearchResult
from knowledge import DEMO_NOTICE
from knowledge.repository import Guide

NEEDS_REGION_NOTE = "需确认区县"


def hit_json(hit: SearchHit) -> dict[str, Any]:
    out = hit.to_json()
    out["note"] = NEEDS_REGION_NOTE if hit.needs_region else ""
    return out


def search_json(result: SearchResult) -> dict[str, Any]:
    out = result.to_json()
    out["hits"] = [hit_json(hit) for hit in result.hits]
    return out


def guide_json(guide: Guide) -> dict[str, Any]:
    return {
        "guide_id": guide.id,
        "matter_code": guide.matter.code,
        "name": guide.name,
        "aliases": list(guide.matter.aliases),
        "item_type": guide.matter.item_type,
        "theme": guide.matter.theme,
        "service_object": list(guide.matter.service_object),
        "legal_basis": guide.matter.legal_basis,
        "region": guide.region.name,
        "region_code": guide.region.code,
        "region_level": guide.region.level,
        "district": guide.region.district_name,
        "department": guide.department,
        "conditions": guide.conditions,
        "materials": [material.to_json() for material in guide.materials],
        "steps": list(guide.steps),
        "legal_days": guide.legal_days,
        "promised_days": guide.promised_days,
        "on_the_spot": guide.on_the_spot,
        "fee": guide.fee,
        "address": guide.address,
        "hours": guide.hours,
        "phone": guide.phone,
        "online": guide.online.to_json(),
        "form_url": guide.form_url,
        "faq": [{"q": entry.q, "a": entry.a} for entry in guide.matter.faq],
        "demo": guide.demo,
        "demo_notice": DEMO_NOTICE if guide.demo else None,
    }


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
