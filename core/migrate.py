"""Running Alembic from the application: ``binhyen db upgrade`` and friends.

Core's revisions live in ``migrations/versions``; each plugin adds its own
branch in its package, listed in ``version_locations`` when it is installed.
Migrations connect with the migration URL (the table owner), never as the
application role.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError

from core.config import Settings
from core.plugin_host.host import PluginHost

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(
    settings: Settings, extra_locations: tuple[Path, ...] = ()
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [MIGRATIONS / "versions", *extra_locations]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.attributes["url"] = settings.migration_database_url
    config.attributes["app_role"] = settings.database_app_role
    return config


def plugin_locations(host: PluginHost | None) -> tuple[Path, ...]:
    """The revision folders of every loaded plugin that has migrations."""
    if host is None:
        return ()
    return tuple(
        Path(folder)
        for _name, folder in host.call_each("binhyen_migrations")
        if folder is not None
    )


class MissingRevisions(RuntimeError):
    """The database holds revisions no installed package provides."""


def upgrade(
    settings: Settings, host: PluginHost | None = None, revision: str = "heads"
) -> None:
    """Bring core and every loaded plugin's branch up to ``revision``."""
    try:
        command.upgrade(alembic_config(settings, plugin_locations(host)), revision)
    except CommandError as exc:
        if "Can't locate revision" not in str(exc):
            raise
        # A plugin that was installed and migrated is gone (uninstalled, or
        # failing to load): its branch is in the database, not on disk.
        failed = ", ".join(sorted(host.failed)) if host and host.failed else ""
        raise MissingRevisions(
            "The database holds migrations of a plugin that is not loaded now"
            + (f" (plugins that failed to load: {failed})" if failed else "")
            + ". Install it again, or fix what stops it loading, then upgrade; "
            "its tables and data are still there. "
            f"Alembic said: {exc}"
        ) from exc
    logger.info("database upgraded to %s", revision)


def downgrade(settings: Settings, host: PluginHost | None, revision: str) -> None:
    command.downgrade(alembic_config(settings, plugin_locations(host)), revision)


def current(settings: Settings, host: PluginHost | None = None) -> None:
    command.current(alembic_config(settings, plugin_locations(host)), verbose=False)
