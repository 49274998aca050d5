"""What the conversation leaves behind: 好差评 ratings and hand-offs to a human.

Both are written by the custom actions (which run inside the service) and read by the agent
console and the monthly report. They live in the service's database (``DAOFU_DATABASE_URL``,
SQLite under ``var/`` by default) in their own tables, next to the catalogue.

Example::

    records = ConversationRecords.open(settings.database_url)
    handoff = records.open_handoff("u1", channel="widget", reason="user_request", summary="…")
    records.add_rating("u1", 5, channel="widget", matter_code="NBC-A-020")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text, create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
HANDOFF_STATES = ("open", "taken", "closed")


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

    @classmethod
    def open(cls, database_url: str) -> ConversationRecords:
        from pathlib import Path

        if database_url.startswith("sqlite:///"):
            Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return cls(create_engine(database_url, pool_pre_ping=True))

    # --- ratings --------------------------------------------------------------------------

    def add_rating(
        self, sender_id: str, rating: int, channel: str, matter_code: str | None = None, guide_id: str | None = None
    ) -> Rating:
        if rating not in RATING_LABELS:
            raise ValueError(f"rating must be 1–5 (非常不满意 … 非常满意), got {rating!r}")
        row = RatingRow(
            sender_id=sender_id, channel=channel, rating=rating, label=RATING_LABELS[rating],
            matter_code=matter_code, guide_id=guide_id, created_at=_now(),
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

    def rating_summary(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(select(RatingRow.label, func.count()).group_by(RatingRow.label)).all()
        return {label: count for label, count in rows}

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
                select(HandoffRow).where(HandoffRow.sender_id == sender_id, HandoffRow.status != "closed")
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
                sender_id=sender_id, channel=channel, reason=reason, matter_code=matter_code, guide_id=guide_id,
                region=region, summary=summary, status="open", taken_by=None, created_at=_now(), updated_at=_now(),
            )
            session.add(row)
            session.flush()
            return _handoff(row)

    def handoffs(self, status: str | None = "open") -> list[Handoff]:
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


_write_lock = threading.Lock()


def _rating(row: RatingRow) -> Rating:
    return Rating(row.id, row.sender_id, row.channel, row.rating, row.label, row.matter_code, row.guide_id,
                  row.created_at)


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(row.id, row.sender_id, row.channel, row.reason, row.matter_code, row.guide_id, row.region,
                   row.summary, row.status, row.taken_by, row.created_at, row.updated_at)


__all__ = ["RATING_LABELS", "ConversationRecords", "Handoff", "Rating"]
