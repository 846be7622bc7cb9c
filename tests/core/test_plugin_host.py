"""The plugin host: finding and refusing plugins, switching them on per commune."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask.views import MethodView
from sqlalchemy import select

import plugins.bulletin
from core import migrate
from core.access.permissions import Permission
from core.access.policy import requires
from core.app import create_app
from core.db import Database
from core.jobs import runner
from core.jobs.models import Job, JobStatus
from core.jobs.schedule import fan_out_in
from core.plugin_host import defaults, hookspecs
from core.plugin_host import host as host_module
from core.plugin_host.collect import collect_permissions
from core.plugin_host.contributions import JobDefinition, MenuItem, PluginInfo
from core.plugin_host.hookspecs import hookimpl
from core.plugin_host.host import ENTRY_POINT_GROUP, PluginHost
from plugins.bulletin.models import Notice, Receipt
from tenants.models import Commune
from tests import factories as f
from tests.conftest import sign_in
from tests.support.jobs import run_due_jobs

PROBLEM = "application/problem+json"
SPEC_NAMES = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("binhyen_") and hasattr(value, "binhyen_spec")
)


# -- helpers ---------------------------------------------------------------


@dataclass
class FakeEntryPoint:
    """Stands in for an installed distribution's ``binhyen.plugins`` entry."""

    name: str
    load: Callable[[], Any]
    dist: None = None


def _info(name: str) -> PluginInfo:
    return PluginInfo(name=name, title_vi=name, title_en=name, version="0.1.0")


