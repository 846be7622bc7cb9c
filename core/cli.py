"""The ``binhyen`` command: the operators' entry point.

Built on Flask's CLI, so ``binhyen run`` and ``binhyen routes`` come with it.
Onboarding commands act as the operator (someone with a shell on the server,
who holds the database credentials anyway) unless ``--as USERNAME`` names an
account, whose permissions are then checked exactly as the API checks them.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app, g
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from core import migrate
from core.access import policy
from core.access import service as access_service
from core.config import SETTINGS
from core.db import get_database
from core.errors import Problem
from core.identity import authn
from core.identity import service as identity_service
from core.identity.models import User
from core.plugin_host import service as plugin_service
from tenants import onboarding, resolution
from tenants.models import CommuneStatus, RegionKind

logger = logging.getLogger(__name__)


def _create_app() -> Flask:
    from core.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Bình Yên: community drug prevention for Vietnamese communes."""


def register_commands(app: Flask) -> None:
    for group in (
        db_group,
        regions_group,
        communes_group,
        users_group,
        tokens_group,
        demo_group,
        settings_command,
        plugins_group,
        jobs_group,
        worker_command,
        scheduler_command,
        audit_group,
        keys_group,
        cases_group,
    ):
        app.cli.add_command(group)
    from core.statistics.cli import report_group

    app.cli.add_command(report_group)


def _fail_on_problem(function: Callable[..., Any]) -> Callable[..., Any]:
    """Show a refused operation as one clear line and exit 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Problem as problem:
            details = "; ".join(f"{e['field']}: {e['message']}" for e in problem.errors)
            raise click.ClickException(
                problem.detail + (f" ({details})" if details else "")
            ) from problem

    return wrapper


def _actor(db: Any, username: str | None) -> authn.Principal:
    if not username:
        return authn.operator()
    user = identity_service.get_user(db, username)
    g.audit_actor = user.username  # the audit trail names the account acting
    return authn.Principal(user_id=user.id, username=user.username, via="cli")


def _settings() -> Any:
    return current_app.config["BINHYEN_SETTINGS"]


def _host() -> Any:
    return current_app.extensions["binhyen.plugins"]


as_option = click.option(
    "--as",
    "acting",
    metavar="USERNAME",
    help="Act as this account, with its permissions (default: the operator).",
)


# -- database --------------------------------------------------------------


@click.group("db")
def db_group() -> None:
    """Schema migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations (core and installed plugins) as the table owner."""
    try:
        migrate.upgrade(_settings(), _host(), revision)
    except migrate.MissingRevisions as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Database is up to date.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    migrate.downgrade(_settings(), _host(), revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema's current revision."""
    migrate.current(_settings(), _host())


# -- regions ---------------------------------------------------------------


@click.group("regions")
def regions_group() -> None:
    """Provinces and the groupings below them."""


@regions_group.command("create")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in RegionKind]),
    default=RegionKind.PROVINCE.value,
    show_default=True,
)
@click.option("--code", required=True, help="Official province code, or your own.")
@click.option("--name", help="Defaults to the official name for a province.")
@click.option("--parent", help="Code of the region above (not for a province).")
@as_option
@with_appcontext
@_fail_on_problem
def regions_create(
    kind: str, code: str, name: str | None, parent: str | None, acting: str | None
) -> None:
    """Add a region."""
    with get_database().session() as db:
        principal = _actor(db, acting)
        parent_region = onboarding.get_region(db, parent) if parent else None
        if parent_region is not None:
            _require_region(db, principal, parent_region, "regions:write")
        elif not principal.is_operator:
            raise click.ClickException("Only the operator adds provinces.")
        region = onboarding.create_region(
            db, kind=RegionKind(kind), code=code, name=name, parent=parent_region
        )
        db.commit()
        click.echo(f"Region {region.code} ({region.name}) created.")


