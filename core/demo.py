"""Demonstration data for `make run`: a province, two communes, their hamlets,
one account for each role, all with the same published demo password, and
people's files with a year of history (``core.demo_people``).

Only for the embedded default or a server that is explicitly a demo; the CLI
refuses otherwise.
"""

from __future__ import annotations

import logging

from core.access import service as access_service
from core.db import Database
from core.demo_people import demo_seed_of, seed_case_files
from core.hamlets import service as hamlet_service
from core.identity import authn
from core.identity import service as identity_service
from tenants import onboarding
from tenants.isolation import bind_tenant
from tenants.models import RegionKind

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "binhyen-demo"  # noqa: S105  (published on purpose)

COMMUNES = {
    # slug: (official code, hamlets)
    "cao-phong": (
        "05089",
        [
            ("Xóm Tây Phong", "xom", "TP"),
            ("Xóm Dụ", "xom", "DU"),
            ("Xóm Đồi", "xom", "DOI"),
            ("Xóm Chằng", "xom", "CHANG"),
        ],
    ),
    "thung-nai": (
        "05098",
        [
            ("Xóm Mui", "xom", "MUI"),
            ("Xóm Rổng", "xom", "RONG"),
            ("Xóm Nai", "xom", "NAI"),
        ],
    ),
}

ROLE_ACCOUNTS = {
    "chief": ("commune_chief", "Trưởng Công an"),
    "officer": ("officer", "Cán bộ Công an"),
    "health": ("health_worker", "Cán bộ Y tế"),
    "hamlet": ("hamlet_member", "Tổ viên thôn xóm"),
    "committee": ("committee_member", "Thành viên Ban chỉ đạo"),
    "viewer": ("viewer", "Người xem"),
}


def seed(database: Database) -> list[str]:
    """Create the demo; returns the lines to show the person who ran it."""
    operator = authn.operator("demo-seed")
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD}):"]
    with database.session() as db:
        province = onboarding.create_region(db, kind=RegionKind.PROVINCE, code="25")
        admin = identity_service.create_user(
            db,
            username="admin.phutho",
            full_name="Quản trị tỉnh Phú Thọ",
            password=DEMO_PASSWORD,
        )
        access_service.grant_in_region(db, operator, admin, province, "region_admin")
        lines.append("  admin.phutho        region admin of Phú Thọ (25)")
        db.commit()

    for slug, (code, hamlets) in COMMUNES.items():
        with database.session() as db:
            province = onboarding.get_region(db, "25")
            commune = onboarding.create_commune(
                db, region=province, code=code, slug=slug
            )
            bind_tenant(db, commune.id)
            made = [
                hamlet_service.create(db, {"name": n, "kind": k, "code": c})
                for n, k, c in hamlets
            ]
            accounts = {}
            for prefix, (role, title) in ROLE_ACCOUNTS.items():
                username = f"{prefix}.{slug.replace('-', '')}"
                user = identity_service.create_user(
                    db,
                    username=username,
                    full_name=f"{title} {commune.name}",
                    password=DEMO_PASSWORD,
                )
                access_service.grant_in_commune(
                    db,
                    operator,
                    user,
                    commune,
                    role,
                    [made[0].id] if role == "hamlet_member" else [],
                )
                accounts[prefix] = user
                lines.append(f"  {username:<20}{role} in {commune.name}")
            people = seed_case_files(
                db,
                made,
                chief=accounts["chief"],
                officer=accounts["officer"],
                committee=accounts["committee"],
                seed=demo_seed_of(code),
            )
            lines.append(f"  ({people} people's files in {commune.name})")
            db.commit()
    logger.info("demo data seeded")
    return lines
