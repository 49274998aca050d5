"""What the conversation leaves behind: 好差评 ratings, hand-offs to a human, unanswered questions.

Ratings, hand-offs and unanswered questions are written by the custom actions (which run inside
the service); what happens during a takeover (who took it, what was said, when it ended), call-back
requests, rating requests and their reasons, and each conversation's outcome are written by the
service's conversation gate (:mod:`channels.conversation`) and the takeover desk
(:mod:`channels.takeover`). The agent console and the monthly report read them, always through
:class:`ConversationRecords` (nobody else queries these tables).

They live in the service's database (``DAOFU_DATABASE_URL``, SQLite under
``var/`` by default) in their own tables, next to the catalogue.

Example::

    records = ConversationRecords(create_engine_for(settings.database_url))
    handoff = records.open_handoff("u1", channel="widget", reason="user_request", summary="…")
    records.add_rating("u1", 5, channel="widget", matter_code="NBC-A-020")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from daofu.masking import mask_pii
from knowledge.db import create_tables

MAX_QUESTION_CHARS = 500
MAX_MESSAGE_CHARS = 2000
MAX_REASON_CHARS = 500
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
# Levels that get one follow-up question (why?), as the 好差评 system asks of a 差评.
DISSATISFIED_LEVELS = (2, 1)
# The reason categories offered after a 差评 (code → what the person sees).
RATING_REASONS = {
    "not_found": "没找到要办的事项",
    "wrong_info": "信息不准确或过时",
    "unclear": "回答看不懂",
    "slow": "等待时间太长",
    "agent": "人工服务不满意",
    "other": "其他原因",
}
# A conversation ends after this much silence (as Rasa's session_expiration_time in bot/domain.yml).
CONVERSATION_GAP = timedelta(minutes=60)
# A rating request or a question the gate waits an answer for is forgotten after this long.
PENDING_FOR = timedelta(hours=24)


class HandoffStatus(StrEnum):
    """Where a request for a person stands: waiting, held by an agent, or finished."""

    OPEN = "open"
    TAKEN = "taken"
    CLOSED = "closed"


HANDOFF_STATES = tuple(status.value for status in HandoffStatus)


class HandoffEventKind(StrEnum):
    """What happened to a hand-off: its life (opened … released) and the messages of the takeover."""

    OPENED = "opened"
    TAKEN = "taken"
    CITIZEN = "citizen"  # the citizen wrote while an agent held the conversation
    AGENT = "agent"  # the agent wrote
    RELEASED = "released"  # the agent gave the conversation back to the assistant
    TIMEOUT = "timeout"  # nobody took it within DAOFU_HANDOFF_TIMEOUT
    CLOSED = "closed"  # closed without a takeover (e.g. from the queue)


class CallbackStatus(StrEnum):
    """A call-back request: number asked for, waiting for a call, being called, done, or withdrawn."""

    ASKED = "asked"
    WAITING = "waiting"
    TAKEN = "taken"
    DONE = "done"
    CANCELLED = "cancelled"


class Expecting(StrEnum):
    """What the gate waits for from a person instead of a question for the assistant."""

    CALLBACK_PHONE = "callback_phone"
    RATING_REASON = "rating_reason"


class HandoffConflict(Exception):
    """The hand-off is not in a state that allows the change (taken by someone else, or closed)."""


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


class HandoffEventRow(RecordsBase):
    """One step of a hand-off: opened, taken, a message of the takeover, released, timed out."""

    __tablename__ = "conversation_handoff_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the agent's id
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked (daofu.masking)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CallbackRow(RecordsBase):
    """A request to be called back (outside duty hours, or when nobody took the hand-off in time)."""

    __tablename__ = "conversation_callback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The number to call, given with consent; shown masked everywhere but to the agent who calls.
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    taken_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RatingRequestRow(RecordsBase):
    """A 好差评 request the service made; it takes at most one rating."""

    __tablename__ = "conversation_rating_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    occasion: Mapped[str] = mapped_column(String(16))  # form, agent, goodbye, asked
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rating_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RatingReasonRow(RecordsBase):
    """Why a 差评 was given: a category and/or the person's words (masked)."""

    __tablename__ = "conversation_rating_reason"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ExpectationRow(RecordsBase):
    """What the gate waits for from one person (a phone number, a reason), instead of a question."""

    __tablename__ = "conversation_expectation"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConversationRow(RecordsBase):
    """One conversation (a person's turns with less than CONVERSATION_GAP between them) and how it ended."""

    __tablename__ = "conversation_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    turns: Mapped[int] = mapped_column(Integer)
    guide: Mapped[int] = mapped_column(Integer)  # a guide card was shown
    form: Mapped[int] = mapped_column(Integer)  # the application form was handed over
    handoff: Mapped[int] = mapped_column(Integer)  # a person was asked for
    agent: Mapped[int] = mapped_column(Integer)  # an agent took the conversation


