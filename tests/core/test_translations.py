"""The catalogues keep up with the code: every string of core and of each
plugin has its Vietnamese translation, and the compiled files the app reads
are those of the catalogues (run `make translations` when this fails)."""

from __future__ import annotations

import pytest
from flask import Flask

from core.db import Database
from core.web import catalogs
from tests import factories as f

PACKAGES = list(catalogs.packages())


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_every_string_has_its_vietnamese_translation(package: object) -> None:
    template = catalogs.extract(package)  # type: ignore[arg-type]
    # Every package of this tree shows text; none found means extraction broke.
    assert len(template) > 0, "no text was extracted from this package"
    path = catalogs.catalogue_path(package, "vi", "po")  # type: ignore[arg-type]
    vietnamese = catalogs.read(path, "vi")
    missing = [
        m.id for m in template if m.id and not (vietnamese.get(m.id) or m).string
    ]
    assert missing == [], "run `make translations` and translate these"


def test_a_message_shared_by_several_catalogues_reads_the_same_in_each() -> None:
    # The app merges every catalogue into one, a plugin's over core's, so a
    # message worded differently in two of them would change on every page
    # that shows it, core's included. Give a different meaning its own text.
    first: dict[str, tuple[str, str]] = {}
    differing = []
    for package in PACKAGES:
        path = catalogs.catalogue_path(package, "vi", "po")
        if not path.exists():
            continue
        for message in catalogs.read(path, "vi"):
            if not message.id or not message.string:
                continue
            where, said = first.setdefault(message.id, (package.name, message.string))
            if said != message.string:
                differing.append((message.id, where, package.name))
    assert differing == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_the_compiled_catalogues_are_those_of_the_text_ones(
    package: object, language: str
) -> None:
    po = catalogs.catalogue_path(package, language, "po")  # type: ignore[arg-type]
    assert po.exists(), "run `make translations`: the catalogue is missing"
    mo = catalogs.catalogue_path(package, language, "mo")  # type: ignore[arg-type]
    assert mo.read_bytes() == catalogs.compiled(catalogs.read(po, language))


def test_a_refusal_reaches_the_caller_in_their_language(
    app: Flask, database: Database
) -> None:
    place = f.staffed_commune(database, "05089").commune
    client = app.test_client()
    url = f"/api/v1/c/{place.slug}/hamlets/"
    vietnamese = client.get(url).get_json()
    english = client.get(url, headers={"Accept-Language": "en"}).get_json()
    assert (vietnamese["title"], english["title"]) == (
        "Cần đăng nhập",
        "Sign-in required",
    )
    assert english["detail"].startswith("Sign in first")
    assert vietnamese["detail"].startswith("Hãy đăng nhập trước")
