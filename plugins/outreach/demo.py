"""The outreach share of the demo (``binhyen demo seed``): a talk held last
week in a hamlet with its audience counted, and one planned at a school, so
a newcomer sees both in the calendar. Every name is invented."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Hamlet, local_today
from plugins.outreach import service
from plugins.outreach.models import SessionStatus, Setting

logger = logging.getLogger(__name__)


@dataclass
class _Demo:
    """Who the demo's records say recorded them."""

    user_id: uuid.UUID | None = None
    username: str = "demo-seed"


def seed(db: Session) -> None:
    """Record one session held and plan another."""
    today = local_today()
    hamlet = db.scalars(select(Hamlet).order_by(Hamlet.name)).first()
    if hamlet is not None:
        service.create(
            db,
            {
                "setting": Setting.HAMLET,
                "hamlet_id": hamlet.id,
                "place": f"Nhà văn hóa {hamlet.name}",
                "topic": "Nhận biết người dùng ma túy tổng hợp và cách giúp đỡ",
                "planned_on": today - timedelta(days=9),
                "status": SessionStatus.HELD,
                "held_on": today - timedelta(days=7),
                "speakers": [
                    {"name": "Thượng úy Đinh Văn Hải", "role": "Công an xã"},
                    {
                        "name": "Ông Quách Văn Sơn",
                        "role": "Trưởng họ Quách",
                        "respected_local": True,
                    },
                ],
                "materials": ["Tờ rơi về ma túy tổng hợp", "Phim ngắn 10 phút"],
                "audience": [
                    {"sex": "male", "age_group": "18_to_30", "count": 14},
                    {"sex": "female", "age_group": "18_to_30", "count": 11},
                    {"sex": "male", "age_group": "over_30", "count": 23},
                    {"sex": "female", "age_group": "over_30", "count": 27},
                ],
            },
            _Demo(),
        )
    service.create(
        db,
        {
            "setting": Setting.SCHOOL,
            "school": "Trường THCS Thu Phong",
            "class_name": "Khối 9",
            "place": "Sân trường, giờ chào cờ",
            "topic": "Nói không với thuốc lá điện tử và ma túy",
            "planned_on": today + timedelta(days=6),
            "speakers": [{"name": "Cô Bạch Thị Mai", "role": "Giáo viên chủ nhiệm"}],
        },
        _Demo(),
    )
    logger.info("demo outreach: sessions recorded")