class MatterShownRow(RecordsBase):
    """A matter a conversation reached (a guide card or a form), for the report's top matters."""

    __tablename__ = "conversation_matter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # guide or form
    matter_code: Mapped[str] = mapped_column(String(64))
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


@dataclass(frozen=True)
class HandoffEvent:
    id: int
    handoff_id: int
    kind: str
    author: str | None
    text: str | None
    created_at: datetime


@dataclass(frozen=True)
class Callback:
    id: int
    sender_id: str
    channel: str
    reason: str
    matter_code: str | None
    region: str | None
    phone: str | None
    status: str
    taken_by: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def masked_phone(self) -> str | None:
        return mask_pii(self.phone) if self.phone else None


@dataclass(frozen=True)
class RatingRequestRecord:
    id: int
    sender_id: str
    channel: str
    occasion: str
    matter_code: str | None
    rating_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class RatingReason:
    id: int
    rating_id: int
    category: str | None
    text: str | None
    created_at: datetime


@dataclass(frozen=True)
class Expectation:
    sender_id: str
    kind: str
    ref_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Conversation:
    id: int
    sender_id: str
    channel: str
    started_at: datetime
    last_at: datetime
    turns: int
    guide: bool
    form: bool
    handoff: bool
    agent: bool

    @property
    def resolved(self) -> bool:
        """Ended with a guide, a form or an agent (the report's "resolved")."""
        return self.guide or self.form or self.agent


