"""The people of the demo communes, with a year of history: tiers, cases on
both legal rulesets, officers, contacts, teams and hamlet staff.

Every name, number and story here is invented. Dates are counted back from
the day the demo is seeded, so the work lists always have something due
and something overdue.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.cases import service as case_service
from core.cases.models import Case
from core.commitments import service as commitments
from core.db import local_today
from core.hamlets.models import Hamlet
from core.identity import authn
from core.identity.models import User
from core.mentoring import service as mentoring
from core.organisation import service as organisation
from core.people import service as people
from core.people.models import Person
from core.support import service as support
from core.worklist import daily

logger = logging.getLogger(__name__)

SURNAMES = ("Bùi", "Quách", "Đinh", "Xa", "Hà", "Nguyễn", "Lò", "Trần")
MIDDLE = {"male": ("Văn", "Công", "Đức"), "female": ("Thị", "Thu")}
GIVEN = {
    "male": ("Hùng", "Tâm", "Lực", "Tiến", "Sơn", "Toản", "Khánh", "Dũng", "Quân"),
    "female": ("Nhung", "Lan", "Hoa", "Mai", "Hiền"),
}


@dataclass(frozen=True)
class Story:
    """One demo person: their tier and what the commune has done with them,
    ``days_ago`` counting back from the day of seeding."""

    sex: str
    born: int
    tier: int
    kind: str
    days_ago: int
    setting: str | None = None
    contacts: int = 0
    extended: bool = False


STORIES = (
    Story("male", 1994, 1, "illegal_use_management", 200, contacts=5),
    Story("male", 1999, 1, "illegal_use_management", 40, contacts=1),
    Story("male", 2003, 1, "illegal_use_management", 380, contacts=8),
    Story("female", 1997, 1, "illegal_use_management", 330, contacts=6, extended=True),
    Story("male", 1988, 2, "voluntary_rehab", 150, setting="home"),
    Story("male", 1991, 2, "voluntary_rehab", 60, setting="community"),
    Story("male", 1985, 2, "methadone_treatment", 500, contacts=10),
    Story("male", 1979, 2, "methadone_treatment", 90, contacts=2),
    Story("male", 1983, 3, "compulsory_rehab_referral", 20),
    Story("male", 1990, 3, "compulsory_rehab_referral", 700),
)


def _national_id(rng: random.Random, sex: str, born: int) -> str:
    # Hòa Bình's province code, then the century-and-sex digit, the year of
    # birth and six random digits: the shape of a real number, none real.
    century = (0 if born < 2000 else 2) + (1 if sex == "female" else 0)
    return f"017{century}{born % 100:02d}{rng.randrange(10**6):06d}"


def _name(rng: random.Random, sex: str) -> str:
    return " ".join(
        (rng.choice(SURNAMES), rng.choice(MIDDLE[sex]), rng.choice(GIVEN[sex]))
    )


def seed_case_files(
    db: Session,
    hamlets: list[Hamlet],
    chief: User,
    officer: User,
    committee: User,
    seed: int,
) -> int:
    """Fill the commune ``db`` is bound to; returns how many people it made."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    today = local_today()
    acting = authn.Principal(user_id=chief.id, username=chief.username, via="demo")
    _organise(db, hamlets, chief, officer, committee)

    made = 0
    for number, story in enumerate(STORIES):
        hamlet = hamlets[number % len(hamlets)]
        decided = today - timedelta(days=story.days_ago)
        person = people.create(
            db,
            {
                "full_name": _name(rng, story.sex),
                "sex": story.sex,
                "date_of_birth": date(
                    story.born, rng.randint(1, 12), rng.randint(1, 28)
                ),
                "hamlet_id": hamlet.id,
                "national_id": _national_id(rng, story.sex, story.born),
                "phone": f"09{rng.randrange(10**8):08d}",
                "address": f"Nhà số {rng.randint(1, 90)}, {hamlet.name}",
                "family_contacts": f"Mẹ: {_name(rng, 'female')}, "
                f"09{rng.randrange(10**8):08d}",
            },
        )
        mentoring.assign(
            db,
            person,
            officer.id,
            started_on=decided,
            reason="Phân công theo địa bàn",
            by_name=chief.full_name,
        )
        if story.tier == 3:
            people.change_tier(
                db,
                person,
                tier=2,
                reason="Nghiện, đã cai nghiện tại gia đình nhưng tái nghiện",
                decided_on=decided - timedelta(days=200),
                decided_by=acting,
            )
        people.change_tier(
            db,
            person,
            tier=story.tier,
            reason=(
                "Xét nghiệm dương tính, sử dụng trái phép chất ma túy"
                if story.tier == 1
                else "Xác định nghiện, gia đình cam kết phối hợp"
                if story.tier == 2
                else "Nghiện nặng, nhiều lần tái nghiện: lập hồ sơ cai bắt buộc"
            ),
            decided_on=decided,
            decided_by=acting,
        )
        case = case_service.open_case(
            db,
            person,
            {
                "kind": story.kind,
                "setting": story.setting,
                "decision_number": f"{number + 11:02d}/QĐ-UBND",
                "decision_on": decided,
                "trigger_on": decided - timedelta(days=2),
                "decided_by": "Chủ tịch UBND xã",
            },
        )
        _history(db, rng, person, case, story, officer, today)
        if story.tier == 2:
            _commitment_and_support(db, rng, person, decided, today)
        if story.kind == "compulsory_rehab_referral" and story.days_ago > 365:
            _released(db, person, case, today, chief)
        made += 1

    daily.raise_due(db, today)
    db.flush()
    logger.info("demo case files seeded: %d people", made)
    return made


