"""Switching plugins on and off per commune, and validating their settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Invalid, NotFound, field_error, flatten_validation_messages
from core.plugin_host.host import PluginHost
from core.plugin_host.models import CommunePlugin

logger = logging.getLogger(__name__)


def require_installed(host: PluginHost, name: str) -> None:
    if name not in host.plugins:
        installed = ", ".join(sorted(host.plugins)) or "none"
        raise NotFound(
            f"No plugin named {name!r} is installed. Installed plugins: {installed}."
        )


def validate_settings(
    host: PluginHost, name: str, settings: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The settings as the plugin's schema loads them, or a field-by-field 422."""
    schema_class = host.plugins[name].info.settings_schema
    if schema_class is None:
        if settings:
            raise Invalid(
                f"The plugin {name} takes no settings.",
                errors=[field_error("settings", "Leave empty.")],
            )
        return {}
    schema = schema_class()
    try:
        loaded = schema.load(dict(settings or {}))
    except ma.ValidationError as exc:
        raise Invalid(
            f"These settings do not suit the plugin {name}.",
            errors=flatten_validation_messages(
                {"settings": exc.normalized_messages()}, "json"
            ),
        ) from exc
    dumped: dict[str, Any] = schema.dump(loaded)
    return dumped


def state(session: Session, name: str) -> CommunePlugin | None:
    return session.scalars(
        select(CommunePlugin).where(CommunePlugin.name == name)
    ).first()


def set_enabled(
    session: Session,
    host: PluginHost,
    name: str,
    enabled: bool,
    settings: Mapping[str, Any] | None = None,
) -> CommunePlugin:
    """Switch a plugin on or off in the session's commune; its data stays."""
    require_installed(host, name)
    row = state(session, name)
    if row is None:
        row = CommunePlugin(name=name, enabled=False, settings={})
        session.add(row)
    if settings is not None or enabled:
        # Validating on every switch-on also fills defaults the plugin added
        # in a later version.
        given = settings if settings is not None else (row.settings or {})
        row.settings = validate_settings(host, name, given)
    row.enabled = enabled
    session.flush()
    host.forget_enabled()
    logger.info("plugin %s %s", name, "enabled" if enabled else "disabled")
    return row


def settings_of(session: Session, host: PluginHost, name: str) -> dict[str, Any]:
    """The commune's settings for a plugin, defaults filled in."""
    row = state(session, name)
    return validate_settings(host, name, row.settings if row else {})


def plugin_settings(session: Session, name: str) -> dict[str, Any]:
    """The settings of plugin ``name`` in the session's commune (for plugins)."""
    from flask import current_app

    return settings_of(session, current_app.extensions["binhyen.plugins"], name)