@dataclass(frozen=True)
class HandoffTiming:
    """A hand-off's moments: asked for, taken, the agent's first word, and how it ended."""

    handoff_id: int
    channel: str
    created_at: datetime
    taken_at: datetime | None
    first_response_at: datetime | None
    outcome: str | None  # released, timeout, closed, or None while it runs


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationRecords:
    """Ratings, hand-offs, takeovers, call-backs and conversation outcomes in SQL; safe to share between threads.

    ``clock`` gives "now" for every row written (a scripted month of conversations sets its own).
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock
        create_tables(RecordsBase.metadata, engine)

    # --- ratings --------------------------------------------------------------------------

    def add_rating(
        self,
        sender_id: str,
        rating: int,
        channel: str,
        matter_code: str | None = None,
        guide_id: str | None = None,
        request_id: int | None = None,
    ) -> Rating:
        """Store a rating; ``request_id`` marks the request it answers (it then takes no other)."""
        if rating not in RATING_LABELS:
            raise ValueError(f"rating must be 1–5 (非常不满意 … 非常满意), got {rating!r}")
        row = RatingRow(
            sender_id=sender_id,
            channel=channel,
            rating=rating,
            label=RATING_LABELS[rating],
            matter_code=matter_code,
            guide_id=guide_id,
            created_at=self.clock(),
        )
        with _write_lock, Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            if request_id is not None:
                request = session.get(RatingRequestRow, request_id)
                if request is None or request.rating_id is not None:
                    raise HandoffConflict(f"rating request {request_id} is unknown or already answered")
                request.rating_id = row.id
            return _rating(row)

    def ratings(self, sender_id: str | None = None) -> list[Rating]:
        query = select(RatingRow).order_by(RatingRow.id)
        if sender_id is not None:
            query = query.where(RatingRow.sender_id == sender_id)
        with Session(self.engine) as session:
            return [_rating(row) for row in session.scalars(query)]

    def ratings_between(self, start: datetime, end: datetime) -> list[Rating]:
        query = (
            select(RatingRow)
            .where(RatingRow.created_at >= start, RatingRow.created_at < end)
            .order_by(RatingRow.created_at, RatingRow.id)
        )
        with Session(self.engine) as session:
            return [_rating(row) for row in session.scalars(query)]

    def open_rating_request(
        self, sender_id: str, channel: str, occasion: str, matter_code: str | None = None
    ) -> RatingRequestRecord:
        """The service asked for a rating; an unanswered earlier request of the sender is replaced."""
        with _write_lock, Session(self.engine) as session, session.begin():
            for old in session.scalars(
                select(RatingRequestRow).where(
                    RatingRequestRow.sender_id == sender_id, RatingRequestRow.rating_id.is_(None)
                )
            ):
                old.rating_id = 0  # superseded: answered by nothing
            row = RatingRequestRow(
                sender_id=sender_id, channel=channel, occasion=occasion, matter_code=matter_code,
                rating_id=None, created_at=self.clock(),
            )  # fmt: skip
            session.add(row)
            session.flush()
            return _rating_request(row)

    def pending_rating_request(self, sender_id: str) -> RatingRequestRecord | None:
        """The sender's unanswered rating request of the last :data:`PENDING_FOR`, if any."""
        since = self.clock() - PENDING_FOR
        query = (
            select(RatingRequestRow)
            .where(
                RatingRequestRow.sender_id == sender_id,
                RatingRequestRow.rating_id.is_(None),
                RatingRequestRow.created_at >= since,
            )
            .order_by(RatingRequestRow.id.desc())
        )
        with Session(self.engine) as session:
            row = session.scalars(query).first()
            return _rating_request(row) if row is not None else None

    def rating_requests_between(self, start: datetime, end: datetime) -> list[RatingRequestRecord]:
        query = select(RatingRequestRow).where(RatingRequestRow.created_at >= start, RatingRequestRow.created_at < end)
        with Session(self.engine) as session:
            return [_rating_request(row) for row in session.scalars(query.order_by(RatingRequestRow.id))]

    def add_rating_reason(self, rating_id: int, category: str | None, text: str | None) -> RatingReason:
        """Why a 差评 was given; ``text`` is masked before it is stored."""
        if category is not None and category not in RATING_REASONS:
            raise ValueError(f"reason category must be one of {tuple(RATING_REASONS)}, got {category!r}")
        clean = mask_pii(text.strip())[:MAX_REASON_CHARS] if text and text.strip() else None
        row = RatingReasonRow(rating_id=rating_id, category=category, text=clean, created_at=self.clock())
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _reason(row)

    def rating_reasons_between(self, start: datetime, end: datetime) -> list[RatingReason]:
        query = select(RatingReasonRow).where(RatingReasonRow.created_at >= start, RatingReasonRow.created_at < end)
        with Session(self.engine) as session:
            return [_reason(row) for row in session.scalars(query.order_by(RatingReasonRow.id))]

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
        now = self.clock()
        with _write_lock, Session(self.engine) as session, session.begin():
            existing = session.scalars(
                select(HandoffRow).where(HandoffRow.sender_id == sender_id, HandoffRow.status != HandoffStatus.CLOSED)
            ).first()
            if existing is not None:
                existing.summary = summary
                existing.matter_code = matter_code or existing.matter_code
                existing.guide_id = guide_id or existing.guide_id
                existing.region = region or existing.region
                existing.updated_at = now
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
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.add(HandoffEventRow(handoff_id=row.id, kind=HandoffEventKind.OPENED, created_at=now))
            return _handoff(row)

    def handoffs(self, status: str | None = HandoffStatus.OPEN) -> list[Handoff]:
        if status is not None and status not in HANDOFF_STATES:
            raise ValueError(f"status must be one of {HANDOFF_STATES}, got {status!r}")
        query = select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)
        if status is not None:
            query = query.where(HandoffRow.status == status)
        with Session(self.engine) as session:
            return [_handoff(row) for row in session.scalars(query)]

    def handoff(self, handoff_id: int) -> Handoff | None:
        with Session(self.engine) as session:
            row = session.get(HandoffRow, handoff_id)
            return _handoff(row) if row is not None else None

    def active_handoff(self, sender_id: str) -> Handoff | None:
        """The sender's hand-off that is waiting or held, if any."""
        query = select(HandoffRow).where(HandoffRow.sender_id == sender_id, HandoffRow.status != HandoffStatus.CLOSED)
        with Session(self.engine) as session:
            row = session.scalars(query.order_by(HandoffRow.id.desc())).first()
            return _handoff(row) if row is not None else None

    def held_handoff(self, sender_id: str) -> Handoff | None:
        """The sender's hand-off an agent holds now (the assistant stays silent meanwhile)."""
        handoff = self.active_handoff(sender_id)
        return handoff if handoff is not None and handoff.status == HandoffStatus.TAKEN else None

    def update_handoff(self, handoff_id: int, status: str, agent_id: str | None = None) -> Handoff:
        """Set a hand-off's state as the queue does (no takeover rules; see :meth:`take_handoff`)."""
        if status not in HANDOFF_STATES:
            raise ValueError(f"status must be one of {HANDOFF_STATES}, got {status!r}")
        now = self.clock()
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise LookupError(f"no hand-off with id {handoff_id}")
            if row.status != status:
                kind = {HandoffStatus.TAKEN: HandoffEventKind.TAKEN, HandoffStatus.CLOSED: HandoffEventKind.CLOSED}
                if status in kind:
                    session.add(HandoffEventRow(handoff_id=row.id, kind=kind[status], author=agent_id, created_at=now))
            row.status = status
            row.taken_by = agent_id or row.taken_by
            row.updated_at = now
            session.flush()
            return _handoff(row)

    def take_handoff(self, handoff_id: int, agent_id: str) -> Handoff:
        """``agent_id`` takes a waiting hand-off; :class:`HandoffConflict` when another holds it or it ended."""
        now = self.clock()
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise LookupError(f"no hand-off with id {handoff_id}")
            if row.status == HandoffStatus.TAKEN and row.taken_by == agent_id:
                return _handoff(row)
            if row.status != HandoffStatus.OPEN:
                holder = f"taken by {row.taken_by}" if row.status == HandoffStatus.TAKEN else "closed"
                raise HandoffConflict(f"hand-off {handoff_id} is {holder}")
            row.status, row.taken_by, row.updated_at = HandoffStatus.TAKEN, agent_id, now
            session.add(
                HandoffEventRow(handoff_id=row.id, kind=HandoffEventKind.TAKEN, author=agent_id, created_at=now)
            )
            session.flush()
            return _handoff(row)

    def end_handoff(self, handoff_id: int, outcome: str, agent_id: str | None = None) -> Handoff:
        """Close a hand-off with ``outcome`` (released, timeout, closed); :class:`HandoffConflict` if it ended."""
        if outcome not in (HandoffEventKind.RELEASED, HandoffEventKind.TIMEOUT, HandoffEventKind.CLOSED):
            raise ValueError(f"outcome must be released, timeout or closed, got {outcome!r}")
        now = self.clock()
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise LookupError(f"no hand-off with id {handoff_id}")
            if row.status == HandoffStatus.CLOSED:
                raise HandoffConflict(f"hand-off {handoff_id} is already closed")
            if outcome == HandoffEventKind.TIMEOUT and row.status != HandoffStatus.OPEN:
                raise HandoffConflict(f"hand-off {handoff_id} was taken meanwhile")
            if agent_id is not None and row.status == HandoffStatus.TAKEN and row.taken_by != agent_id:
                raise HandoffConflict(f"hand-off {handoff_id} is held by {row.taken_by}")
            row.status, row.updated_at = HandoffStatus.CLOSED, now
            session.add(HandoffEventRow(handoff_id=row.id, kind=outcome, author=agent_id, created_at=now))
            session.flush()
            return _handoff(row)

    def add_handoff_message(self, handoff_id: int, kind: str, text: str, agent_id: str | None = None) -> HandoffEvent:
        """A message of the takeover (``citizen`` or ``agent``), masked before it is stored."""
        if kind not in (HandoffEventKind.CITIZEN, HandoffEventKind.AGENT):
            raise ValueError(f"a takeover message is from the citizen or the agent, got {kind!r}")
        row = HandoffEventRow(
            handoff_id=handoff_id, kind=kind, author=agent_id, text=mask_pii(text.strip())[:MAX_MESSAGE_CHARS],
            created_at=self.clock(),
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _event(row)

    def handoff_events(self, handoff_id: int) -> list[HandoffEvent]:
        query = select(HandoffEventRow).where(HandoffEventRow.handoff_id == handoff_id).order_by(HandoffEventRow.id)
        with Session(self.engine) as session:
            return [_event(row) for row in session.scalars(query)]

    def queue_position(self, handoff_id: int) -> int:
        """1 for the longest-waiting open hand-off, 2 for the next …; 0 when it is not waiting."""
        with Session(self.engine) as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None or row.status != HandoffStatus.OPEN:
                return 0
            ahead = session.scalar(
                select(func.count())
                .select_from(HandoffRow)
                .where(HandoffRow.status == HandoffStatus.OPEN, HandoffRow.id < row.id)
            )
            return int(ahead or 0) + 1

    def recent_waits(self, limit: int = 20) -> list[float]:
        """Seconds from asking to being taken, for the last ``limit`` hand-offs an agent took."""
        taken = (
            select(HandoffEventRow.handoff_id, HandoffEventRow.created_at)
            .where(HandoffEventRow.kind == HandoffEventKind.TAKEN)
            .order_by(HandoffEventRow.id.desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            pairs = session.execute(taken).all()
            opened = dict(
                session.execute(
                    select(HandoffRow.id, HandoffRow.created_at).where(HandoffRow.id.in_([p[0] for p in pairs]))
                ).all()
            )
        return [max((_aware(at) - _aware(opened[hid])).total_seconds(), 0.0) for hid, at in pairs if hid in opened]

    def waiting_since(self, before: datetime) -> list[Handoff]:
        """Open hand-offs asked for before ``before`` (the ones nobody took in time)."""
        query = select(HandoffRow).where(HandoffRow.status == HandoffStatus.OPEN, HandoffRow.created_at < before)
        with Session(self.engine) as session:
            return [_handoff(row) for row in session.scalars(query.order_by(HandoffRow.id))]

    def handoff_timings_between(self, start: datetime, end: datetime) -> list[HandoffTiming]:
        """For each hand-off asked for in [start, end): when it was taken, first answered and how it ended."""
        with Session(self.engine) as session:
            handoffs = session.scalars(
                select(HandoffRow).where(HandoffRow.created_at >= start, HandoffRow.created_at < end)
            ).all()
            ids = [row.id for row in handoffs]
            events = session.scalars(
                select(HandoffEventRow).where(HandoffEventRow.handoff_id.in_(ids)).order_by(HandoffEventRow.id)
            ).all()
        by_handoff: dict[int, list[HandoffEventRow]] = {}
        for event in events:
            by_handoff.setdefault(event.handoff_id, []).append(event)
        ends = (HandoffEventKind.RELEASED, HandoffEventKind.TIMEOUT, HandoffEventKind.CLOSED)
        timings = []
        for row in handoffs:
            steps = by_handoff.get(row.id, [])
            taken = next((e.created_at for e in steps if e.kind == HandoffEventKind.TAKEN), None)
            first = next((e.created_at for e in steps if e.kind == HandoffEventKind.AGENT), None)
            outcome = next((e.kind for e in steps if e.kind in ends), None)
            timings.append(HandoffTiming(row.id, row.channel, row.created_at, taken, first, outcome))
        return timings

    # --- call-backs --------------------------------------------------------------------------

    def ask_callback(
        self, sender_id: str, channel: str, reason: str, matter_code: str | None = None, region: str | None = None
    ) -> Callback:
        """The person accepted a call-back; the number is asked next (:meth:`give_callback_phone`)."""
        now = self.clock()
        row = CallbackRow(
            sender_id=sender_id, channel=channel, reason=reason[:16], matter_code=matter_code, region=region,
            phone=None, status=CallbackStatus.ASKED, taken_by=None, created_at=now, updated_at=now,
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _callback(row)

    def _set_callback(self, callback_id: int, **changes: Any) -> Callback:
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(CallbackRow, callback_id)
            if row is None:
                raise LookupError(f"no call-back request with id {callback_id}")
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
            session.flush()
            return _callback(row)

    def give_callback_phone(self, callback_id: int, phone: str) -> Callback:
        return self._set_callback(callback_id, phone=phone.strip()[:32], status=CallbackStatus.WAITING)

    def cancel_callback(self, callback_id: int) -> Callback:
        return self._set_callback(callback_id, status=CallbackStatus.CANCELLED)

    def take_callback(self, callback_id: int, agent_id: str) -> Callback:
        """An agent calls the person back (the full number is for this agent only)."""
        current = self.callback(callback_id)
        if current is None:
            raise LookupError(f"no call-back request with id {callback_id}")
        if current.status not in (CallbackStatus.WAITING, CallbackStatus.TAKEN):
            raise HandoffConflict(f"call-back {callback_id} is {current.status}")
        if current.status == CallbackStatus.TAKEN and current.taken_by != agent_id:
            raise HandoffConflict(f"call-back {callback_id} is taken by {current.taken_by}")
        return self._set_callback(callback_id, status=CallbackStatus.TAKEN, taken_by=agent_id)

    def finish_callback(self, callback_id: int, agent_id: str) -> Callback:
        return self._set_callback(callback_id, status=CallbackStatus.DONE, taken_by=agent_id)

    def callback(self, callback_id: int) -> Callback | None:
        with Session(self.engine) as session:
            row = session.get(CallbackRow, callback_id)
            return _callback(row) if row is not None else None

    def callbacks(self, statuses: Iterable[str] = (CallbackStatus.WAITING, CallbackStatus.TAKEN)) -> list[Callback]:
        query = select(CallbackRow).where(CallbackRow.status.in_(list(statuses))).order_by(CallbackRow.id)
        with Session(self.engine) as session:
            return [_callback(row) for row in session.scalars(query)]

    # --- what the gate waits for ------------------------------------------------------------

    def expect(self, sender_id: str, kind: str, ref_id: int | None = None) -> None:
        """The sender's next message answers a question of the service (not one for the assistant)."""
        if kind not in tuple(Expecting):
            raise ValueError(f"expectation must be one of {tuple(Expecting)}, got {kind!r}")
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(ExpectationRow, sender_id)
            if row is None:
                session.add(ExpectationRow(sender_id=sender_id, kind=kind, ref_id=ref_id, created_at=self.clock()))
            else:
                row.kind, row.ref_id, row.created_at = kind, ref_id, self.clock()

    def expectation(self, sender_id: str, max_age: timedelta = timedelta(minutes=30)) -> Expectation | None:
        with Session(self.engine) as session:
            row = session.get(ExpectationRow, sender_id)
            if row is None or _aware(row.created_at) < self.clock() - max_age:
                return None
            return Expectation(row.sender_id, row.kind, row.ref_id, row.created_at)

    def clear_expectation(self, sender_id: str) -> None:
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.get(ExpectationRow, sender_id)
            if row is not None:
                session.delete(row)

    # --- conversations and their outcome -------------------------------------------------------

    def note_turn(
        self, sender_id: str, channel: str, outcomes: Iterable[str] = (), matters: Iterable[tuple[str, str]] = ()
    ) -> int:
        """Count one turn of ``sender_id``'s conversation (a new one after :data:`CONVERSATION_GAP`).

        ``outcomes`` are what the turn reached (guide, form, handoff, agent); ``matters`` are
        (kind, matter code) pairs of the guides and forms it showed. Returns the conversation's id.
        """
        now = self.clock()
        flags = set(outcomes) & {"guide", "form", "handoff", "agent"}
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.sender_id == sender_id)
                .order_by(ConversationRow.id.desc())
            ).first()
            if row is None or _aware(row.last_at) < now - CONVERSATION_GAP:
                row = ConversationRow(
                    sender_id=sender_id, channel=channel, started_at=now, last_at=now, turns=0,
                    guide=0, form=0, handoff=0, agent=0,
                )  # fmt: skip
                session.add(row)
            row.turns += 1
            row.last_at = now
            for flag in flags:
                setattr(row, flag, 1)
            session.flush()
            for kind, code in matters:
                session.add(MatterShownRow(conversation_id=row.id, kind=kind, matter_code=code, created_at=now))
            return row.id

    def mark_conversation(self, sender_id: str, outcome: str) -> None:
        """Add ``outcome`` (e.g. agent) to the sender's latest conversation."""
        if outcome not in ("guide", "form", "handoff", "agent"):
            raise ValueError(f"unknown outcome {outcome!r}")
        with _write_lock, Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.sender_id == sender_id)
                .order_by(ConversationRow.id.desc())
            ).first()
            if row is not None:
                setattr(row, outcome, 1)

    def conversations_between(self, start: datetime, end: datetime) -> list[Conversation]:
        query = select(ConversationRow).where(ConversationRow.started_at >= start, ConversationRow.started_at < end)
        with Session(self.engine) as session:
            return [_conversation(row) for row in session.scalars(query.order_by(ConversationRow.id))]

    def matters_between(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        """(conversation channel, kind, matter code) of every guide and form shown in [start, end)."""
        query = (
            select(ConversationRow.channel, MatterShownRow.kind, MatterShownRow.matter_code)
            .join(ConversationRow, ConversationRow.id == MatterShownRow.conversation_id)
            .where(MatterShownRow.created_at >= start, MatterShownRow.created_at < end)
        )
        with Session(self.engine) as session:
            return [(channel, kind, code) for channel, kind, code in session.execute(query).all()]

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
            band=band, top_matter_code=top_matter_code, top_score=top_score, created_at=self.clock(),
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
        row.id, row.sender_id, row.channel, row.rating, row.label, row.matter_code, row.guide_id, _aware(row.created_at)
    )


