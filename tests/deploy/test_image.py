"""The container image's recipe and the wheel it installs.

No Docker engine runs where the tests run, so the Dockerfile is read rather
than built: its stages, its user and its command are checked against the
project itself. The wheel is really built, as the image's first stage does.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    split: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            split.append([])
        if split:
            split[-1].append(instruction)
    return split


def test_the_image_is_built_in_two_stages_from_a_slim_python() -> None:
    args = dict(rest.split("=", 1) for word, rest in instructions() if word == "ARG")
    base = args["PYTHON_IMAGE"]
    match = re.fullmatch(r"python:3\.(\d+)-slim(-\w+)?", base)
    assert match, f"{base} is not a slim Python image"
    minimum = int(PYPROJECT["project"]["requires-python"].split(".")[1])
    assert int(match.group(1)) >= minimum
    build, runtime = stages()
    assert build[0][1].endswith(" AS build")
    assert runtime[0][1].endswith(" AS runtime")


def test_the_first_stage_builds_wheels_of_every_package_the_project_ships() -> None:
    build = stages()[0]
    copied = " ".join(rest for word, rest in build if word == "COPY")
    packages = {
        pattern.rstrip("*")
        for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    for package in packages | {"pyproject.toml", "README.md"}:
        assert re.search(rf"(^|\s){re.escape(package)}(\s|$)", copied), (
            f"the build stage does not copy {package}"
        )
    assert any(word == "RUN" and "pip wheel" in rest for word, rest in build)


def test_the_runtime_installs_only_the_wheels_and_runs_as_a_numeric_non_root_user() -> (
    None
):
    runtime = stages()[1]
    assert ("COPY", "--from=build /wheels /wheels") in runtime
    installs = [
        rest for word, rest in runtime if word == "RUN" and "pip install" in rest
    ]
    assert len(installs) == 1
    assert "--no-index" in installs[0] and "--find-links=/wheels" in installs[0]
    # Nothing of the source tree reaches the runtime stage.
    assert [rest for word, rest in runtime if word == "COPY"] == [
        "--from=build /wheels /wheels"
    ]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users, "the runtime stage never leaves root"
    uid, _, gid = users[-1].partition(":")
    # Kubernetes can check runAsNonRoot only against a numeric user.
    assert uid.isdigit() and int(uid) > 0 and (not gid or gid.isdigit())
    last_user = max(i for i, (word, _) in enumerate(runtime) if word == "USER")
    assert all(word != "RUN" for word, _ in runtime[last_user:])


def test_the_default_command_serves_with_the_projects_gunicorn_config() -> None:
    command = [rest for word, rest in instructions() if word == "CMD"][-1]
    assert command == '["gunicorn", "--config", "python:core.gunicorn_conf"]'
    config = importlib.import_module("core.gunicorn_conf")
    module, _, name = config.wsgi_app.partition(":")
    assert name == "app" and (ROOT / (module.replace(".", "/") + ".py")).exists()
    chart = (ROOT / "helm" / "binhyen" / "templates" / "web.yaml").read_text()
    assert '["gunicorn", "--config", "python:core.gunicorn_conf"]' in chart


def test_the_wheel_carries_migrations_templates_and_the_server_config(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("binhyen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "core/gunicorn_conf.py",
        "core/wsgi.py",
        "migrations/env.py",
        "migrations/script.py.mako",
        "core/web/templates/login.html",
    }
    assert expected <= names
    for revision in (ROOT / "migrations" / "versions").glob("*.py"):
        assert f"migrations/versions/{revision.name}" in names
    for revision in (ROOT / "plugins").glob("*/migrations/versions/*.py"):
        assert revision.relative_to(ROOT).as_posix() in names
    assert not any(n.startswith(("tests/", "helm/")) for n in names)
