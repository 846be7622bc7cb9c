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

from core.config import Settings

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


def upgrade(settings: Settings, revision: str = "heads") -> None:
    command.upgrade(alembic_config(settings), revision)
    logger.info("database upgraded to %s", revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> None:
    command.current(alembic_config(settings), verbose=False)