@regions_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def regions_list(as_json: bool) -> None:
    """List regions."""
    from tenants.models import Region

    with get_database().session() as db:
        rows = [
            {
                "code": r.code,
                "kind": r.kind.value,
                "name": r.name,
                "parent": r.parent.code if r.parent else None,
            }
            for r in db.scalars(select(Region).order_by(Region.code))
        ]
    _print_rows(rows, as_json, ("code", "kind", "name", "parent"))


# -- communes --------------------------------------------------------------


@click.group("communes")
def communes_group() -> None:
    """Communes: the tenants."""


@communes_group.command("create")
@click.option("--region", required=True, help="Code of the region it joins.")
@click.option("--code", required=True, help="Official five-digit commune code.")
@click.option("--name", help="Defaults to the official name.")
@click.option("--slug", help="Address in URLs; defaults to the name.")
@as_option
@with_appcontext
@_fail_on_problem
def communes_create(
    region: str, code: str, name: str | None, slug: str | None, acting: str | None
) -> None:
    """Onboard a commune from the official list."""
    with get_database().session() as db:
        principal = _actor(db, acting)
        target = onboarding.get_region(db, region)
        _require_region(db, principal, target, "communes:write")
        commune = onboarding.create_commune(
            db, region=target, code=code, name=name, slug=slug
        )
        db.commit()
        click.echo(f"Commune {commune.code} {commune.name} is at /c/{commune.slug}/")


@communes_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--region", help="Only communes in this region and below.")
@with_appcontext
@_fail_on_problem
def communes_list(as_json: bool, region: str | None) -> None:
    """List communes."""
    from tenants.models import Commune

    with get_database().session() as db:
        if region:
            communes = onboarding.communes_under(
                db, {onboarding.get_region(db, region).id}
            )
        else:
            communes = list(db.scalars(select(Commune).order_by(Commune.code)))
        rows = [
            {
                "code": c.code,
                "slug": c.slug,
                "name": c.name,
                "status": c.status.value,
                "region": c.region.code,
            }
            for c in communes
        ]
    _print_rows(rows, as_json, ("code", "slug", "name", "status", "region"))


def _status_command(name: str, status: CommuneStatus, help_text: str) -> None:
    @communes_group.command(name, help=help_text)
    @click.argument("slug")
    @as_option
    @with_appcontext
    @_fail_on_problem
    def change(slug: str, acting: str | None) -> None:
        with get_database().session() as db:
            principal = _actor(db, acting)
            commune = onboarding.get_commune(db, slug)
            if not principal.is_operator and "communes:write" not in (
                policy.permissions_in_commune(db, principal, commune)
            ):
                raise click.ClickException("You need communes:write for this commune.")
            onboarding.set_commune_status(db, commune, status)
            db.commit()
            click.echo(f"Commune {commune.slug} is now {status.value}.")


_status_command(
    "suspend", CommuneStatus.SUSPENDED, "Stop serving a commune; its data is kept."
)
_status_command(
    "archive", CommuneStatus.ARCHIVED, "Archive a commune; its data is kept."
)
_status_command(
    "activate", CommuneStatus.ACTIVE, "Serve a suspended or archived commune again."
)


def _require_region(
    db: Any, principal: authn.Principal, region: Any, perm: str
) -> None:
    if perm not in policy.permissions_in_region(db, principal, region):
        raise click.ClickException(f"You need {perm} in region {region.code}.")


