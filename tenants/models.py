"""Regions and communes: the tree above the tenants, and the tenants themselves.

A region is a province, or any grouping below one (a district where one is
still kept, a cluster of communes); nothing assumes a fixed depth. A commune
(xã, phường, đặc khu) is one tenant: every tenant-owned row carries its id.
These two tables are global; they belong to no commune.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamped, new_id


class RegionKind(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    GROUP = "group"


class CommuneStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Region(Timestamped, Base):
    """A province or a grouping of communes below one."""

    __tablename__ = "regions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("regions.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[RegionKind] = mapped_column(
        Enum(
            RegionKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # Official code for provinces (two digits); free for groupings.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Version counter for If-Match; SQLAlchemy checks it on every UPDATE.
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}


class Commune(Timestamped, Base):
    """A commune, ward or special zone: one tenant of the platform."""

    __tablename__ = "communes"
    __table_args__ = (CheckConstraint("length(code) = 5", name="code_five_digits"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    region_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("regions.id", ondelete="RESTRICT"), index=True
    )
    # The official five-digit administrative code (mã đơn vị hành chính).
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[CommuneStatus] = mapped_column(
        Enum(
            CommuneStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=CommuneStatus.ACTIVE,
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    region: Mapped[Region] = relationship()

    __mapper_args__ = {"version_id_col": version}
