"""Core's own hook implementations, registered like a plugin's.

Core declares its permissions through the same hook plugins use, so the
hook API is proven by core's code before any plugin relies on it.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.access.permissions import CORE_PERMISSIONS, Permission
from core.plugin_host.contributions import JobDefinition, PeriodicJob
from core.plugin_host.hookspecs import hookimpl


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return CORE_PERMISSIONS


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    from core.breakglass.service import notify
    from core.statistics import service as statistics
    from core.transfers import service as transfers
    from core.worklist import daily

    return (
        JobDefinition("core.break_glass_notice", notify),
        JobDefinition(statistics.REFRESH_JOB, statistics.refresh_job, max_attempts=3),
        JobDefinition(statistics.COMMUNE_REPORT_JOB, statistics.build_commune_report),
        JobDefinition(statistics.REGION_REPORT_JOB, statistics.build_region_report),
        JobDefinition(daily.JOB_NAME, daily.run),
        JobDefinition(transfers.OFFER, transfers.offer),
        JobDefinition(transfers.REPLY, transfers.reply),
        JobDefinition(transfers.NOTICE, transfers.notice),
    )


@hookimpl
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    from core.statistics import service as statistics
    from core.worklist import daily

    return (
        PeriodicJob(daily.JOB_NAME, cron=daily.SCHEDULE),
        PeriodicJob(statistics.REFRESH_JOB, cron=statistics.REFRESH_SCHEDULE),
    )