# -- users -----------------------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Staff accounts and their roles."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of a prompt.",
)
@click.option("--no-password", is_flag=True, help="Single sign-on only.")
@click.option("--totp", is_flag=True, help="Require a TOTP code at sign-in.")
@with_appcontext
@_fail_on_problem
def users_create(
    username: str, full_name: str, password_stdin: bool, no_password: bool, totp: bool
) -> None:
    """Provision a staff account."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            # An empty line would otherwise make an account with no password
            # at all, silently: refuse, and say how to ask for that on purpose.
            raise click.ClickException(
                "Standard input held no password; pipe one in, or pass "
                "--no-password for an account that signs in only with SSO."
            )
    elif not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with get_database().session() as db:
        user = identity_service.create_user(
            db,
            username=username,
            full_name=full_name,
            password=password,
            with_totp=totp,
        )
        db.commit()
        click.echo(f"Account {user.username} created.")
        uri = identity_service.totp_uri(db, user)
        if uri:
            click.echo(f"Add this to an authenticator app: {uri}")


@users_group.command("grant")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--commune", help="Slug of the commune (for a commune role).")
@click.option("--region", help="Code of the region (for a region role).")
@click.option(
    "--hamlet",
    "hamlets",
    type=click.UUID,
    multiple=True,
    help="Hamlet id, for a hamlet-scoped role; repeat for several.",
)
@as_option
@with_appcontext
@_fail_on_problem
def users_grant(
    username: str,
    role: str,
    commune: str | None,
    region: str | None,
    hamlets: tuple[uuid.UUID, ...],
    acting: str | None,
) -> None:
    """Give an account a role in a commune or a region."""
    if bool(commune) == bool(region):
        raise click.UsageError("Give exactly one of --commune or --region.")
    with get_database().session() as db:
        principal = _actor(db, acting)
        user = identity_service.get_user(db, username)
        if commune:
            access_service.grant_in_commune(
                db,
                principal,
                user,
                onboarding.get_commune(db, commune),
                role,
                list(hamlets),
            )
        else:
            access_service.grant_in_region(
                db, principal, user, onboarding.get_region(db, region or ""), role
            )
        db.commit()
        click.echo(f"{user.username} is now {role} in {commune or region}.")


@users_group.command("link")
@click.argument("username")
@click.option("--provider", required=True, help="Name of the sign-on provider.")
@click.option(
    "--subject-stdin",
    is_flag=True,
    help="Read the identifier from standard input (keeps it out of the shell "
    "history); otherwise it is prompted for.",
)
@with_appcontext
@_fail_on_problem
def users_link(username: str, provider: str, subject_stdin: bool) -> None:
    """Let an account sign in through single sign-on with its identifier."""
    from core.identity import sso

    value = (
        sys.stdin.readline().strip()
        if subject_stdin
        else click.prompt("Identifier (e.g. the 12-digit number)", hide_input=True)
    )
    with get_database().session() as db:
        user = identity_service.get_user(db, username)
        sso.link(db, user, provider, value)
        db.commit()
    click.echo(f"{user.username} can now sign in through {provider}.")


# -- tokens ----------------------------------------------------------------


@click.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.option("--user", "username", required=True)
@click.option("--commune", help="Slug of the commune the token works in.")
@click.option("--region", help="Code of the region the token works in.")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    required=True,
    help="A permission the token carries; repeat for several.",
)
@click.option("--days", type=int, default=30, show_default=True)
@click.option("--name", default="cli", show_default=True)
@with_appcontext
@_fail_on_problem
def tokens_create(
    username: str,
    commune: str | None,
    region: str | None,
    permissions: tuple[str, ...],
    days: int,
    name: str,
) -> None:
    """Create a token for an account. The token is printed once."""
    if bool(commune) == bool(region):
        raise click.UsageError("Give exactly one of --commune or --region.")
    with get_database().session() as db:
        user = identity_service.get_user(db, username)
        principal = authn.Principal(user_id=user.id, username=user.username, via="cli")
        target_commune = target_region = None
        if commune:
            target_commune = onboarding.get_commune(db, commune)
            holdable = policy.permissions_in_commune(db, principal, target_commune)
        else:
            target_region = onboarding.get_region(db, region or "")
            holdable = policy.permissions_in_region(db, principal, target_region)
        token, secret = identity_service.create_token(
            db,
            user,
            name=name,
            permissions=set(permissions),
            holdable=holdable,
            days=days,
            max_days=_settings().token_max_days,
            commune=target_commune,
            region=target_region,
        )
        db.commit()
    click.echo(secret)
    click.echo(f"Expires {token.expires_at:%Y-%m-%d}. It is not shown again.", err=True)


# -- demo ------------------------------------------------------------------


@click.group("demo")
def demo_group() -> None:
    """The demonstration data of `make run`."""


@demo_group.command("seed")
@click.option("--force", is_flag=True, help="Seed even outside the embedded default.")
@with_appcontext
@_fail_on_problem
def demo_seed(force: bool) -> None:
    """Fill an empty database with a demo region, communes and accounts."""
    from core import demo

    if not _settings().is_embedded and not force:
        raise click.ClickException(
            "Refusing to seed demo accounts into a configured database; pass "
            "--force if this really is a demonstration server."
        )
    from tenants.models import Region

    with get_database().session() as db:
        if (
            db.scalars(select(User.id)).first() is not None
            or db.scalars(select(Region.id)).first() is not None
        ):
            click.echo("Database already has accounts or regions; demo seed skipped.")
            return
    lines = demo.seed(get_database())
    for line in lines:
        click.echo(line)


# -- plugins ---------------------------------------------------------------


@click.group("plugins")
def plugins_group() -> None:
    """Optional modules and their state per commune."""


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--commune", help="Also show whether each is enabled here.")
@with_appcontext
@_fail_on_problem
def plugins_list(as_json: bool, commune: str | None) -> None:
    """List installed plugins (and those left out, with why)."""
    host = _host()
    enabled: set[str] | None = None
    if commune:
        with get_database().session() as db:
            resolution.resolve_for_operator(db, commune)
            enabled = host.enabled_in(db)
    rows = [
        {
            "name": name,
            "version": plugin.info.version,
            "title": plugin.info.title_vi,
            "status": "installed"
            if enabled is None
            else ("enabled" if name in enabled else "disabled"),
        }
        for name, plugin in sorted(host.plugins.items())
    ] + [
        {"name": name, "version": "-", "title": reason, "status": "failed"}
        for name, reason in sorted(host.failed.items())
    ]
    _print_rows(rows, as_json, ("name", "version", "status", "title"))


def _switch_command(name: str, enabled: bool, help_text: str) -> None:
    @plugins_group.command(name, help=help_text)
    @click.argument("plugin")
    @click.option("--commune", required=True, help="Slug of the commune.")
    @click.option("--settings", "settings_json", help="Settings as a JSON object.")
    @as_option
    @with_appcontext
    @_fail_on_problem
    def switch(
        plugin: str, commune: str, settings_json: str | None, acting: str | None
    ) -> None:
        try:
            settings = json.loads(settings_json) if settings_json else None
        except json.JSONDecodeError as exc:
            raise click.BadParameter(
                "not a JSON object", param_hint="--settings"
            ) from exc
        with get_database().session() as db:
            principal = _actor(db, acting)
            place = resolution.resolve_for_operator(db, commune)
            held = policy.permissions_in_commune(db, principal, place)
            if "plugins:manage" not in held:
                raise click.ClickException("You need plugins:manage in this commune.")
            plugin_service.set_enabled(db, _host(), plugin, enabled, settings)
            db.commit()
        state = "enabled" if enabled else "disabled"
        click.echo(f"{plugin} is now {state} in {commune}.")


_switch_command("enable", True, "Switch a plugin on for a commune.")
_switch_command("disable", False, "Switch a plugin off for a commune; data stays.")


# -- jobs ------------------------------------------------------------------


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("failed")
@click.option("--commune", help="Only this commune.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_fail_on_problem
def jobs_failed(commune: str | None, as_json: bool) -> None:
    """List jobs that ran out of attempts."""
    from core.audit.trail import note_cross_commune
    from core.jobs import service as job_service
    from tenants.isolation import each_commune

    def failed_in(db: Any, place: Any) -> list[dict[str, Any]]:
        if commune and place.slug != commune:
            return []
        return [
            {
                "commune": place.slug,
                "id": str(job.id),
                "name": job.name,
                "attempts": job.attempts,
                "error": job.last_error,
            }
            for job in db.scalars(job_service.list_query("failed"))
        ]

    note_cross_commune(get_database(), "list failed jobs")
    sweep = each_commune(
        get_database(), "list failed jobs", failed_in, include_suspended=True
    )
    rows = [row for found in sweep for row in found]
    _print_rows(rows, as_json, ("commune", "id", "name", "attempts", "error"))


@jobs_group.command("retry")
@click.argument("job_id", type=click.UUID)
@click.option("--commune", required=True, help="Slug of the job's commune.")
@with_appcontext
@_fail_on_problem
def jobs_retry(job_id: Any, commune: str) -> None:
    """Run a failed job again."""
    from core.jobs import service as job_service

    with get_database().session() as db:
        resolution.resolve_for_operator(db, commune)
        job_service.retry(db, job_id)
        db.commit()
    click.echo(f"Job {job_id} is queued again.")


@jobs_group.command("sweep")
@with_appcontext
def jobs_sweep() -> None:
    """Hand over every job that is due (after a Redis outage, for example)."""
    from core.jobs.outbox import sweep

    handed = sweep(get_database(), current_app.extensions["binhyen.dispatcher"])
    click.echo(f"{handed} jobs handed over.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker (with RQ's scheduler, for delayed jobs and retries)."""
    from core.jobs import runner
    from core.jobs.worker import make_worker

    redis = current_app.extensions.get("binhyen.redis")
    if redis is None:
        raise click.ClickException(
            "BINHYEN_REDIS_URL is not set: without Redis, jobs run inside the "
            "web process and need no worker."
        )
    runner.bind_app(current_app._get_current_object())  # type: ignore[attr-defined]
    make_worker(redis).work(with_scheduler=True, burst=burst)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run periodic work: the outbox sweep and plugins' timetables."""
    from core.jobs import runner, schedule

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runner.bind_app(app)
    if "binhyen.redis" in app.extensions:
        schedule.run_with_rq(app)
    else:
        click.echo("No Redis: running the timetable in this process.")
        schedule.run_in_process(app)


