"""The application factory: one call builds a configured Bình Yên app.

Order of a request: a request id is given; the commune in the URL (if any)
is resolved and the request's database session bound to it; the caller is
authenticated; browser writes are checked for their CSRF token; then the
view runs behind its declared permission.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, Response, g, redirect, render_template, request, url_for
from redis import Redis
from werkzeug.exceptions import HTTPException

from core import api as api_module
from core import db as db_module
from core import logging as logging_module
from core import metrics
from core.access.permissions import Catalogue
from core.access.policy import PERMISSION_ATTR, PUBLIC_ATTR, SIGNED_IN
from core.api.uploads import InMemoryUploads
from core.audit import trail  # noqa: F401  (registers the audit listeners)
from core.config import Settings, load_settings
from core.crypto.fields import UnreadableError, install_keyring
from core.crypto.keyring import Keyring, parse_master_key
from core.errors import (
    Gone,
    NotFound,
    Problem,
    in_callers_language,
    render_problem,
    title_for,
)
from core.forwarded import TrustedProxy
from core.identity import authn, sso
from core.identity.throttle import (
    DatabaseStore,
    FallbackStore,
    RedisStore,
    Throttle,
)
from core.jobs.outbox import DISPATCHER_KEY, REGISTRY_KEY, Dispatcher
from core.jobs.runner import run_here
from core.plugin_host.collect import collect_jobs, collect_permissions
from core.plugin_host.host import PluginHost, build_host
from core.web import i18n
from core.web.words import N_
from tenants import resolution

logger = logging.getLogger(__name__)


class BinhYen(Flask):
    """Flask, except that an unhandled exception is logged without its message,
    which may quote database values and so personal data, and that uploaded
    files stay in memory rather than in temporary files."""

    request_class = InMemoryUploads

    def log_exception(self, exc_info: Any) -> None:
        api_module.log_unhandled(exc_info[1])


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app from ``BINHYEN_*`` settings (or ``settings`` given)."""
    settings = settings or load_settings(**overrides)
    logging_module.configure(settings.log_level, settings.log_format)

    app = BinhYen("binhyen", instance_path=settings.instance_path, static_folder=None)
    app.config.update(
        BINHYEN_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="binhyen_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )

    database = db_module.Database(settings.database_url)
    db_module.init_app(app, database)
    app.extensions["binhyen.keyring"] = keyring = Keyring(
        parse_master_key(settings.master_key),
        tuple(
            parse_master_key(k, "BINHYEN_OLD_MASTER_KEYS")
            for k in settings.old_master_keys.split(",")
            if k.strip()
        ),
    )
    install_keyring(keyring)
    _init_stores(app, settings, database)

    host = build_host()
    app.extensions["binhyen.plugins"] = host
    catalogue, roles = collect_permissions(host)
    app.extensions["binhyen.permissions"] = catalogue
    app.extensions["binhyen.roles"] = roles
    jobs = collect_jobs(host)
    app.extensions["binhyen.jobs"] = jobs
    dispatcher = Dispatcher(
        database, app.extensions.get("binhyen.redis"), run_here(app)
    )
    app.extensions["binhyen.dispatcher"] = dispatcher
    database.sessions.configure(info={DISPATCHER_KEY: dispatcher, REGISTRY_KEY: jobs})

    i18n.init_app(
        app,
        [
            Path(plugin.module.__file__).parent / "translations"
            for plugin in host.plugins.values()
            if getattr(plugin.module, "__file__", None)
        ],
    )
    api = api_module.init_app(app)
    _register_blueprints(app, api)
    _register_plugin_blueprints(app, api, host, catalogue)
    app.extensions["binhyen.public_pages"] = _public_pages(app, host)
    sso.init_app(app)
    metrics.install(app)  # first, so that it times the whole pipeline
    _install_request_pipeline(app)
    _install_page_errors(app, api)
    _check_routes_declare_access(app, catalogue)

    from core.cli import register_commands

    register_commands(app)
    app.wsgi_app = TrustedProxy(  # type: ignore[method-assign]
        app.wsgi_app, settings.forwarded_allow_ips
    )
    return app


def _init_stores(app: Flask, settings: Settings, database: db_module.Database) -> None:
    if settings.redis_url:
        redis = Redis.from_url(
            settings.redis_url, socket_timeout=5, socket_connect_timeout=2
        )
        app.extensions["binhyen.redis"] = redis
        store: Any = FallbackStore(RedisStore(redis), DatabaseStore(database))
    else:
        store = DatabaseStore(database)
    app.extensions["binhyen.throttle"] = Throttle(
        store,
        settings.secret_key,
        limit=settings.sign_in_attempts,
        window_seconds=settings.sign_in_window_seconds,
    )


def _register_blueprints(app: Flask, api: Any) -> None:
    from core.access.api import blp as members_api
    from core.audit.api import blp as audit_api
    from core.breakglass.api import blp as break_glass_api
    from core.cases.api import blp as cases_api
    from core.commitments.api import blp as commitments_api
    from core.hamlets.api import blp as hamlets_api
    from core.health import bp as health
    from core.identity.api import blp as identity_api
    from core.jobs.api import blp as jobs_api
    from core.mentoring.api import blp as mentoring_api
    from core.onboarding.api import blp as onboarding_api
    from core.organisation.api import blp as organisation_api
    from core.people.api import blp as people_api
    from core.plugin_host.api import blp as plugins_api
    from core.statistics.api import blp as statistics_api
    from core.support.api import blp as support_api
    from core.timeline.api import blp as timeline_api
    from core.transfers.api import blp as transfers_api
    from core.web import bp as web
    from core.web.admin import bp as admin_pages
    from core.web.breakglass import bp as break_glass_pages
    from core.web.casework import bp as casework_pages
    from core.web.figures import bp as figures_pages
    from core.web.people import bp as people_pages
    from core.web.work import bp as work_pages
    from core.worklist.api import blp as worklist_api

    for blueprint in (
        onboarding_api,
        identity_api,
        members_api,
        hamlets_api,
        plugins_api,
        jobs_api,
        audit_api,
        break_glass_api,
        people_api,
        organisation_api,
        cases_api,
        mentoring_api,
        worklist_api,
        timeline_api,
        transfers_api,
        commitments_api,
        support_api,
        statistics_api,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(health)
    app.register_blueprint(web)
    for pages in (
        people_pages,
        casework_pages,
        work_pages,
        admin_pages,
        figures_pages,
        break_glass_pages,
    ):
        app.register_blueprint(pages)


def _register_plugin_blueprints(
    app: Flask, api: Any, host: PluginHost, catalogue: Catalogue
) -> None:
    found = [
        (owner, blueprint, api.register_blueprint)
        for owner, blueprints in host.call_each(
            "binhyen_api_blueprints", at_start_up=True
        )
        for blueprint in blueprints
    ] + [
        (owner, blueprint, app.register_blueprint)
        for owner, blueprints in host.call_each(
            "binhyen_web_blueprints", at_start_up=True
        )
        for blueprint in blueprints
    ]
    names = [blueprint.name for _owner, blueprint, _register in found]
    for owner, blueprint, _register in found:
        problems = _plugin_blueprint_problems(blueprint, catalogue)
        if blueprint.name in app.blueprints or names.count(blueprint.name) > 1:
            problems.append(f"blueprint name {blueprint.name!r} is already taken")
        if problems:
            host.drop(owner, "; ".join(problems))
    for owner, blueprint, register in found:
        if owner in host.plugins:
            register(blueprint)
            host.blueprint_owner[blueprint.name] = owner


def _public_pages(app: Flask, host: PluginHost) -> list[Any]:
    """The plugins' pages for residents, those whose endpoint exists."""
    return [
        page
        for _owner, pages in host.call_each("binhyen_public_pages", at_start_up=True)
        for page in pages
        if page.endpoint in app.view_functions
    ]


def _install_request_pipeline(app: Flask) -> None:
    @app.url_value_preprocessor
    def _take_commune(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and resolution.URL_ARG in values:
            g.commune_slug = values.pop(resolution.URL_ARG)

    @app.before_request
    def _prepare() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[
            :64
        ] or secrets.token_hex(8)
        request.binhyen_request_id = g.request_id  # type: ignore[attr-defined]
        session = db_module.request_session()
        slug = g.get("commune_slug")
        if slug is not None:
            g.commune = resolution.resolve(session, slug)
            _refuse_disabled_plugin(app, session)
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "own_authorization", False):
            g.principal = None  # its Authorization header is not an API token
        else:
            g.principal = authn.authenticate(session)
        authn.check_csrf()

    @app.after_request
    def _tag(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if g.get("principal") is not None or g.get("commune") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _refuse_disabled_plugin(app: Flask, session: Any) -> None:
    """A plugin's routes do not exist in a commune that has not enabled it."""
    host: PluginHost = app.extensions["binhyen.plugins"]
    owner = host.blueprint_owner.get(request.blueprint or "")
    if owner is not None and owner not in host.enabled_in(session):
        raise NotFound(
            "This commune has not switched this module on. Its chief or region "
            "admin can enable it."
        )


def _wants_page() -> bool:
    return not (
        request.path.startswith("/api/")
        or request.path in {"/healthz", "/readyz", "/metrics"}
        or request.accept_mimetypes.best == "application/json"
    )


def _install_page_errors(app: Flask, api: api_module.BinhYenApi) -> None:
    """People in a browser get pages; API callers keep problem+json."""

    def page(status: int, detail: str, values: dict[str, Any] | None = None) -> Any:
        """An error page in the page's language; ``detail`` is translated
        whole, then filled with ``values``."""
        if status == 401:
            return redirect(url_for("web.sign_in"))
        english = i18n.chosen_language() == "en"
        return (
            # here="/": an error page echoes nothing of the address asked for.
            render_template(
                "error.html",
                title=title_for(status, english=english),
                detail=in_callers_language(detail, **(values or {})),
                here="/",
            ),
            status,
        )

    @app.errorhandler(UnreadableError)
    def _unreadable(_exc: UnreadableError) -> Any:
        db_module.request_session().rollback()
        detail = (
            "This record's protected fields can no longer be read: the "
            "commune's data key was destroyed."
        )
        if _wants_page():
            return page(410, detail)
        return render_problem(Gone(detail, slug="data-erased"))

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Any:
        if _wants_page():
            return page(problem.status, problem.template, problem.values)
        return render_problem(problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if _wants_page() and (error.code or 500) < 500:
            return page(error.code or 500, _page_detail(error))
        return api.handle_http_exception(error)


# What an error page says when the error carries only the library's own
# words (an unknown address, say), which no catalogue translates.
_PAGE_DETAILS = {
    404: N_(
        "There is no such page here, or it is not yours to see. Go back, or "
        "start again from the home page."
    ),
    405: N_(
        "This page does not take that kind of request. Go back and use the "
        "page's own buttons."
    ),
}


def _page_detail(error: HTTPException) -> str:
    """An HTTP error's words for a page: its own message if the app gave it
    one, else a plain sentence of ours for the status."""
    if error.description and error.description != type(error).description:
        return error.description
    fallback = error.description or error.name
    return _PAGE_DETAILS.get(error.code or 500, fallback)


def _check_routes_declare_access(app: Flask, catalogue: Catalogue) -> None:
    """Refuse to start if a route declares no access or an unknown permission."""
    problems = access_problems(app, catalogue)
    if problems:
        raise RuntimeError("; ".join(problems))


def access_problems(app: Flask, catalogue: Catalogue) -> list[str]:
    """Each route method that declares no access, or a permission nobody declared."""
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue  # a blueprint's own stylesheets and images
        view = app.view_functions[rule.endpoint]
        for method, needed in access_declaration(view).items():
            where = f"{method} {rule.rule}"
            if needed is None:
                problems.append(
                    f"{where} declares no access: decorate it with requires(...) "
                    "or public(...)"
                )
            elif needed not in (SIGNED_IN, "public") and needed not in catalogue:
                problems.append(
                    f"{where} requires {needed!r}, which no one declares: declare "
                    "it with binhyen_permissions or fix the spelling"
                )
    return problems


# Findings of _plugin_blueprint_problems by blueprint and the permissions
# known. A blueprint's routes are fixed once it is first registered (Flask
# refuses new ones), so the scratch app need only be built once per process,
# not once per app: compiling a plugin's routes is most of that check's cost.
_checked_blueprints: WeakKeyDictionary[Any, dict[frozenset[str], list[str]]] = (
    WeakKeyDictionary()
)


def _plugin_blueprint_problems(blueprint: Any, catalogue: Catalogue) -> list[str]:
    """Check a plugin's blueprint on a scratch app before the real one gets it,
    so a plugin with an unguarded route is left out instead of served."""
    known = _checked_blueprints.setdefault(blueprint, {})
    names = catalogue.names()
    if names not in known:
        scratch = Flask("binhyen-check")
        scratch.register_blueprint(blueprint)
        known[names] = access_problems(scratch, catalogue)
    return list(known[names])


def _handlers(view: Any) -> list[Any]:
    """The functions behind a view: its methods for a class-based one."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return [view]
    return [getattr(view_class, m.lower()) for m in view_class.methods or ()]


def access_declaration(view: Any) -> dict[str, str | None]:
    """What each method of a view declares: a permission, signed-in, or public."""
    declared: dict[str, str | None] = {}
    view_class = getattr(view, "view_class", None)
    methods = view_class.methods if view_class is not None else ["*"]
    for method, function in zip(methods or [], _handlers(view), strict=True):
        declared[method] = getattr(function, PERMISSION_ATTR, None) or (
            "public" if getattr(function, PUBLIC_ATTR, None) else None
        )
    return declared
