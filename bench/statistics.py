"""Benchmark of statistics at national scale (PostgreSQL).

    python -m bench.statistics --communes 3321 \\
        --database-url postgresql+psycopg://binhyen_app@127.0.0.1/binhyen_bench \\
        --migration-database-url postgresql+psycopg://binhyen_owner@127.0.0.1/binhyen_bench

It migrates the database, generates N communes with a couple of years of
invented files (bench.generate; communes already filled are kept), runs the
nightly refresh of every commune's protected figures, then measures through
the API, as the application role: a commune's dashboard (exact figures for
a month, and its twelve-month trend), each province's dashboard (a quarter),
the read of all communes' figures at once, and the reports (commune and
province, XLSX and PDF), and prints the figures.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from core import migrate
from core.app import create_app
from core.config import load_settings
from core.db import get_database, local_today
from core.plugin_host.host import build_host
from core.statistics import service
from core.statistics.models import PublishedFigure
from core.statistics.periods import Period, add_months, month_of
from tenants.isolation import bind_tenant
from tenants.models import Commune, Region

logger = logging.getLogger(__name__)


def _app(url: str, owner_url: str, instance: str) -> Flask:
    settings = load_settings(
        {},
        database_url=url,
        migration_database_url=owner_url,
        instance_path=instance,
    )
    return create_app(settings)


def _refresh_slice(
    arguments: tuple[str, str, str, list[str], str],
) -> tuple[int, list[float]]:
    """Refresh the protected figures of some communes (one worker process);
    returns the cells written and the milliseconds each commune took."""
    url, owner_url, instance, ids, today = arguments
    logging.disable(logging.INFO)
    app = _app(url, owner_url, instance)
    database = get_database(app)
    written, took = 0, []
    with app.app_context():
        for commune_id in ids:
            started = time.perf_counter()
            with database.session() as session:
                bind_tenant(session, uuid.UUID(commune_id))
                commune = session.get(Commune, uuid.UUID(commune_id))
                assert commune is not None
                written += service.refresh(
                    session, commune, today=date.fromisoformat(today)
                )
                session.commit()
            took.append((time.perf_counter() - started) * 1000)
    database.dispose()
    return written, took


def refresh_all(
    url: str, owner_url: str, instance: str, ids: list[str], today: date, workers: int
) -> tuple[int, list[float]]:
    """The nightly job's work for every commune, spread over processes."""
    slices = [ids[n::workers] for n in range(workers)]
    jobs = [(url, owner_url, instance, part, today.isoformat()) for part in slices]
    if workers == 1:
        return _refresh_slice(jobs[0])
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        done = pool.map(_refresh_slice, jobs)
    return sum(w for w, _t in done), [t for _w, times in done for t in times]


def _timed(action: Callable[..., Any], *arguments: Any) -> float:
    started = time.perf_counter()
    action(*arguments)
    return (time.perf_counter() - started) * 1000


def _spread(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms   "
        f"max {ordered[-1]:8.1f} ms   (n={len(ordered)})"
    )


def _tokens(
    app: Flask, communes: list[Commune], regions: list[Region]
) -> dict[Any, str]:
    """A chief's token in each sampled commune, a region admin's per region."""
    from tests import factories as f

    found: dict[Any, str] = {}
    database = get_database(app)
    with app.app_context():
        with database.session() as db:
            chief = f.user(db, f"bench.{uuid.uuid4().hex[:8]}")
            admin = f.user(db, f"bench.{uuid.uuid4().hex[:8]}")
            for region in regions:
                place = db.merge(region)
                f.grant(db, admin, "region_admin", region=place)
                found[region.id] = f.token(db, admin, region=place)
            db.commit()
        for commune in communes:
            # Each grant in a commune binds its session to that commune.
            with database.session() as db:
                place = db.merge(commune)
                account = db.merge(chief)
                f.grant(db, account, "commune_chief", commune=place)
                found[commune.id] = f.token(db, account, commune=place)
                db.commit()
    return found


def _ok(answer: Any) -> Any:
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)}")
    return answer


