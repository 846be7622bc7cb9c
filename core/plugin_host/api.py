"""REST endpoints for plugins: what is installed, and what a commune runs."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires
from core.db import request_session
from core.plugin_host import service
from core.plugin_host.host import LoadedPlugin, PluginHost
from core.plugin_host.schemas import CommunePluginSchema, InstalledSchema, SwitchSchema

blp = Blueprint(
    "plugins",
    __name__,
    url_prefix="/api/v1",
    description="Optional modules and their state in each commune.",
)


def _host() -> PluginHost:
    host: PluginHost = current_app.extensions["binhyen.plugins"]
    return host


def _describe(plugin: LoadedPlugin) -> dict[str, Any]:
    schema = plugin.info.settings_schema
    return {
        "name": plugin.name,
        "title_vi": plugin.info.title_vi,
        "title_en": plugin.info.title_en,
        "version": plugin.info.version,
        "description": plugin.info.description,
        "settings_fields": sorted(schema().fields) if schema else [],
    }


@blp.route("/plugins")
class Installed(MethodView):
    @requires("plugins:read")
    @blp.response(200, InstalledSchema)
    def get(self) -> Any:
        """Plugins installed on this server, and any left out at start-up."""
        host = _host()
        return {
            "plugins": [_describe(p) for _, p in sorted(host.plugins.items())],
            "failed": host.failed,
        }


@blp.route("/c/<commune>/plugins")
class CommunePlugins(MethodView):
    @requires("plugins:read")
    @blp.response(200, CommunePluginSchema(many=True))
    def get(self) -> Any:
        """Every installed plugin with its state and settings in this commune."""
        host, db = _host(), request_session()
        enabled = host.enabled_in(db)
        return [
            {
                **_describe(p),
                "enabled": name in enabled,
                "settings": service.settings_of(db, host, name),
            }
            for name, p in sorted(host.plugins.items())
        ]


@blp.route("/c/<commune>/plugins/<plugin>")
class CommunePluginSwitch(MethodView):
    @requires("plugins:manage")
    @blp.arguments(SwitchSchema)
    @blp.response(200, CommunePluginSchema)
    def put(self, values: dict[str, Any], plugin: str) -> Any:
        """Switch a plugin on or off here, with its settings. Data is kept."""
        host, db = _host(), request_session()
        row = service.set_enabled(
            db, host, plugin, values["enabled"], values.get("settings")
        )
        db.commit()
        return {
            **_describe(host.plugins[plugin]),
            "enabled": row.enabled,
            "settings": row.settings,
        }