@pytest.fixture
def start_app_with(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """Start another app on the fixture's database, with extra entry points
    installed beside the real ones."""
    started: list[Flask] = []

    def start(*extra: FakeEntryPoint) -> Flask:
        def found(group: str) -> list[Any]:
            return [*entry_points(group=group), *extra]

        monkeypatch.setattr(host_module, "entry_points", found)
        flask_app = create_app(app.config["BINHYEN_SETTINGS"])
        flask_app.config["TESTING"] = True
        started.append(flask_app)
        return flask_app

    yield start
    for flask_app in started:
        flask_app.extensions["binhyen.db"].dispose()


def _plugins_url(place: Commune, plugin: str = "") -> str:
    return f"/api/v1/c/{place.slug}/plugins" + (f"/{plugin}" if plugin else "")


def _switch(
    client: FlaskClient,
    place: Commune,
    secret: str,
    enabled: bool,
    settings: dict[str, Any] | None = None,
) -> Any:
    body: dict[str, Any] = {"enabled": enabled}
    if settings is not None:
        body["settings"] = settings
    return client.put(
        _plugins_url(place, "bulletin"), json=body, headers=f.bearer(secret)
    )


def _switched(client: FlaskClient, staffed: f.Staffed, enabled: bool) -> None:
    """Switch the bulletin on or off as the commune's chief, which must work."""
    answer = _switch(client, staffed.commune, staffed.token, enabled)
    assert answer.status_code == 200, answer.get_json()


def _bulletin_state(client: FlaskClient, staffed: f.Staffed) -> dict[str, Any]:
    listed = client.get(_plugins_url(staffed.commune), headers=f.bearer(staffed.token))
    assert listed.status_code == 200, listed.get_json()
    [bulletin] = [p for p in listed.get_json() if p["name"] == "bulletin"]
    return dict(bulletin)


def _member(database: Database, place: Commune, role: str) -> tuple[str, str]:
    """A new account holding ``role`` in ``place``: (username, token)."""
    with database.session() as db:
        account = f.user(db)
        f.grant(db, account, role, commune=place)
        secret = f.token(db, account, commune=place)
        db.commit()
        return account.username, secret


def _region_admin(database: Database, code: str) -> str:
    """A new admin of province ``code``; their token for that province."""
    with database.session() as db:
        region = f.province(db, code)
        admin = f.user(db)
        f.grant(db, admin, "region_admin", region=region)
        secret = f.token(db, admin, region=region)
        db.commit()
        return secret


def _post_notice(client: FlaskClient, staffed: f.Staffed, title: str) -> str:
    posted = client.post(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices",
        json={"title": title},
        headers=f.bearer(staffed.token),
    )
    assert posted.status_code == 201, posted.get_json()
    return str(posted.get_json()["id"])


def _jobs(database: Database, place: Commune, name: str) -> list[Job]:
    with f.in_commune(database, place) as db:
        return list(db.scalars(select(Job).where(Job.name == name)))


# -- finding plugins -------------------------------------------------------


def test_the_bulletin_plugin_is_found_through_its_entry_point(app: Flask) -> None:
    declared = {e.name: e.value for e in entry_points(group=ENTRY_POINT_GROUP)}
    assert declared["bulletin"] == "plugins.bulletin"

    host: PluginHost = app.extensions["binhyen.plugins"]
    bulletin = host.plugins["bulletin"]
    assert bulletin.module is plugins.bulletin
    assert bulletin.distribution == "binhyen"
    assert bulletin.info.name == "bulletin"
    assert "bulletin" not in host.failed


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_hook_spec_says_when_it_is_called_and_what_it_returns(
    name: str,
) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert re.search(r"\bCalled\b", doc), f"{name} does not say when it is called"
    assert re.search(r"\breturns?\b", doc, re.IGNORECASE), (
        f"{name} does not say what it returns"
    )


def test_the_bulletin_plugin_implements_every_hook_spec(app: Flask) -> None:
    assert len(SPEC_NAMES) >= 10
    host: PluginHost = app.extensions["binhyen.plugins"]
    for name in SPEC_NAMES:
        owners = {
            i.plugin_name for i in getattr(host.manager.hook, name).get_hookimpls()
        }
        assert "bulletin" in owners, f"the bulletin does not implement {name}"

    implemented = {
        name
        for name, value in vars(plugins.bulletin).items()
        if name.startswith("binhyen_") and hasattr(value, "binhyen_impl")
    }
    assert implemented == set(SPEC_NAMES)


def test_every_permission_is_described_and_named_resource_colon_action(
    app: Flask,
) -> None:
    catalogue = app.extensions["binhyen.permissions"]
    for permission in catalogue:
        assert re.fullmatch(r"[a-z_]+:[a-z_]+", permission.name), permission.name
        assert permission.description.strip(), f"{permission.name} is undescribed"
    assert {"plugins:manage", "bulletin:read", "bulletin:write"} <= catalogue.names()


def test_a_plugin_grants_its_permissions_to_the_roles_it_names(app: Flask) -> None:
    roles = app.extensions["binhyen.roles"]
    assert "bulletin:write" in roles["officer"].permissions
    assert "bulletin:read" in roles["viewer"].permissions
    assert "bulletin:write" not in roles["viewer"].permissions
    assert "bulletin:read" not in roles["region_admin"].permissions


# -- refusing broken plugins -----------------------------------------------


def test_a_plugin_that_fails_to_import_is_reported_and_the_app_starts_without_it(
    start_app_with: Callable[..., Flask], database: Database
) -> None:
    def load() -> Any:
        raise ModuleNotFoundError("No module named 'binhyen_broken_dependency'")

    started = start_app_with(FakeEntryPoint("broken", load))

    host: PluginHost = started.extensions["binhyen.plugins"]
    assert "cannot be imported" in host.failed["broken"]
    assert "broken" not in host.plugins
    assert "bulletin" in host.plugins
    cao_phong = f.staffed_commune(database, "05089")
    listed = started.test_client().get(
        "/api/v1/plugins", headers=f.bearer(cao_phong.token)
    )
    assert listed.status_code == 200, listed.get_json()
    assert "broken" in listed.get_json()["failed"]
    assert "bulletin" in [p["name"] for p in listed.get_json()["plugins"]]


def test_a_plugin_implementing_a_hook_that_does_not_exist_is_refused() -> None:
    class Stray:
        """A plugin module with a hook core never heard of."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("stray")

        @staticmethod
        @hookimpl
        def binhyen_no_such_hook() -> None:
            return None

    host = PluginHost()

    assert host.add("stray", Stray) is False
    assert "binhyen_no_such_hook" in host.failed["stray"]
    assert "stray" not in host.plugins
    assert host.manager.get_plugin("stray") is None


def test_a_plugin_whose_info_names_another_plugin_is_refused() -> None:
    class Impostor:
        """A plugin module that describes itself under another name."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("bulletin")

    host = PluginHost()

    assert host.add("impostor", Impostor) is False
    assert "named like its entry point" in host.failed["impostor"]
    assert host.plugins == {}
    assert host.call_each("binhyen_plugin_info") == []


def test_a_plugin_whose_info_hook_raises_is_refused_and_the_app_starts(
    start_app_with: Callable[..., Flask],
) -> None:
    class Faulty:
        """A plugin module that cannot even say who it is."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            raise LookupError("version file missing")

    started = start_app_with(FakeEntryPoint("faulty", lambda: Faulty))

    host: PluginHost = started.extensions["binhyen.plugins"]
    assert "binhyen_plugin_info failed" in host.failed["faulty"]
    assert host.manager.get_plugin("faulty") is None
    assert "bulletin" in host.plugins


def test_a_plugin_whose_permission_is_not_named_after_it_is_dropped() -> None:
    class Snoop:
        """A plugin module that declares a permission in another's name."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("snoop")

        @staticmethod
        @hookimpl
        def binhyen_permissions() -> Iterable[Permission]:
            return (
                Permission("snoop:read", "Read what the snoop keeps.", ("viewer",)),
                Permission("bulletin:spy", "Read others' notices.", ("viewer",)),
            )

    host = PluginHost()
    host.add_core_defaults(defaults)
    assert host.add("snoop", Snoop) is True

    catalogue, roles = collect_permissions(host)

    assert "must be named snoop:<action>" in host.failed["snoop"]
    assert "snoop" not in host.plugins
    # Nothing of a plugin refused halfway through its list stays behind.
    assert not {"snoop:read", "bulletin:spy"} & catalogue.names()
    assert not {"snoop:read", "bulletin:spy"} & roles["viewer"].permissions
    assert "hamlets:read" in catalogue


def test_a_plugin_with_an_unguarded_route_is_left_out_rather_than_served(
    start_app_with: Callable[..., Flask], database: Database
) -> None:
    from flask_smorest import Blueprint as ApiBlueprint

    leaky_api = ApiBlueprint("leaky_api", __name__, url_prefix="/api/v1/c/<commune>")

    @leaky_api.route("/leaky")
    class Records(MethodView):
        def get(self) -> Any:
            return {"records": "for anyone who asks"}

    class Leaky:
        """A plugin module whose route forgot to say who may call it."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("leaky")

        @staticmethod
        @hookimpl
        def binhyen_api_blueprints() -> Iterable[Any]:
            return [leaky_api]

    started = start_app_with(FakeEntryPoint("leaky", lambda: Leaky))

    host: PluginHost = started.extensions["binhyen.plugins"]
    assert "GET /api/v1/c/<commune>/leaky declares no access" in host.failed["leaky"]
    cao_phong = f.staffed_commune(database, "05089")
    with f.in_commune(database, cao_phong.commune) as db:
        f.plugin_on(db, "leaky")
        db.commit()
    client = started.test_client()
    auth = f.bearer(cao_phong.token)
    assert client.get(f"/api/v1/c/{cao_phong.commune.slug}/leaky").status_code == 404
    listed = client.get("/api/v1/plugins", headers=auth).get_json()
    assert "declares no access" in listed["failed"]["leaky"]
    assert "leaky" not in [p["name"] for p in listed["plugins"]]


def test_a_blueprint_of_a_plugin_is_checked_on_the_web_side_too(
    start_app_with: Callable[..., Flask],
) -> None:
    leaky_web = Blueprint("leaky_web", __name__, url_prefix="/c/<commune>/leaky")

    @leaky_web.get("/")
    def index() -> str:
        return "for anyone who asks"

    class LeakyPages:
        """A plugin module whose page forgot to say who may open it."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("leaky_pages")

        @staticmethod
        @hookimpl
        def binhyen_web_blueprints() -> Iterable[Any]:
            return [leaky_web]

    started = start_app_with(FakeEntryPoint("leaky_pages", lambda: LeakyPages))

    host: PluginHost = started.extensions["binhyen.plugins"]
    assert "declares no access" in host.failed["leaky_pages"]
    assert "leaky_web.index" not in started.view_functions
    assert "bulletin_web.index" in started.view_functions


def test_a_plugin_whose_route_needs_an_undeclared_permission_is_left_out(
    start_app_with: Callable[..., Flask],
) -> None:
    misspelt = Blueprint("misspelt_web", __name__, url_prefix="/c/<commune>/misspelt")

    @misspelt.get("/")
    @requires("misspelt:raed")
    def index() -> str:
        return "guarded by a permission nobody has"

    class Misspelt:
        """A plugin module whose page names a permission it never declared."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("misspelt")

        @staticmethod
        @hookimpl
        def binhyen_permissions() -> Iterable[Permission]:
            return (Permission("misspelt:read", "Read.", ("commune_chief",)),)

        @staticmethod
        @hookimpl
        def binhyen_web_blueprints() -> Iterable[Any]:
            return [misspelt]

    started = start_app_with(FakeEntryPoint("misspelt", lambda: Misspelt))

    reason = started.extensions["binhyen.plugins"].failed["misspelt"]
    assert "'misspelt:raed', which no one declares" in reason
    assert "misspelt_web.index" not in started.view_functions


def test_a_plugin_whose_page_takes_a_name_already_used_is_left_out(
    start_app_with: Callable[..., Flask],
) -> None:
    clash = Blueprint("web", __name__, url_prefix="/c/<commune>/clash")

    @clash.get("/")
    @requires("bulletin:read")
    def index() -> str:
        return "would replace core's pages"

    class Clashing:
        """A plugin module whose blueprint takes core's blueprint name."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("clashing")

        @staticmethod
        @hookimpl
        def binhyen_web_blueprints() -> Iterable[Any]:
            return [clash]

    started = start_app_with(FakeEntryPoint("clashing", lambda: Clashing))

    reason = started.extensions["binhyen.plugins"].failed["clashing"]
    assert "blueprint name 'web' is already taken" in reason
    assert "web.sign_in" in started.view_functions


def test_a_plugin_that_declares_a_job_twice_is_left_out_with_none_of_its_jobs(
    start_app_with: Callable[..., Flask],
) -> None:
    def nothing(session: Any, commune: Any) -> None:
        return None

    class Twice:
        """A plugin module naming one job twice."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("twice")

        @staticmethod
        @hookimpl
        def binhyen_jobs() -> Iterable[JobDefinition]:
            return (
                JobDefinition("twice.first", nothing),
                JobDefinition("twice.again", nothing),
                JobDefinition("twice.again", nothing),
            )

    started = start_app_with(FakeEntryPoint("twice", lambda: Twice))

    assert (
        "twice.again is declared twice"
        in (started.extensions["binhyen.plugins"].failed["twice"])
    )
    registry = started.extensions["binhyen.jobs"]
    assert registry.get("twice.first") is None
    assert registry.get("bulletin.announce") is not None


def test_a_hook_implementation_may_leave_out_arguments_it_does_not_use() -> None:
    class Terse:
        """A plugin module whose menu is the same in every commune."""

        @staticmethod
        @hookimpl
        def binhyen_plugin_info() -> PluginInfo:
            return _info("terse")

        @staticmethod
        @hookimpl
        def binhyen_menu_items() -> Iterable[MenuItem]:
            return (MenuItem("Gọn", "Terse", "terse_web.index", "terse:read"),)

    host = PluginHost()
    assert host.add("terse", Terse) is True

    offered = host.flatten(host.call_each("binhyen_menu_items", commune=None))

    assert [(owner, item.label_en) for owner, item in offered] == [("terse", "Terse")]


# -- switching a plugin per commune: the API ---------------------------------


def test_a_communes_plugin_list_shows_defaults_before_anything_is_chosen(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")

    bulletin = _bulletin_state(client, cao_phong)

    assert bulletin["enabled"] is False
    assert bulletin["settings"] == {"keep_days": 180, "announce": True}
    assert bulletin["settings_fields"] == ["announce", "keep_days"]
    assert bulletin["title_en"] == "Bulletin"


def test_chief_switches_a_plugin_on_and_off_and_its_settings_are_kept(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")

    on = _switch(client, cao_phong.commune, cao_phong.token, True, {"keep_days": 30})
    assert on.status_code == 200, on.get_json()
    assert on.get_json()["enabled"] is True
    assert on.get_json()["settings"] == {"keep_days": 30, "announce": True}
    shown = _bulletin_state(client, cao_phong)
    assert (shown["enabled"], shown["settings"]["keep_days"]) == (True, 30)

    off = _switch(client, cao_phong.commune, cao_phong.token, False)
    assert off.status_code == 200, off.get_json()
    shown = _bulletin_state(client, cao_phong)
    assert shown["enabled"] is False
    assert shown["settings"] == {"keep_days": 30, "announce": True}


def test_an_officer_cannot_switch_a_plugin(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    _name, officer = _member(database, cao_phong.commune, "officer")

    refused = _switch(client, cao_phong.commune, officer, True)

    assert refused.status_code == 403
    assert "plugins:manage" in refused.get_json()["detail"]
    assert _bulletin_state(client, cao_phong)["enabled"] is False


def test_a_region_admin_switches_a_plugin_on_in_a_commune_of_their_region(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    admin = _region_admin(database, "25")

    on = _switch(client, cao_phong.commune, admin, True)

    assert on.status_code == 200, on.get_json()
    assert _bulletin_state(client, cao_phong)["enabled"] is True


def test_a_region_admin_of_another_province_cannot_switch_a_plugin_here(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    stranger = _region_admin(database, "01")

    assert _switch(client, cao_phong.commune, stranger, True).status_code == 403
    assert _bulletin_state(client, cao_phong)["enabled"] is False


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"keep_days": 0}, "settings.keep_days"),
        ({"keep_days": "many"}, "settings.keep_days"),
        ({"announce": "maybe"}, "settings.announce"),
        ({"colour": "red"}, "settings.colour"),
    ],
    ids=["out-of-range", "wrong-type", "not-a-flag", "unknown-key"],
)
def test_invalid_settings_are_refused_field_by_field_and_change_nothing(
    client: FlaskClient, database: Database, settings: dict[str, Any], field: str
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    place, secret = cao_phong.commune, cao_phong.token
    assert _switch(client, place, secret, True, {"keep_days": 30}).status_code == 200

    for enabled in (True, False):
        refused = _switch(client, place, secret, enabled, settings)
        assert refused.status_code == 422
        assert refused.mimetype == PROBLEM
        assert field in {e["field"] for e in refused.get_json()["errors"]}

    shown = _bulletin_state(client, cao_phong)
    assert shown["enabled"] is True
    assert shown["settings"] == {"keep_days": 30, "announce": True}


def test_switching_a_plugin_that_is_not_installed_is_not_found(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")

    missing = client.put(
        _plugins_url(cao_phong.commune, "nonesuch"),
        json={"enabled": True},
        headers=f.bearer(cao_phong.token),
    )

    assert missing.status_code == 404
    assert "bulletin" in missing.get_json()["detail"]


# -- switching a plugin per commune: the command line ------------------------


@pytest.fixture
def runner_cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _plugins_listed(cli: FlaskCliRunner, slug: str) -> dict[str, str]:
    result = cli.invoke(args=["plugins", "list", "--json", "--commune", slug])
    assert result.exit_code == 0, result.output
    return {row["name"]: row["status"] for row in json.loads(result.output)}


def test_the_operator_switches_a_plugin_from_the_command_line(
    runner_cli: FlaskCliRunner, client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    assert _plugins_listed(runner_cli, slug)["bulletin"] == "disabled"

    settings = ["--settings", '{"keep_days": 30}']
    enabled = runner_cli.invoke(
        args=["plugins", "enable", "bulletin", "--commune", slug, *settings]
    )
    assert enabled.exit_code == 0, enabled.output
    assert enabled.output.strip() == f"bulletin is now enabled in {slug}."
    assert _plugins_listed(runner_cli, slug)["bulletin"] == "enabled"
    assert _bulletin_state(client, cao_phong)["settings"]["keep_days"] == 30

    disabled = runner_cli.invoke(
        args=["plugins", "disable", "bulletin", "--commune", slug]
    )
    assert disabled.exit_code == 0, disabled.output
    assert _plugins_listed(runner_cli, slug)["bulletin"] == "disabled"
    assert _bulletin_state(client, cao_phong)["settings"]["keep_days"] == 30


def test_the_command_line_refuses_bad_settings_and_a_member_without_the_right(
    runner_cli: FlaskCliRunner, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    officer, _token = _member(database, cao_phong.commune, "officer")
    enable = ["plugins", "enable", "bulletin", "--commune", slug]

    bad = runner_cli.invoke(args=[*enable, "--settings", '{"keep_days": 0}'])
    assert bad.exit_code == 1
    assert "settings.keep_days" in bad.output

    not_json = runner_cli.invoke(args=[*enable, "--settings", "keep_days=30"])
    assert not_json.exit_code == 2
    assert "--settings" in not_json.output

    as_officer = runner_cli.invoke(args=[*enable, "--as", officer])
    assert as_officer.exit_code == 1
    assert "plugins:manage" in as_officer.output

    assert _plugins_listed(runner_cli, slug)["bulletin"] == "disabled"


# -- a disabled plugin: routes 404, jobs skip, data kept ---------------------


def test_a_disabled_plugins_routes_answer_404_in_that_commune_only(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")
    for staffed in (cao_phong, thung_nai):
        _switched(client, staffed, True)
    kept = _post_notice(client, cao_phong, "Họp giao ban thứ Hai")
    _post_notice(client, thung_nai, "Lịch trực tuần này")
    here, there = cao_phong.commune.slug, thung_nai.commune.slug
    assert sign_in(client, cao_phong.chief.username, f.PASSWORD).status_code == 302
    neighbour = app.test_client()
    assert sign_in(neighbour, thung_nai.chief.username, f.PASSWORD).status_code == 302

    _switched(client, cao_phong, False)

    auth = f.bearer(cao_phong.token)
    for url in (
        f"/api/v1/c/{here}/bulletin/notices",
        f"/api/v1/c/{here}/bulletin/notices/{kept}",
        f"/api/v1/c/{here}/bulletin/inbox",
    ):
        gone = client.get(url, headers=auth)
        assert gone.status_code == 404, url
        assert gone.mimetype == PROBLEM
    assert client.get(f"/c/{here}/bulletin/").status_code == 404
    # Switching off leaves core's routes of the commune alone.
    assert client.get(_plugins_url(cao_phong.commune), headers=auth).status_code == 200

    served = neighbour.get(
        f"/api/v1/c/{there}/bulletin/notices", headers=f.bearer(thung_nai.token)
    )
    assert [n["title"] for n in served.get_json()] == ["Lịch trực tuần này"]
    page = neighbour.get(f"/c/{there}/bulletin/")
    assert page.status_code == 200
    assert "Lịch trực tuần này" in page.get_data(as_text=True)

    _switched(client, cao_phong, True)
    back = client.get(f"/api/v1/c/{here}/bulletin/notices", headers=auth)
    assert [n["id"] for n in back.get_json()] == [kept]
    page = client.get(f"/c/{here}/bulletin/")
    assert "Họp giao ban thứ Hai" in page.get_data(as_text=True)


def test_a_job_written_before_its_plugin_was_switched_off_is_skipped(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    _member(database, cao_phong.commune, "officer")
    _switched(client, cao_phong, True)
    # The notice and its announce job as posting writes them, but left in the
    # outbox (as a Redis outage would leave them), so the job has not run yet.
    with f.in_commune(database, cao_phong.commune) as db:
        notice = f.notice(db)
        job = Job(name="bulletin.announce", arguments={"notice_id": str(notice.id)})
        db.add(job)
        db.commit()

    _switched(client, cao_phong, False)
    run_due_jobs(app)

    [skipped] = _jobs(database, cao_phong.commune, "bulletin.announce")
    assert skipped.id == job.id
    assert skipped.status is JobStatus.SKIPPED
    assert skipped.attempts == 0
    with f.in_commune(database, cao_phong.commune) as db:
        assert db.scalars(select(Receipt)).all() == []
        assert db.scalars(select(Notice.announced_at)).one() is None
    # Skipping is final: a second delivery of the same job changes nothing.
    again = runner.run(app, cao_phong.commune.id, job.id, in_process=True)
    assert again == "skipped"


def test_a_periodic_job_is_queued_only_in_communes_that_enabled_its_plugin(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    enabled = f.staffed_commune(database, "05089")
    switched_off = f.staffed_commune(database, "05098")
    never = f.staffed_commune(database, "05128")
    for staffed in (enabled, switched_off):
        _switched(client, staffed, True)
    _switched(client, switched_off, False)

    queued = fan_out_in(app, "bulletin.expire")
    run_due_jobs(app)

    assert queued == 1
    [done] = _jobs(database, enabled.commune, "bulletin.expire")
    assert done.status is JobStatus.DONE
    assert _jobs(database, switched_off.commune, "bulletin.expire") == []
    assert _jobs(database, never.commune, "bulletin.expire") == []


def test_a_hook_taking_a_commune_is_called_only_where_the_plugin_is_on(
    app: Flask, database: Database
) -> None:
    with database.session() as db:
        on, off = f.commune(db, "05089"), f.commune(db, "05098")
        db.commit()
    with f.in_commune(database, on) as db:
        f.plugin_on(db)
        db.commit()
    host: PluginHost = app.extensions["binhyen.plugins"]
    today = date.today()
    for place, expected in ((on, ["bulletin"]), (off, [])):
        with f.in_commune(database, place) as db:
            answered = host.call_enabled(
                db, "binhyen_metrics", commune=place, start=today, end=today
            )
            assert [name for name, _metrics in answered] == expected


def test_an_upgrade_without_a_plugin_that_was_migrated_says_what_to_do(
    app: Flask,
) -> None:
    bare = PluginHost()
    bare.add_core_defaults(defaults)
    bare.failed["bulletin"] = "ImportError (as if uninstalled)"
    with pytest.raises(migrate.MissingRevisions) as refused:
        migrate.upgrade(app.config["BINHYEN_SETTINGS"], bare)
    message = str(refused.value)
    assert "bulletin" in message
    assert "Install it again" in message
    # Nothing changed: with the plugin back, the upgrade finds nothing to do.
    migrate.upgrade(app.config["BINHYEN_SETTINGS"], host_module.build_host())