# -- cases -----------------------------------------------------------------


@click.group("cases")
def cases_group() -> None:
    """Cases, their legal rulesets and the work they raise."""


@cases_group.command("rulesets")
@click.option("--json", "as_json", is_flag=True)
def cases_rulesets(as_json: bool) -> None:
    """The installed legal rulesets, with the date each takes effect."""
    from core.cases import rules

    rows = [
        {
            "id": ruleset.id,
            "effective_from": ruleset.effective_from.isoformat(),
            "title": ruleset.title_en,
            "kinds": len(ruleset.kinds),
        }
        for ruleset in rules.rulesets()
    ]
    _print_rows(rows, as_json, ("id", "effective_from", "title"))


@cases_group.command("past-end")
@click.option("--commune", required=True, help="Slug of the commune.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_fail_on_problem
def cases_past_end(commune: str, as_json: bool) -> None:
    """Open cases whose end date has passed with no extension."""
    from core.cases import service as case_service
    from core.db import local_today

    today = local_today()
    with get_database().session() as db:
        resolution.resolve_for_operator(db, commune)
        rows = [
            {
                "case": str(case.id),
                "person": str(case.person_id),
                "kind": case.kind.value,
                "end_on": case.end_on.isoformat() if case.end_on else None,
                "days_past": (today - case.end_on).days if case.end_on else None,
            }
            for case in db.scalars(case_service.past_end(db, today))
        ]
    _print_rows(rows, as_json, ("case", "person", "kind", "end_on", "days_past"))


@cases_group.command("raise-due")
@click.option("--commune", required=True, help="Slug of the commune.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Raise as on this day (default today), to replay a missed day.",
)
@with_appcontext
@_fail_on_problem
def cases_raise_due(commune: str, on: Any) -> None:
    """Raise the commune's due work now, as the daily job does."""
    from core.db import local_today
    from core.worklist import daily

    with get_database().session() as db:
        resolution.resolve_for_operator(db, commune)
        raised = daily.raise_due(db, on.date() if on else local_today())
        db.commit()
    click.echo(f"{raised} work items raised.")


# -- audit -----------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.option("--commune", help="Only this commune's chain.")
@click.option(
    "--heads",
    "heads_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Heads exported earlier with `binhyen audit heads`, to compare with.",
)
@with_appcontext
def audit_verify(commune: str | None, heads_file: str | None) -> None:
    """Walk every chain; exit 1 naming the first broken link."""
    from core.audit import service as audit_service
    from core.metrics import note_audit_verification

    started = time.perf_counter()
    reports = audit_service.verify_all(get_database(), commune)
    note_audit_verification(
        current_app.extensions.get("binhyen.redis"),
        seconds=time.perf_counter() - started,
        chains=len(reports),
        broken=sum(1 for report in reports if report.broken is not None),
    )
    if commune is not None and not reports:
        raise click.ClickException(
            f"No commune has the slug {commune!r}; `binhyen communes list` shows them."
        )
    broken = False
    for report in reports:
        if report.broken is None:
            click.echo(f"{report.chain}: {report.events} links, unbroken")
        else:
            broken = True
            click.echo(
                f"{report.chain}: BROKEN at link {report.broken.seq}: "
                f"{report.broken.reason}"
            )
    if heads_file:
        with open(heads_file, encoding="utf-8") as handle:
            kept = json.load(handle)
        for problem in audit_service.compare_heads(get_database(), kept):
            broken = True
            click.echo(f"BROKEN: {problem}")
    if broken:
        raise SystemExit(1)


@audit_group.command("heads")
@with_appcontext
def audit_heads() -> None:
    """Print every chain's head as JSON, to keep outside the database."""
    from core.audit import service as audit_service

    reports = audit_service.verify_all(get_database())
    click.echo(json.dumps(audit_service.heads(reports), indent=2))


# -- keys ------------------------------------------------------------------


@click.group("keys")
def keys_group() -> None:
    """Encryption keys."""


@keys_group.command("new-master")
def keys_new_master() -> None:
    """Print a fresh master key for BINHYEN_MASTER_KEY. Keep a copy offline."""
    from core.crypto.keyring import new_master_key

    click.echo(new_master_key())


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-wrap every data key under BINHYEN_MASTER_KEY.

    Set the new key in BINHYEN_MASTER_KEY and the old one in
    BINHYEN_OLD_MASTER_KEYS on every process first; run this; then drop the
    old key from BINHYEN_OLD_MASTER_KEYS.
    """
    keyring = current_app.extensions["binhyen.keyring"]
    with get_database().session() as db:
        changed = keyring.rotate(db)
        db.commit()
    click.echo(f"{changed} keys re-wrapped under the current master key.")


@keys_group.command("destroy")
@click.option("--commune", required=True, help="Slug of the commune to erase.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@_fail_on_problem
def keys_destroy(commune: str, yes: bool) -> None:
    """Crypto-shred a commune: its encrypted fields become unreadable forever."""
    from core.audit.trail import record

    with get_database().session() as db:
        place = onboarding.get_commune(db, commune)
        if not yes:
            click.confirm(
                f"Destroy the data key of {place.name}? Its encrypted fields "
                "can never be read again",
                abort=True,
            )
        current_app.extensions["binhyen.keyring"].destroy(db, place.id)
        record(
            db,
            "keys.destroy",
            object_type="commune",
            object_id=place.id,
            platform=True,
            commune_id=place.id,
        )
        db.commit()
    click.echo(f"The data key of {commune} is destroyed.")


# -- settings --------------------------------------------------------------


@click.command("settings")
@click.option("--json", "as_json", is_flag=True)
def settings_command(as_json: bool) -> None:
    """List every setting with its variable, default and meaning."""
    rows = [
        {
            "variable": s.env_var,
            "default": "" if s.default is None else str(s.default),
            "description": s.description,
        }
        for s in SETTINGS
    ]
    _print_rows(rows, as_json, ("variable", "default", "description"))


def _print_rows(
    rows: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...]
) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            "  ".join(str(row[c]) if row[c] is not None else "-" for c in columns)
        )
