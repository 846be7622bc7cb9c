"""Onboarding: creating regions and communes, and changing a commune's status.

These functions hold the rules; the CLI and the API call them after checking
the caller's permissions. Adding a commune inserts one row: no schema, no
migration, so it costs the same with ten communes or three thousand.
"""

from __future__ import annotations

import logging
import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, Invalid, NotFound, field_error
from tenants import divisions
from tenants.models import Commune, CommuneStatus, Region, RegionKind

logger = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GROUP_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_KIND_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ")


def get_region(session: Session, code: str) -> Region:
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound(
            f"No region has the code {code!r}. List regions with "
            "`binhyen regions list` or GET /api/v1/regions."
        )
    return region


def get_commune(session: Session, slug: str) -> Commune:
    commune = session.scalars(select(Commune).where(Commune.slug == slug)).first()
    if commune is None:
        raise NotFound(
            f"No commune has the address {slug!r}. Check the spelling, or list "
            "communes with GET /api/v1/communes."
        )
    return commune


def region_lineage(session: Session, region_id: uuid.UUID) -> list[Region]:
    """The region and every region above it, nearest first."""
    lineage: list[Region] = []
    current: uuid.UUID | None = region_id
    while current is not None:
        region = session.get(Region, current)
        if region is None or region in lineage:
            break
        lineage.append(region)
        current = region.parent_id
    return lineage


def province_of(session: Session, region: Region) -> Region | None:
    for ancestor in region_lineage(session, region.id):
        if ancestor.kind is RegionKind.PROVINCE:
            return ancestor
    return None


def create_region(
    session: Session,
    *,
    kind: RegionKind,
    code: str,
    name: str | None = None,
    parent: Region | None = None,
) -> Region:
    """Add a province (from the official list) or a grouping inside a region."""
    code = code.strip()
    name = (name or "").strip() or None
    if kind is RegionKind.PROVINCE:
        if not re.fullmatch(r"\d{1,2}", code):
            raise Invalid(
                "A province code is its official two-digit number.",
                errors=[field_error("code", "Use the two-digit province code.")],
            )
        code = divisions.province_code(code)
        official = divisions.find_province(code)
        if official is None:
            raise Invalid(
                f"{code} is not a province code in the official list.",
                errors=[field_error("code", "Not an official province code.")],
            )
        if parent is not None:
            raise Invalid(
                "A province has no parent region.",
                errors=[field_error("parent", "Leave empty for a province.")],
            )
        name = name or official.name
    else:
        if parent is None:
            raise Invalid(
                "A district or grouping sits inside a province or another region.",
                errors=[field_error("parent", "Name the parent region's code.")],
            )
        if not GROUP_CODE_PATTERN.match(code):
            raise Invalid(
                "A region code is 1 to 32 letters, digits, '.', '_' or '-'.",
                errors=[field_error("code", "Letters, digits, '.', '_', '-'.")],
            )
        if not name:
            raise Invalid(
                "A district or grouping needs a name.",
                errors=[field_error("name", "Give the region a name.")],
            )

    if session.scalars(select(Region.id).where(Region.code == code)).first():
        raise Conflict(
            f"A region with the code {code} already exists.",
            errors=[field_error("code", "Already in use.")],
        )
    region = Region(kind=kind, code=code, name=name, parent=parent)
    session.add(region)
    session.flush()
    logger.info("region %s (%s) created", region.code, region.kind.value)
    return region


def default_slug(name: str) -> str:
    folded = divisions.fold(name).strip()
    for prefix in _KIND_PREFIXES:
        if folded.startswith(prefix):
            return divisions.slugify(name)[len(prefix.strip()) + 1 :]
    return divisions.slugify(name)


def create_commune(
    session: Session,
    *,
    region: Region,
    code: str,
    name: str | None = None,
    slug: str | None = None,
) -> Commune:
    """Onboard a commune from the official list into a region of its province."""
    code = code.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise Invalid(
            "A commune code is its official five-digit number, e.g. 05089.",
            errors=[field_error("code", "Use the five-digit commune code.")],
        )
    official = divisions.find_commune(code)
    if official is None:
        raise Invalid(
            f"{code} is not a commune code in the official list.",
            errors=[field_error("code", "Not an official commune code.")],
        )
    province = province_of(session, region)
    if province is None or province.code != official.province_code:
        raise Invalid(
            f"Commune {code} belongs to province {official.province_code}, which "
            f"is not region {region.code} or above it.",
            errors=[field_error("region", "Pick a region of the commune's province.")],
        )
    if session.scalars(select(Commune.id).where(Commune.code == code)).first():
        raise Conflict(
            f"Commune {code} is already on the platform.",
            errors=[field_error("code", "Already onboarded.")],
        )

    if slug:
        if not SLUG_PATTERN.match(slug) or len(slug) > 80:
            raise Invalid(
                "An address is lower-case letters and digits joined by '-'.",
                errors=[field_error("slug", "Use a-z, 0-9 and '-'.")],
            )
        if _slug_taken(session, slug):
            raise Conflict(
                f"The address {slug!r} is taken by another commune.",
                errors=[field_error("slug", "Already in use; choose another.")],
            )
    else:
        slug = default_slug(official.name)
        if _slug_taken(session, slug):
            slug = f"{slug}-{code}"
        if _slug_taken(session, slug):
            raise Conflict(
                f"The addresses {default_slug(official.name)!r} and {slug!r} are "
                "both taken; choose an address with --slug (or 'slug' in the API).",
                errors=[field_error("slug", "Choose an address.")],
            )

    commune = Commune(
        region=region,
        code=code,
        name=(name or "").strip() or official.name,
        slug=slug,
    )
    session.add(commune)
    session.flush()
    logger.info("commune %s onboarded as %s", commune.code, commune.slug)
    return commune


def _slug_taken(session: Session, slug: str) -> bool:
    return (
        session.scalars(select(Commune.id).where(Commune.slug == slug)).first()
        is not None
    )


def set_commune_status(
    session: Session, commune: Commune, status: CommuneStatus
) -> Commune:
    """Suspend, archive or reactivate a commune. Its data is always kept."""
    if (
        commune.status is CommuneStatus.ARCHIVED
        and status is not CommuneStatus.ARCHIVED
    ):
        # An archive is meant to be final for day-to-day use; bringing one back
        # is allowed, but loudly, because its staff may have moved on.
        logger.warning("commune %s brought back from the archive", commune.code)
    commune.status = status
    session.flush()
    logger.info("commune %s is now %s", commune.code, status.value)
    return commune


def regions_under(session: Session, region_ids: set[uuid.UUID]) -> list[Region]:
    """The given regions and every region below them, by code."""
    regions = session.scalars(select(Region)).all()
    children: dict[uuid.UUID, list[Region]] = {}
    for region in regions:
        if region.parent_id is not None:
            children.setdefault(region.parent_id, []).append(region)
    reach = {r.id: r for r in regions if r.id in region_ids}
    stack = list(reach)
    while stack:
        for child in children.get(stack.pop(), []):
            if child.id not in reach:
                reach[child.id] = child
                stack.append(child.id)
    return sorted(reach.values(), key=lambda r: r.code)


def communes_under(session: Session, region_ids: set[uuid.UUID]) -> list[Commune]:
    """Every commune in the given regions or below them."""
    if not region_ids:
        return []
    reach = [r.id for r in regions_under(session, region_ids)]
    return list(
        session.scalars(
            select(Commune).where(Commune.region_id.in_(reach)).order_by(Commune.code)
        )
    )
