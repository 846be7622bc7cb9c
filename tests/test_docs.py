"""The documentation keeps up with the code: every hook, permission, setting
and command an operator or a plugin author needs is written down."""

from __future__ import annotations

import inspect
from pathlib import Path

from core.access.permissions import CORE_PERMISSIONS
from core.config import SETTINGS
from core.plugin_host import hookspecs

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
PLUGIN_GUIDE = (ROOT / "docs" / "plugins.md").read_text()


def test_every_hook_is_specified_documented_and_in_the_plugin_guide() -> None:
    hooks = [
        name
        for name, value in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("binhyen_")
    ]
    assert len(hooks) >= 11
    for name in hooks:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Called" in doc, f"{name} does not say when it is called"
        assert name in PLUGIN_GUIDE, f"docs/plugins.md does not describe {name}"


def test_every_core_permission_and_setting_is_in_the_readme() -> None:
    for permission in CORE_PERMISSIONS:
        assert f"`{permission.name}`" in README, permission.name
    for setting in SETTINGS:
        assert setting.env_var in README, setting.env_var


def test_every_command_group_of_the_cli_is_in_the_readme(tmp_path: Path) -> None:
    from core.app import create_app

    app = create_app(instance_path=str(tmp_path))
    try:
        groups = set(app.cli.commands) - {"shell", "routes", "run"}
    finally:
        app.extensions["binhyen.db"].dispose()
    assert {"db", "communes", "users", "plugins", "jobs", "report"} <= groups
    for group in groups:
        assert f"binhyen {group}" in README, f"README.md never shows `binhyen {group}`"
