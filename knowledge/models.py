"""The catalogue's tables (SQLAlchemy 2 declarative models).

Portable by design: nothing here is specific to SQLite, so the same models run on PostgreSQL
(``DAOFU_DATABASE_URL=postgresql+psycopg://…``). Lists that are only ever read whole (aliases,
levels, FAQ, steps) are JSON columns; materials, which people ask about one by one, are rows.
Enumerations are plain strings with CHECK constraints, which every database enforces alike.

Each region, matter and guide row stores ``content_sha256`` — the hash of its record as imported —
so a re-import can tell changed from unchanged rows without comparing every column. A matter also
stores ``checksum``, the hash of everything searchable about it (the matter and all its guides),
which is what the search index compares to decide what to re-embed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from knowledge.records import ITEM_TYPES, MATERIAL_FORMS, REGION_LEVELS


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    pass


class CatalogMeta(Base):
    """Key/value facts about the catalogue as a whole: its name, demo flag, checksum, stamp."""

    __tablename__ = "catalog_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Region(Base):
    __tablename__ = "region"
    __table_args__ = (CheckConstraint(_one_of("level", REGION_LEVELS), name="region_level_known"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[str] = mapped_column(String(8))
    aliases: Mapped[list[str]] = mapped_column(JSON)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))

    parent: Mapped[Region | None] = relationship(remote_side=[code])


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Matter(Base):
    __tablename__ = "matter"
    __table_args__ = (CheckConstraint(_one_of("item_type", ITEM_TYPES), name="matter_item_type_known"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON)
    item_type: Mapped[str] = mapped_column(String(16))
    service_object: Mapped[list[str]] = mapped_column(JSON)
    theme: Mapped[str] = mapped_column(String(100))
    levels: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(Text)
    faq: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    high_frequency: Mapped[bool] = mapped_column(default=False)
    content_sha256: Mapped[str] = mapped_column(String(64))
    checksum: Mapped[str] = mapped_column(String(64))

    guides: Mapped[list[Guide]] = relationship(back_populates="matter")


class Guide(Base):
    __tablename__ = "guide"
    __table_args__ = (
        UniqueConstraint("matter_code", "region_code", name="guide_one_per_matter_and_region"),
        CheckConstraint("promised_days <= legal_days", name="guide_promised_within_legal"),
        CheckConstraint("promised_days >= 0", name="guide_promised_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    conditions: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON)
    legal_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    fee: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    hours: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(64))
    web: Mapped[bool]
    mobile: Mapped[bool]
    zero_visit: Mapped[bool]
    max_visits: Mapped[int] = mapped_column(Integer)
    form_code: Mapped[str | None] = mapped_column(String(96))
    content_sha256: Mapped[str] = mapped_column(String(64))

    matter: Mapped[Matter] = relationship(back_populates="guides")
    region: Mapped[Region] = relationship()
    department: Mapped[Department] = relationship()
    materials: Mapped[list[GuideMaterial]] = relationship(
        order_by="GuideMaterial.position", cascade="all, delete-orphan", back_populates="guide"
    )


class GuideMaterial(Base):
    __tablename__ = "guide_material"
    __table_args__ = (
        UniqueConstraint("guide_id", "position", name="guide_material_position_unique"),
        CheckConstraint(_one_of("form", MATERIAL_FORMS), name="guide_material_form_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guide_id: Mapped[str] = mapped_column(ForeignKey("guide.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(16))
    copies: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool]
    e_license: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)

    guide: Mapped[Guide] = relationship(back_populates="materials")


TABLES = ("catalog_meta", "region", "department", "matter", "guide", "guide_material")
