"""Demonstration data for `make run`: a province, two communes, their hamlets,
one account for each role, all with the same published demo password, and
people's files with a year of history (``core.demo_people``). The first
commune also runs every installed plugin that offers demo data (the
``binhyen_demo_seed`` hook); the second runs none.

Only for the embedded default or a server that is explicitly a demo; the CLI
refuses otherwise.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from core.access import service as access_service
from core.db import Database
from core.demo_people import demo_seed_of, seed_case_files
from core.hamlets import service as hamlet_service
from core.identity import authn
from core.identity import service as identity_service
from core.plugin_host import service as plugin_service
from core.plugin_host.host import PluginHost
from core.statistics import service as statistics_service
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


# The demo commune that runs the plugins offering demo data.
PLUGIN_COMMUNE = "cao-phong"
DEMO_HOOK = "binhyen_demo_seed"


def _demo_plugins() -> PluginHost | None:
    """The app's plugin host, when there is an app (there is under the CLI)."""
    if not has_app_context():
        return None
    host: PluginHost | None = current_app.extensions.get("binhyen.plugins")
    return host


def _switch_on_demo_plugins(db: Session, host: PluginHost) -> list[str]:
    """Switch on, in the session's commune, each plugin with demo data."""
    names = host.implementing(DEMO_HOOK)
    for name in names:
        plugin_service.set_enabled(db, host, name, True)
    return names


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
            host = _demo_plugins() if slug == PLUGIN_COMMUNE else None
            # Switched on before the people exist, so that the plugins hear
            # of the cases opened for them, as they would in real use.
            plugins = _switch_on_demo_plugins(db, host) if host else []
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
            if host and plugins:
                host.call_enabled(db, DEMO_HOOK, commune=commune)
                lines.append(f"  (plugins on in {commune.name}: {', '.join(plugins)})")
            db.commit()
            # The region's figures are the nightly job's; the demo computes
            # them at once so that the region admin has something to read.
            statistics_service.refresh(db, commune)
            db.commit()
    logger.info("demo data seeded")
    return lines