def measure(
    app: Flask, samples: int, today: date, report: Callable[[str], None]
) -> None:
    """Time the dashboards and reports through the API, and print them."""
    database = get_database(app)
    with database.session() as db:
        communes = list(db.scalars(select(Commune).order_by(Commune.code)))
        regions = list(
            db.scalars(
                select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)
            )
        )
        sizes = {
            r.id: db.scalar(select(func.count()).where(Commune.region_id == r.id))
            for r in regions
        }
    step = max(1, len(communes) // samples)
    sampled = communes[::step][:samples]
    largest = max(regions, key=lambda r: sizes[r.id])
    tokens = _tokens(app, sampled, regions)
    client = app.test_client()
    month = month_of(today)
    quarter_first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter = f"{today.year}-Q{(today.month + 2) // 3}"

    def get(url: str, token: str) -> Any:
        return _ok(client.get(url, headers={"Authorization": f"Bearer {token}"}))

    dashboard, trend = [], []
    for commune in sampled:
        base = f"/api/v1/c/{commune.slug}/statistics"
        token = tokens[commune.id]
        dashboard.append(_timed(get, f"{base}/?period={month.label}", token))
        trend.append(_timed(get, f"{base}/trend", token))
    report(f"commune dashboard, a month, exact  {_spread(dashboard)}")
    report(f"commune trend, 12 months, exact    {_spread(trend)}")

    province, province_year = [], []
    for region in regions:
        url = f"/api/v1/regions/{region.code}/statistics"
        token = tokens[region.id]
        province.append(_timed(get, f"{url}?period={quarter}", token))
    url = f"/api/v1/regions/{largest.code}/statistics"
    for _ in range(3):
        province_year.append(
            _timed(get, f"{url}?period={today.year}", tokens[largest.id])
        )
    report(f"province dashboard, a quarter      {_spread(province)}")
    report(
        f"largest province ({sizes[largest.id]} communes), a year "
        f"{_spread(province_year)}"
    )
    region_trend = [_timed(get, f"{url}/trend", tokens[largest.id])]
    report(f"largest province trend, 12 months  {_spread(region_trend)}")

    with app.app_context(), database.session() as db:
        span = Period(quarter_first, add_months(quarter_first, 3), quarter)
        national = [
            _timed(service.published_views, db, communes, span) for _ in range(3)
        ]
    report(f"all {len(communes)} communes read at once, a quarter {_spread(national)}")

    for label, url, token in (
        (
            "commune report",
            f"/api/v1/c/{sampled[0].slug}/statistics/exports/",
            tokens[sampled[0].id],
        ),
        (
            f"province report ({sizes[largest.id]} communes)",
            f"/api/v1/regions/{largest.code}/statistics/exports/",
            tokens[largest.id],
        ),
    ):
        for export_format in ("xlsx", "pdf"):
            body = {"period": str(today.year), "format": export_format}
            asked: list[Any] = []
            took = _timed(_post, client, url, token, body, asked)
            done = get(f"{url}{asked[0]['id']}", token).get_json()
            report(
                f"{label}, a year, {export_format:<4} built in {took:8.1f} ms "
                f"({done['status']}, {done['size']} bytes)"
            )


def _post(
    client: Any, url: str, token: str, body: dict[str, Any], into: list[Any]
) -> None:
    answer = _ok(
        client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    )
    into.append(answer.get_json())


def _refresh_and_say(
    app: Flask,
    options: argparse.Namespace,
    instance: str,
    today: date,
    say: Callable[[str], None],
) -> None:
    with get_database(app).session() as db:
        ids = [str(i) for i in db.scalars(select(Commune.id).order_by(Commune.code))]
    started = time.perf_counter()
    written, each = refresh_all(
        options.database_url,
        options.migration_database_url,
        instance,
        ids,
        today,
        options.workers,
    )
    took = time.perf_counter() - started
    with get_database(app).session() as db:
        cells = db.scalar(select(func.count()).select_from(PublishedFigure))
    say(
        f"nightly refresh of {len(ids)} communes ({service.REFRESH_MONTHS} months "
        f"each, {options.workers} processes): {took:8.1f} s in all, "
        f"{written:,} cells written, {cells:,} held"
    )
    say(f"  one commune's refresh             {_spread(each)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--people", type=int, default=250, help="per commune, ±20%")
    parser.add_argument("--database-url", required=True, help="the application role")
    parser.add_argument(
        "--migration-database-url", required=True, help="the owner role"
    )
    parser.add_argument("--instance-path", default="instance-bench")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument(
        "--no-refresh",
        action="store_true",
        help="keep the protected figures an earlier run computed",
    )
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1)))
    options = parser.parse_args(argv)
    # Onboarding thousands of communes logs a line each; keep the figures.
    logging.disable(logging.INFO)
    try:
        return _run(options)
    finally:
        logging.disable(logging.NOTSET)


def _run(options: argparse.Namespace) -> int:
    today = local_today()
    instance = str(Path(options.instance_path).resolve())

    def say(line: str) -> None:
        print(line, flush=True)

    owner = _app(
        options.migration_database_url, options.migration_database_url, instance
    )
    migrate.upgrade(owner.config["BINHYEN_SETTINGS"], build_host())
    with get_database(owner).engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    say(
        f"Bình Yên statistics benchmark: {options.communes} communes, "
        f"~{options.people} people each; PostgreSQL {version}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}"
    )

    from bench.generate import generate

    made = generate(
        owner,
        options.migration_database_url,
        options.communes,
        options.people,
        today,
        progress=lambda n: logger.warning("generated %d communes", n),
    )
    rows = ", ".join(f"{table} {count:,}" for table, count in made.rows.items())
    say(f"generated in {made.seconds:8.1f} s: {rows or 'nothing new'}")
    get_database(owner).dispose()

    app = _app(options.database_url, options.migration_database_url, instance)
    if not options.no_refresh:
        _refresh_and_say(app, options, instance, today, say)
    measure(app, options.samples, today, say)
    get_database(app).dispose()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
