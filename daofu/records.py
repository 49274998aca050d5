"""What the conversation leaves behind: 好差评 ratings, hand-offs to a human, unanswered questions.

Both are written by the custom actions (which run inside the service) and read by the agent
console and the monthly report, always through :class:`ConversationRecords` (nobody else
queries these tables). They live in the service's database (``DAOFU_DATABASE_URL``, SQLite under
``var/`` by default) in their own tables, next to the catalogue.

Example::

    records = ConversationRecords(create_engine_for(settings.database_url))
    handoff = records.open_handoff("u1", channel="widget", reason="user_request", summary="…")
    records.add_rating("u1", 5, channel="widget", matter_code="NBC-A-020")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from daofu.masking import mask_pii

MAX_QUESTION_CHARS = 500
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class HandoffStatus(StrEnum):
    """Where a request for a person stands: waiting, held by an agent, or finished."""

    OPEN = "open"
    TAKEN = "taken"
    CLOSED = "closed"


HANDOFF_STATES = tuple(status.value for status in HandoffStatus)


class RecordsBase(DeclarativeBase):
    pass


class RatingRow(RecordsBase):
    __tablename__ = "conversation_rating"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(16))
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guide_id: Mapped[str | None] = mapped_column(String(96), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HandoffRow(RecordsBase):
    __tablename__ = "conversation_handoff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guide_id: Mapped[str | None] = mapped_column(String(96), nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), index=True)
    taken_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnansweredRow(RecordsBase):
    """A question the assistant could not answer with confidence (the monthly knowledge-gap list)."""

    __tablename__ = "conversation_unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)  # masked (daofu.masking) before it is stored
    band: Mapped[str] = mapped_column(String(16))  # how the assistant answered: "plausible" or "nothing"
    top_matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    top_score: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Unanswered:
    id: int
    sender_id: str
    channel: str
    question: str
    band: str
    top_matter_code: str | None
    top_score: float | None
    created_at: datetime


@dataclass(frozen=True)
class Rating:
    id: int
    sender_id: str
    channel: str
    rating: int
    label: str
    matter_code: str | None
    guide_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Handoff:
    id: int
    sender_id: str
    channel: str
    reason: str
    matter_code: str | None
    guide_id: str | None
    region: str | None
    summary: str
    status: str
    taken_by: str | None
    created_at: datetime
    updated_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationRecords:
    """Ratings and hand-offs in SQL; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        RecordsBase.metadata.create_all(engine)

    # --- ratings --------------------------------------------------------------------------

    def add_rating(
        self, sender_id: str, rating: int, channel: str, matter_code: str | None = None, guide_id: str | None = None
    ) -> Rating:
        if rating not in RATING_LABELS:
            raise ValueError(f"rating must be 1–5 (非常不满意 … 非常满意), got {rating!r}")
        row = RatingRow(
            sender_id=sender_id,
            channel=channel,
            rating=rating,
            label=RATING_LABELS[rating],
            matter_code=matter_code,
            guide_id=guide_id,
            created_at=_now(),
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _rating(row)

    def ratings(self, sender_id: str | None = None) -> list[Rating]:
        query = select(RatingRow).order_by(RatingRow.id)
        if sender_id is not None:
            query = query.where(RatingRow.sender_id == sender_id)
        with Session(self.engine) as session:
            return [_rating(row) for row in session.scalars(query)]

    # --- hand-offs ------------------------------------------------------------------------

    def open_handoff(
        self,
        sender_id: str,
        channel: str,
        reason: str,
        summary: str,
        matter_code: str | None = None,
        guide_id: str | None = None,
        region: str | None = None,
    ) -> Handoff:
        """Record a request for a human; an open one for the same sender is reused, not doubled."""
        with _write_lock, Session(self.engine) as session, session.begin():
            existing = session.scalars(
                select(HandoffRow).where(HandoffRow.sender_id == sender_id, HandoffRow.status != HandoffStatus.CLOSED)
            ).first()
            if existing is not None:
                existing.summary = summary
                existing.matter_code = matter_code or existing.matter_code
                existing.guide_id = guide_id or existing.guide_id
                existing.region = region or existing.region
                existing.updated_at = _now()
                session.flush()
                return _handoff(existing)
            row = HandoffRow(
                sender_id=sender_id,
                channel=channel,
                reason=reason,
                matter_code=matter_code,
                guide_id=guide_id,
                region=region,
                summary=summary,
                status=HandoffStatus.OPEN,
                taken_by=None,
                created_at=_now(),
                updated_at=_now(),
            )
            session.add(row)
            session.flush()
            return _handoff(row)

    def handoffs(self, status: str | None = HandoffStatus.OPEN) -> list[Handoff]:
        if status is not None and status not in HANDOFF_STATES:
            raise ValueError(f"status must be one of {HANDOFF_STATES}, got {status!r}")
        query = select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)
        if status is not None:
            query = query.where(HandoffRow.status == status)
        with Session(self.engine) as session:
            return [_handoff(row) for row in session.scalars(query)]

    def update_handoff(self, handoff_id: int, status: str, agent_id: str | None = None) -> Handoff:
        if status not in HANDOFF_STATES:
            raise ValueError(f"status must be one of {HANDOFF_STATES}, got {status!r}")
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise LookupError(f"no hand-off with id {handoff_id}")
            row.status = status
            row.taken_by = agent_id or row.taken_by
            row.updated_at = _now()
            session.flush()
            return _handoff(row)

    # --- questions without a confident answer ------------------------------------------------

    def add_unanswered(
        self,
        sender_id: str,
        channel: str,
        question: str,
        band: str,
        top_matter_code: str | None = None,
        top_score: float | None = None,
    ) -> Unanswered:
        """Keep a question the assistant had no confident answer for; personal numbers are masked."""
        row = UnansweredRow(
            sender_id=sender_id, channel=channel, question=mask_pii(question.strip())[:MAX_QUESTION_CHARS],
            band=band, top_matter_code=top_matter_code, top_score=top_score, created_at=_now(),
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _unanswered(row)

    def unanswered_between(self, start: datetime, end: datetime) -> list[Unanswered]:
        query = (
            select(UnansweredRow)
            .where(UnansweredRow.created_at >= start, UnansweredRow.created_at < end)
            .order_by(UnansweredRow.created_at, UnansweredRow.id)
        )
        with Session(self.engine) as session:
            return [_unanswered(row) for row in session.scalars(query)]

    # --- the monthly report ----------------------------------------------------------------

    def month_counts(self, start: datetime, end: datetime) -> dict[str, Any]:
        """Hand-offs (by their state now) and 好差评 ratings of conversations between ``start`` and ``end``."""
        with Session(self.engine) as session:
            handoffs = dict(
                session.execute(
                    select(HandoffRow.status, func.count())
                    .where(HandoffRow.created_at >= start, HandoffRow.created_at < end)
                    .group_by(HandoffRow.status)
                ).all()
            )
            ratings = dict(
                session.execute(
                    select(RatingRow.rating, func.count())
                    .where(RatingRow.created_at >= start, RatingRow.created_at < end)
                    .group_by(RatingRow.rating)
                ).all()
            )
        rated = sum(ratings.values())
        satisfied = ratings.get(5, 0) + ratings.get(4, 0)
        return {
            "handoffs": {
                "total": sum(handoffs.values()),
                **{state: handoffs.get(state, 0) for state in HANDOFF_STATES},
            },
            "ratings": {
                "total": rated,
                "levels": {
                    RATING_LABELS[level]: ratings.get(level, 0) for level in sorted(RATING_LABELS, reverse=True)
                },
                "satisfied_share": round(satisfied / rated, 3) if rated else None,
            },
        }


_write_lock = threading.Lock()


def _rating(row: RatingRow) -> Rating:
    return Rating(
        row.id, row.sender_id, row.channel, row.rating, row.label, row.matter_code, row.guide_id, row.created_at
    )


def _unanswered(row: UnansweredRow) -> Unanswered:
    return Unanswered(row.id, row.sender_id, row.channel, row.question, row.band, row.top_matter_code, row.top_score,
                      row.created_at)  # fmt: skip


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        row.id,
        row.sender_id,
        row.channel,
        row.reason,
        row.matter_code,
        row.guide_id,
        row.region,
        row.summary,
        row.status,
        row.taken_by,
        row.created_at,
        row.updated_at,
    )


__all__ = [
    "HANDOFF_STATES",
    "RATING_LABELS",
    "ConversationRecords",
    "Handoff",
    "HandoffStatus",
    "Rating",
    "Unanswered",
]