def _history(
    db: Session,
    rng: random.Random,
    person: Person,
    case: Case,
    story: Story,
    officer: User,
    today: date,
) -> None:
    """Monthly visits from the start of the case, the last setting the next."""
    for visit in range(story.contacts):
        on = case.start_on + timedelta(days=30 * (visit + 1) - rng.randint(0, 4))
        if on > today:
            break
        mentoring.record_contact(
            db,
            person,
            {
                "contacted_on": on,
                "channel": "visit" if visit % 3 else "meeting",
                "residence_confirmed": bool(visit % 3),
                "note": rng.choice(
                    (
                        "Có mặt tại nhà, đang làm nương cùng gia đình.",
                        "Gia đình phản ánh đã bớt giao du với nhóm cũ.",
                        "Đã đi làm phụ hồ ở thị trấn, về nhà buổi tối.",
                        "Nhắc nhở lịch xét nghiệm, hứa chấp hành.",
                    )
                ),
                "next_due_on": on + timedelta(days=30),
            },
            officer_id=officer.id,
            officer_name=officer.full_name,
        )
    if story.extended and case.end_on is not None:
        case_service.extend(
            db,
            case,
            {
                "decision_number": "52/QĐ-UBND",
                "decision_on": min(today, case.end_on - timedelta(days=20)),
                "decided_by": "Chủ tịch UBND xã",
                "new_end_on": case.end_on + timedelta(days=90),
                "reason": "Tái sử dụng trong thời gian quản lý, kéo dài theo quy định",
            },
        )


def _commitment_and_support(
    db: Session, rng: random.Random, person: Person, decided: date, today: date
) -> None:
    """The family's written commitment, and help back into work."""
    signed = decided + timedelta(days=3)
    commitments.create(
        db,
        person,
        {
            "signer_kind": "family",
            "signer_name": _name(rng, "female"),
            "signer_relation": "Mẹ",
            "signed_on": min(signed, today),
            "terms": "Gia đình quản lý, động viên; báo ngay cho công an xã nếu "
            "tái sử dụng. Người cai nghiện trình diện hằng tháng.",
            "review_on": signed + timedelta(days=180),
        },
    )
    support.create(
        db,
        person,
        {
            "kind": rng.choice(("work", "vocational_training", "health_insurance")),
            "what": rng.choice(
                (
                    "Giới thiệu việc làm tại xưởng gỗ",
                    "Học nghề sửa xe máy 3 tháng",
                    "Thẻ bảo hiểm y tế hộ cận nghèo",
                )
            ),
            "provider": "Hội Liên hiệp Phụ nữ xã",
            "start_on": min(signed + timedelta(days=20), today),
        },
    )


def _released(
    db: Session, person: Person, referral: Case, today: date, chief: User
) -> None:
    """A referral long ago: the court term served, post-rehab management
    since the release."""
    released = referral.start_on + timedelta(days=540)
    case_service.close(
        db,
        referral,
        {"outcome": "completed", "closed_on": released, "note": "Chấp hành xong"},
        by_name=chief.full_name,
    )
    case_service.open_case(
        db,
        person,
        {
            "kind": "post_rehab_management",
            "decision_number": "77/QĐ-UBND",
            "decision_on": min(released + timedelta(days=3), today),
            "decided_by": "Chủ tịch UBND xã",
            "follows_case_id": referral.id,
        },
    )


def _organise(
    db: Session,
    hamlets: list[Hamlet],
    chief: User,
    officer: User,
    committee: User,
) -> None:
    steering = organisation.create_team(
        db, {"kind": "steering_committee", "name": "Ban chỉ đạo phòng, chống ma túy"}
    )
    for values in (
        {"full_name": "Bùi Văn Thắng", "position": "Trưởng ban (Chủ tịch UBND xã)"},
        {"user_id": chief.id, "position": "Phó Trưởng ban thường trực"},
        {"user_id": committee.id, "position": "Thành viên"},
    ):
        organisation.add_member(db, steering, values)
    health = organisation.create_team(
        db, {"kind": "health_team", "name": "Trạm Y tế xã"}
    )
    organisation.add_member(
        db, health, {"full_name": "Đinh Thị Nga", "position": "Trạm trưởng"}
    )
    for hamlet in hamlets:
        team = organisation.create_team(
            db,
            {
                "kind": "hamlet_team",
                "name": f"Tổ công tác {hamlet.name}",
                "hamlet_id": hamlet.id,
            },
        )
        organisation.add_member(
            db,
            team,
            {"full_name": f"Trưởng {hamlet.name}", "position": "Tổ trưởng"},
        )
    # The demo officer serves the first two hamlets.
    for hamlet in hamlets[:2]:
        organisation.serve_hamlet(db, hamlet, officer.id)


def demo_seed_of(code: str) -> int:
    """A stable seed per commune, so each demo commune tells its own story."""
    return uuid.uuid5(uuid.NAMESPACE_OID, code).int % 10**6
