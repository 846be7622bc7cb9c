"""Tally: a test-only plugin that keeps tally marks per commune.

Packaged apart from Bình Yên and registered under the ``binhyen.plugins``
entry point ``tally`` in its own pyproject.toml, it stands for a third-party
plugin: it imports nothing from core but ``core.toolkit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from binhyen_example_tally import jobs
from binhyen_example_tally.models import Mark
from core.toolkit import JobDefinition, Permission, PluginInfo, hookimpl

NAME = "tally"
DISTRIBUTION = "binhyen-example-tally"

# Imported for its side effect: the table joins the shared metadata, so the
# migration environment arms row-level security on it.
__all__ = ["Mark"]


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        title_vi="Kiểm đếm",
        title_en="Tally",
        version=version(DISTRIBUTION),
        description="Tally marks kept per commune (test-only plugin).",
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission(
            "tally:read",
            "See the commune's tally marks.",
            roles=("commune_chief", "officer"),
        ),
        Permission("tally:write", "Add tally marks.", roles=("commune_chief",)),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from binhyen_example_tally.api import blp

    return [blp]


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    return (JobDefinition("tally.check", jobs.check),)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
