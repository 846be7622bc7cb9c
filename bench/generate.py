"""A fast generator of invented data: N communes from the official list and,
in each, the people, cases, tiers, contacts, work items and commitment
reviews that about two years of work would hold. PostgreSQL only.

Regions and communes are onboarded through the ORM, so each commune gets
its data key and audit trail as in production. Everything below a commune
is written with one ``INSERT ... SELECT FROM unnest(...)`` per table per
commune, as the owner role, in a transaction that first sets
``app.tenant_id``: row-level security stays forced and checks every row
(``COPY FROM`` is refused on such tables). Optional encrypted columns are
left empty; the required ones (a tier's reason, a commitment's terms) get
one value sealed under the commune's own key.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import select

from core.crypto.fields import seal
from core.db import get_database, new_id
from core.errors import NotFound
from core.statistics.periods import add_months
from tenants import divisions, onboarding
from tenants.isolation import bind_tenant
from tenants.models import Commune, RegionKind

logger = logging.getLogger(__name__)

KINDS = (
    ("illegal_use_management", 55),
    ("voluntary_rehab", 15),
    ("methadone_treatment", 15),
    ("compulsory_rehab_referral", 5),
    ("post_rehab_management", 10),
)
TIERS = ((1, 50), (2, 25), (3, 10), (None, 15))


@dataclass
class Rows:
    """Columns of one table, as lists, ready for unnest."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    values: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, *row: Any) -> None:
        self.values.append(row)


# The columns every row people edit carries, filled as (1, now, now).
EDITED = {"version": "int", "created_at": "timestamptz", "updated_at": "timestamptz"}


