"""The counselling share of the demo (``binhyen demo seed``): two hotline
calls in the log, one anonymous. No channel is set up and no contact kept:
a demo must never send anything. Every value is invented."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from core.toolkit import utcnow
from plugins.counselling import service
from plugins.counselling.models import Means, Topic

logger = logging.getLogger(__name__)


@dataclass
class _Demo:
    """Who the demo's records say recorded them."""

    user_id: uuid.UUID | None = None
    username: str = "demo-seed"


CALLS = (
    {
        "means": Means.PHONE,
        "anonymous": True,
        "topic": Topic.FAMILY,
        "details": "Một người mẹ lo con trai 17 tuổi hay thức đêm, bỏ bữa.",
        "advice": "Giữ bình tĩnh, trò chuyện với con; có thể đưa con đến "
        "Trạm Y tế để được tư vấn kín.",
        "referral": "Trạm Y tế xã",
    },
    {
        "means": Means.IN_PERSON,
        "anonymous": False,
        "caller": "Anh Xa Văn Tùng",
        "topic": Topic.TREATMENT,
        "details": "Hỏi thủ tục đăng ký điều trị nghiện tự nguyện tại gia đình.",
        "advice": "Hướng dẫn hồ sơ đăng ký và người phụ trách ở xã.",
    },
)


def seed(db: Session) -> None:
    """Log the demo's calls."""
    now = utcnow()
    for back, call in enumerate(CALLS, start=1):
        values = {**call, "occurred_at": now - timedelta(days=2 * back, hours=3)}
        service.create_entry(db, values, _Demo())
    logger.info("demo counselling: %d calls logged", len(CALLS))
