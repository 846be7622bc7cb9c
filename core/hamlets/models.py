"""The hamlet model: the unit a hamlet team covers."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import Enum, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, new_id
from tenants.isolation import TenantOwned


class HamletKind(enum.StrEnum):
    XOM = "xom"
    THON = "thon"
    BAN = "ban"
    TO_DAN_PHO = "to_dan_pho"


class Hamlet(TenantOwned, Timestamped, Base):
    """A xóm, thôn, bản or tổ dân phố of one commune."""

    __tablename__ = "hamlets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[HamletKind] = mapped_column(
        Enum(
            HamletKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # A short code the commune uses on paper forms; optional, unique if given.
    code: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