def _rows(**columns: str) -> Rows:
    """An empty table of ``columns``, each named with its PostgreSQL type."""
    return Rows(tuple(columns), tuple(columns.values()))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def psycopg_url(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def official_communes(count: int) -> list[divisions.OfficialCommune]:
    """``count`` communes of the official list, taken in turn from each
    province so that every province gets its share."""
    by_province: dict[str, list[divisions.OfficialCommune]] = {}
    for commune in sorted(divisions.communes().values(), key=lambda c: c.code):
        by_province.setdefault(commune.province_code, []).append(commune)
    queues = [by_province[code] for code in sorted(by_province)]
    chosen: list[divisions.OfficialCommune] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def onboard(app: Flask, count: int) -> list[Commune]:
    """Provinces and ``count`` communes, made if missing; returns them all."""
    database = get_database(app)
    wanted = official_communes(count)
    with app.app_context(), database.session() as db:
        existing = {c.code: c for c in db.scalars(select(Commune))}
        regions = {}
        for number, official in enumerate(wanted, start=1):
            if official.code in existing:
                continue
            code = official.province_code
            if code not in regions:
                try:
                    regions[code] = onboarding.get_region(db, code)
                except NotFound:
                    regions[code] = onboarding.create_region(
                        db, kind=RegionKind.PROVINCE, code=code
                    )
            existing[official.code] = onboarding.create_commune(
                db, region=regions[code], code=official.code
            )
            if number % 200 == 0:
                db.commit()
        db.commit()
        return [existing[o.code] for o in wanted]


def _sealed(app: Flask, commune: Commune, text: str) -> str:
    """``text`` sealed under the commune's key, as stored."""
    with app.app_context(), get_database(app).session() as db:
        bind_tenant(db, commune.id)
        value = seal(db, text)
        db.commit()
        return value.ciphertext


def commune_rows(
    rng: random.Random, people: int, today: date, sealed: dict[str, str]
) -> list[tuple[str, Rows]]:
    """One commune's rows, table by table, in the order of their keys."""
    now = datetime.now(UTC)
    hamlets = _rows(id="uuid", name="text", kind="text", **EDITED)
    persons = _rows(
        id="uuid",
        full_name="text",
        name_search="text",
        hamlet_id="uuid",
        tier="smallint",
        status="text",
        **EDITED,
    )
    cases = _rows(
        id="uuid",
        person_id="uuid",
        kind="text",
        status="text",
        ruleset="text",
        start_on="date",
        planned_end_on="date",
        end_on="date",
        later="bool",
        decision_number="text",
        decision_on="date",
        decided_by="text",
        outcome="text",
        closed_on="date",
        **EDITED,
    )
    tiers = _rows(
        id="uuid",
        person_id="uuid",
        to_tier="smallint",
        decided_on="date",
        decided_by_name="text",
        reason="text",
        recorded_at="timestamptz",
    )
    contacts = _rows(
        id="uuid",
        person_id="uuid",
        officer_name="text",
        contacted_on="date",
        channel="text",
        residence_confirmed="bool",
        **EDITED,
    )
    items = _rows(
        id="uuid",
        key="text",
        kind="text",
        origin="text",
        title_vi="text",
        title_en="text",
        person_id="uuid",
        due_on="date",
        desk="text",
        status="text",
        **EDITED,
    )
    commitments = _rows(
        id="uuid",
        person_id="uuid",
        signer_kind="text",
        signed_on="date",
        terms="text",
        review_on="date",
        status="text",
        **EDITED,
    )
    reviews = _rows(
        id="uuid",
        commitment_id="uuid",
        reviewed_on="date",
        outcome="text",
        next_review_on="date",
        recorded_by="text",
        recorded_at="timestamptz",
    )

    hamlet_ids = [new_id() for _ in range(rng.randint(6, 10))]
    for number, hamlet in enumerate(hamlet_ids, start=1):
        hamlets.add(hamlet, f"Thôn {number}", "thon", 1, now, now)
    year_ago = add_months(date(today.year, today.month, 1), -12)
    many = max(1, int(people * rng.uniform(0.8, 1.2)))
    for number in range(many):
        person = new_id()
        tier = _pick(rng, TIERS)
        hamlet = rng.choice(hamlet_ids) if rng.random() > 0.05 else None
        persons.add(
            person,
            f"Người {number}",
            f"nguoi {number}",
            hamlet,
            tier,
            "active",
            1,
            now,
            now,
        )
        start = today - timedelta(days=rng.randint(0, 730))
        open_months: set[date] = set()
        for later in (False, True):
            if later and rng.random() > 0.2:
                break
            kind = _pick(rng, KINDS)
            end = None if kind == "methadone_treatment" else add_months(start, 12)
            closed = end is not None and end < today - timedelta(days=60)
            closed = closed and rng.random() < 0.85
            cases.add(
                new_id(),
                person,
                kind,
                "closed" if closed else "open",
                "law-73-2021",
                start,
                end,
                end,
                later,
                f"{number}/QĐ-UBND",
                start,
                "Chủ tịch UBND xã",
                "completed" if closed else None,
                end if closed else None,
                1,
                now,
                now,
            )
            last = min(end if closed and end else today, today)
            month = date(max(start, year_ago).year, max(start, year_ago).month, 1)
            while month <= last:
                open_months.add(month)
                month = add_months(month, 1)
            start = (end or today) + timedelta(days=rng.randint(1, 90))
            if start > today:
                break
        if tier is not None:
            tiers.add(
                new_id(),
                person,
                tier,
                today - timedelta(days=rng.randint(1, 700)),
                "Trưởng Công an xã",
                sealed["reason"],
                now,
            )
        for month in sorted(open_months):
            due = month + timedelta(days=27)
            visited = rng.random() < 0.75
            if visited:
                contacts.add(
                    new_id(),
                    person,
                    "Cán bộ kèm cặp",
                    month + timedelta(days=rng.randint(0, 26)),
                    "visit",
                    True,
                    1,
                    now,
                    now,
                )
            if due <= today + timedelta(days=7):
                items.add(
                    new_id(),
                    f"bench:{person}:{month}",
                    "residence_check",
                    "core",
                    "Kiểm tra cư trú hằng tháng",
                    "Monthly residence check",
                    person,
                    due,
                    "chief",
                    "done" if visited else "open",
                    1,
                    now,
                    now,
                )
        if rng.random() < 0.3:
            commitment, signed = new_id(), today - timedelta(days=rng.randint(30, 700))
            review_on = signed + timedelta(days=180)
            commitments.add(
                commitment,
                person,
                "person",
                signed,
                sealed["terms"],
                review_on,
                "active",
                1,
                now,
                now,
            )
            if review_on <= today:
                reviews.add(
                    new_id(),
                    commitment,
                    review_on,
                    "continued",
                    review_on + timedelta(days=180),
                    "bench",
                    now,
                )
    return [
        ("hamlets", hamlets),
        ("persons", persons),
        ("cases", cases),
        ("tier_changes", tiers),
        ("contacts", contacts),
        ("work_items", items),
        ("commitments", commitments),
        ("commitment_reviews", reviews),
    ]


def insert(cursor: Any, tenant: uuid.UUID, table: str, rows: Rows) -> None:
    """One statement for the whole table's rows of one commune."""
    if not rows.values:
        return
    columns = ("tenant_id", *rows.columns)
    arrays = [f"%s::{kind}[]" for kind in rows.types]
    selected = ", ".join(["%s::uuid"] + [f"c{n}" for n in range(len(rows.types))])
    names = ", ".join(f"c{n}" for n in range(len(rows.types)))
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {selected} FROM unnest({', '.join(arrays)}) AS t({names})"
    )
    transposed = [list(column) for column in zip(*rows.values, strict=True)]
    cursor.execute(statement, [tenant, *transposed])


@dataclass
class Generated:
    communes: int
    rows: dict[str, int]
    seconds: float


def generate(
    app: Flask,
    owner_url: str,
    communes: int,
    people: int,
    today: date,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> Generated:
    """Onboard ``communes`` communes and fill those still empty."""
    started = time.perf_counter()
    places = onboard(app, communes)
    counted: dict[str, int] = {}
    with psycopg.connect(psycopg_url(owner_url)) as connection:
        for number, place in enumerate(places, start=1):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('app.tenant_id', %s, true)", [str(place.id)]
                )
                cursor.execute("SELECT count(*) FROM persons")
                found = cursor.fetchone()
                if found and found[0]:
                    continue
                sealed = {
                    "reason": _sealed(app, place, "Theo kết quả xác minh"),
                    "terms": _sealed(app, place, "Không sử dụng trái phép chất ma túy"),
                }
                rng = random.Random(f"{seed}:{place.code}")
                for table, rows in commune_rows(rng, people, today, sealed):
                    insert(cursor, place.id, table, rows)
                    counted[table] = counted.get(table, 0) + len(rows.values)
            if progress is not None and number % 100 == 0:
                progress(number)
    return Generated(len(places), counted, time.perf_counter() - started)
