"""The agents' lookup log: who looked up what, when — the monthly report's source.

One row per agent action: a search, a guide opened, an SMS text copied, a link sent. Queries and
phone numbers are masked (:func:`daofu.masking.mask_pii`) before they reach the row; the
table never holds a caller's number or ID. It lives in the service database
(``DAOFU_DATABASE_URL``) in its own table, created when the service starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Integer, String, Text, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from daofu.masking import mask_pii
from knowledge.db import create_tables

log = logging.getLogger(__name__)

ACTIONS = ("search", "view", "sms", "send_link")
MAX_QUERY_CHARS = 500


class AgentLogBase(DeclarativeBase):
    pass


class LookupRow(AgentLogBase):
    __tablename__ = "agent_lookup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guide_id: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Lookup:
    id: int
    agent_id: str
    action: str
    query: str | None
    region: str | None
    guide_id: str | None
    matter_code: str | None
    hits: int | None
    phone: str | None
    created_at: datetime


def _lookup(row: LookupRow) -> Lookup:
    return Lookup(row.id, row.agent_id, row.action, row.query, row.region, row.guide_id, row.matter_code, row.hits,
                  row.phone, row.created_at)  # fmt: skip


def _masked(text: str | None, limit: int) -> str | None:
    if text is None or not text.strip():
        return None
    return mask_pii(text.strip())[:limit]


class LookupLog:
    """Writes and reads the lookup log; safe to share between threads (one session per call)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self) -> None:
        create_tables(AgentLogBase.metadata, self.engine)

    def record(
        self,
        agent_id: str,
        action: str,
        *,
        query: str | None = None,
        region: str | None = None,
        guide_id: str | None = None,
        matter_code: str | None = None,
        hits: int | None = None,
        phone: str | None = None,
        at: datetime | None = None,
    ) -> Lookup:
        """Store one action, with ``query`` and ``phone`` masked first."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
        row = LookupRow(
            agent_id=agent_id, action=action, query=_masked(query, MAX_QUERY_CHARS), region=_masked(region, 64),
            guide_id=guide_id, matter_code=matter_code, hits=hits, phone=_masked(phone, 32),
            created_at=at or datetime.now(UTC),
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            lookup = _lookup(row)
        log.info("agent %s: %s%s", agent_id, action, f" {guide_id}" if guide_id else "")
        return lookup

    def between(self, start: datetime, end: datetime) -> list[Lookup]:
        query = (
            select(LookupRow)
            .where(LookupRow.created_at >= start, LookupRow.created_at < end)
            .order_by(LookupRow.created_at, LookupRow.id)
        )
        with Session(self.engine) as session:
            return [_lookup(row) for row in session.scalars(query)]

    def recent(self, agent_id: str | None = None, limit: int = 50) -> list[Lookup]:
        query = select(LookupRow).order_by(LookupRow.id.desc()).limit(limit)
        if agent_id is not None:
            query = query.where(LookupRow.agent_id == agent_id)
        with Session(self.engine) as session:
            return [_lookup(row) for row in session.scalars(query)]

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(LookupRow)) or 0
