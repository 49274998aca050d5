"""The conversation's memory, read from and written to Rasa slots in one typed place.

What the assistant remembers between turns: the matter under discussion (and its guide), where
the asker is, who applies, what was just offered (options to choose from, a hand-off, a region
question) and the question that is waiting for a region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

PENDING_CARD = "card"
PENDING_APPLY = "apply"
PENDING_ASPECT = "aspect"
# What the last answer offered, waiting for 是/好的 or 不是/不用.
OFFER_HANDOFF = "handoff"
OFFER_SWITCH = "switch"  # “您是想改问「…」吗？”: candidates holds the guide asked about


@dataclass
class ConversationState:
    sender_id: str
    text: str
    intent: str | None
    entities: dict[str, str]
    channel: str
    elder: bool
    region: str | None = None
    district: str | None = None
    applicant_type: str | None = None
    guide_id: str | None = None
    matter_code: str | None = None
    matter_name: str | None = None
    pending_query: str | None = None
    pending_step: str | None = None
    pending_aspect: str | None = None
    candidates: list[str] = field(default_factory=list)
    offer: str | None = None

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> ConversationState:
        latest = tracker.latest_message or {}
        metadata = latest.get("metadata") or {}
        entities: dict[str, str] = {}
        for entity in latest.get("entities") or []:
            name, value = entity.get("entity"), entity.get("value")
            if isinstance(name, str) and value is not None:
                entities.setdefault(name, str(value))
        slot = tracker.get_slot
        return cls(
            sender_id=tracker.sender_id,
            text=latest.get("text") or "",
            intent=(latest.get("intent") or {}).get("name"),
            entities=entities,
            channel=str(metadata.get("channel") or "api"),
            elder=bool(metadata.get("elder_mode")),
            region=slot("region"),
            district=slot("district"),
            applicant_type=slot("applicant_type"),
            guide_id=slot("current_guide_id"),
            matter_code=slot("current_matter_code"),
            matter_name=slot("current_matter_name"),
            pending_query=slot("pending_query"),
            pending_step=slot("pending_step"),
            pending_aspect=slot("pending_aspect"),
            candidates=list(slot("candidates") or []),
            offer=slot("offer"),
        )

    @property
    def user_text(self) -> str:
        """The words the user typed; empty for a button payload (``/intent{…}``)."""
        return "" if self.text.startswith("/") else self.text

    def events(self) -> list[dict[str, Any]]:
        """Slot events that store this state for the next turn."""
        values = {
            "region": self.region,
            "district": self.district,
            "applicant_type": self.applicant_type,
            "current_guide_id": self.guide_id,
            "current_matter_code": self.matter_code,
            "current_matter_name": self.matter_name,
            "pending_query": self.pending_query,
            "pending_step": self.pending_step,
            "pending_aspect": self.pending_aspect,
            "candidates": self.candidates or None,
            "offer": self.offer,
        }
        return [SlotSet(name, value) for name, value in values.items()]

    def clear_pending(self) -> None:
        self.pending_query = None
        self.pending_step = None
        self.pending_aspect = None
        self.candidates = []
        self.offer = None