def _unanswered(row: UnansweredRow) -> Unanswered:
    return Unanswered(row.id, row.sender_id, row.channel, row.question, row.band, row.top_matter_code, row.top_score,
                      _aware(row.created_at))  # fmt: skip


def _latest_conversation(sender_id: str) -> Any:
    return select(ConversationRow).where(ConversationRow.sender_id == sender_id).order_by(ConversationRow.id.desc())


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every moment here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _event(row: HandoffEventRow) -> HandoffEvent:
    return HandoffEvent(row.id, row.handoff_id, row.kind, row.author, row.text, _aware(row.created_at))


def _callback(row: CallbackRow) -> Callback:
    return Callback(row.id, row.sender_id, row.channel, row.reason, row.matter_code, row.region, row.phone,
                    row.status, row.taken_by, _aware(row.created_at), _aware(row.updated_at))  # fmt: skip


def _rating_request(row: RatingRequestRow) -> RatingRequestRecord:
    return RatingRequestRecord(row.id, row.sender_id, row.channel, row.occasion, row.matter_code, row.rating_id,
                               _aware(row.created_at))  # fmt: skip


def _reason(row: RatingReasonRow) -> RatingReason:
    return RatingReason(row.id, row.rating_id, row.category, row.text, _aware(row.created_at))


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(row.id, row.sender_id, row.channel, _aware(row.started_at), _aware(row.last_at), row.turns,
                        bool(row.guide), bool(row.form), bool(row.handoff), bool(row.agent))  # fmt: skip


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
        _aware(row.created_at),
        _aware(row.updated_at),
    )


__all__ = [
    "DISSATISFIED_LEVELS",
    "HANDOFF_STATES",
    "RATING_LABELS",
    "RATING_REASONS",
    "Callback",
    "CallbackStatus",
    "Conversation",
    "ConversationRecords",
    "Expectation",
    "Expecting",
    "Handoff",
    "HandoffConflict",
    "HandoffEvent",
    "HandoffEventKind",
    "HandoffStatus",
    "HandoffTiming",
    "Rating",
    "RatingReason",
    "RatingRequestRecord",
    "Unanswered",
]
