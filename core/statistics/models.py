"""The tables of statistics: protected monthly figures that regions read, and
the report exports a commune or a region asks for.

A commune's exact figures are never stored: they are counted from its own
rows when asked. What is stored for regions (:class:`PublishedFigure`) is
already protected (small counts withheld, the rest rounded), so the table
belongs to no commune and may be read across communes without exposing
anyone. A commune's exports are commune-owned; a region's belong to the
region.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedBytes
from core.db import Base, Recorded, UtcDateTime, new_id, text_enum, utcnow
from tenants.isolation import TenantOwned


class PublishedFigure(Base):
    """One protected figure of one commune for one month.

    ``value`` is None when the count was withheld (from 1 to one less than
    ``threshold``); otherwise it is the count rounded to a multiple of
    ``threshold``. Totals are not stored: they are summed from these cells
    when read, so no total can be set against its parts to recover one.
    """

    __tablename__ = "published_figures"
    __table_args__ = (Index(None, "month", "commune_id"),)

    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    # The first day of the month.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int | None] = mapped_column(Integer)
    # The threshold the value was protected with; a row protected under
    # another threshold than the one in force is withheld until recomputed.
    threshold: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class FigureDefinition(Base):
    """The labels of a plugin's figure and whether it is a level (a stock),
    kept so that regional views can name and add up figures they only read
    as protected numbers. Core's own figures are defined in code."""

    __tablename__ = "figure_definitions"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    label_vi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    stock: Mapped[bool] = mapped_column(Boolean, default=False)


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    # The last attempt failed; the job is tried again until it runs out.
    FAILED = "failed"


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


class Audience(enum.StrEnum):
    """Whom a set of figures is for: the commune's own staff see exact
    counts; everyone else sees protected ones."""

    COMMUNE = "commune"
    REGION = "region"


class _Export(Recorded):
    """What a commune's and a region's exports share."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    period_start: Mapped[date] = mapped_column(Date)
    # The day after the last day of the period.
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(40))
    format: Mapped[ExportFormat] = mapped_column(text_enum(ExportFormat, 8))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    status: Mapped[ExportStatus] = mapped_column(
        text_enum(ExportStatus, 16), default=ExportStatus.PENDING
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # The exception's type only, never its message.
    error: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    size: Mapped[int | None] = mapped_column(Integer)


class CommuneExport(TenantOwned, _Export, Base):
    """A commune's report for a period, built by a job; the file is sealed
    under the commune's key."""

    __tablename__ = "statistics_exports"
    __table_args__ = (Index(None, "tenant_id", "recorded_at"),)

    audience: Mapped[Audience] = mapped_column(text_enum(Audience, 16))
    content: Mapped[bytes | None] = mapped_column(EncryptedBytes(), deferred=True)


class RegionExport(_Export, Base):
    """A region's report for a period. Its job runs in the outbox of one of
    the region's communes (``host_commune_id``), though it reads only the
    protected figures; the file is sealed under a platform key."""

    __tablename__ = "region_exports"
    __table_args__ = (Index(None, "region_id", "recorded_at"),)

    region_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE")
    )
    host_commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE")
    )
    # Sealed with core.crypto.fields.seal_platform_bytes.
    content: Mapped[bytes | None] = mapped_column(deferred=True)
