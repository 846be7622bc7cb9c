"""The tips' share of the demo (``binhyen demo seed``): three invented tips
on the triage desk, one of them already asked a question, so a newcomer
sees the desk and the dialogue at work. Every value is invented; the demo's
receipt codes are not shown anywhere (a real tipster's code is shown once)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from core.toolkit import local_today
from plugins.tips import service

logger = logging.getLogger(__name__)


@dataclass
class _Seeder:
    """The demo itself, as the author of its officer's question."""

    user_id: uuid.UUID | None = None
    username: str = "demo-seed"


TIPS = (
    (
        "place",
        0,
        "Bãi đất trống sau nhà văn hóa",
        "Tối nào cũng có mấy thanh niên lạ tụ tập, để lại kim tiêm.",
    ),
    ("use", 1, "Gần chợ", "Có người ngồi hút ở quán nước đầu chợ buổi sáng."),
    (
        "needs_help",
        None,
        None,
        "Con tôi muốn cai nhưng không biết đến đâu để được giúp.",
    ),
)


def seed(db: Session) -> None:
    """Put the demo's tips on the desk."""
    hamlets = service.hamlet_names(db)
    today = local_today()
    received = []
    for number, (category, hamlet, place, text) in enumerate(TIPS):
        receipt = service.submit(
            db,
            {
                "category": category,
                "hamlet": hamlets[hamlet] if hamlet is not None and hamlets else None,
                "place": place,
                "happened_on": today - timedelta(days=number + 1),
                "description": text,
            },
        )
        received.append(receipt.tip)
    service.ask(
        db,
        received[0],
        "Khoảng mấy giờ họ thường tụ tập? Có thấy xe máy biển số nào không?",
        _Seeder(),
    )
    logger.info("demo tips: %d on the desk", len(received))
