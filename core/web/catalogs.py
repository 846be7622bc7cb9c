"""Keeping the translation catalogues in step with the code (``make
translations``).

Core and each plugin package hold their own catalogue in a ``translations``
folder: strings are extracted from the package's Python (``_``, ``gettext``,
``N_``) and templates, merged into the Vietnamese and English catalogues
(new strings arrive untranslated, kept ones keep their translation), and
compiled to the ``.mo`` files the app reads. The tests check that every
string has its Vietnamese translation and that the compiled files match.
"""

from __future__ import annotations

import ast
import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.extract import extract_python as extract_from_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("vi", "en")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None}
METHODS = [
    ("**.py", "core.web.catalogs:extract_python"),
    ("**/templates/**.html", "jinja2"),
]
# Calls whose message reaches a person: the refusals a service raises and
# the field messages beside them (the argument indexes of the messages).
REFUSALS: dict[str, int | tuple[int, ...]] = {
    "Problem": 0,
    "Invalid": 0,
    "Conflict": 0,
    "Forbidden": 0,
    "NotFound": 0,
    "Unauthorized": 0,
    "Gone": 0,
    "PreconditionFailed": 0,
    "PreconditionRequired": 0,
    "TooManyRequests": 0,
    "PlanError": 1,
    "field_error": 1,
    "refuse": (1, 2),
    "in_callers_language": 0,
}


def packages(root: Path = ROOT) -> Iterator[Path]:
    """Core, then every plugin package of this tree."""
    yield root / "core"
    plugins = root / "plugins"
    for child in sorted(plugins.iterdir()) if plugins.is_dir() else []:
        if (child / "__init__.py").exists():
            yield child


def folder_of(package: Path) -> Path:
    """Where a package keeps its catalogues."""
    if package.name == "core":
        return package / "web" / "translations"
    return package / "translations"


def extract_python(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel's own extraction, plus every fixed message given to a refusal
    (``Invalid("...")``, ``field_error(name, "...")``): the pages and the
    API show those in the caller's language, as ``in_callers_language``
    does for a message with values in it. Messages built with f-strings are
    left out; they stay in English."""
    source = fileobj.read()
    yield from extract_from_python(io.BytesIO(source), keywords, comment_tags, options)
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        name = getattr(fileobj, "name", "a module")
        raise SyntaxError(
            f"{name} does not parse, so its messages cannot be extracted: {error}"
        ) from error
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        found = REFUSALS.get(name or "")
        indexes = (found,) if isinstance(found, int) else found or ()
        for index in indexes:
            if index >= len(node.args):
                continue
            argument = node.args[index]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                yield node.lineno, "N_", argument.value, []


def extract(package: Path) -> Catalog:
    """Every translatable string of the package, as a template catalogue.
    Core's catalogue also carries the strings of ``tenants``, which has none
    of its own."""
    template = Catalog(project="binhyen", charset="utf-8")
    folders = [package]
    if package.name == "core":
        folders.append(package.parent / "tenants")
    for folder in folders:
        for _file, _line, message, _comments, context in extract_from_dir(
            str(folder),
            method_map=METHODS,
            keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            if message:
                template.add(message, context=context)
    return template


def catalogue_path(package: Path, language: str, suffix: str) -> Path:
    return folder_of(package) / language / "LC_MESSAGES" / f"messages.{suffix}"


def read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, project="binhyen", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update(package: Path) -> list[str]:
    """Bring the package's catalogues up to date; returns the strings that
    still lack a Vietnamese translation."""
    template = extract(package)
    if not len(template):
        return []
    missing = []
    for language in LANGUAGES:
        po_path = catalogue_path(package, language, "po")
        catalog = read(po_path, language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        # The header's date is that of the first extraction, so that a run
        # that finds nothing new leaves the files as they were.
        if po_path.exists():
            catalog.creation_date = read(po_path, language).creation_date
        po_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("wb") as handle:
            write_po(
                handle, catalog, omit_header=False, sort_output=True, no_location=True
            )
        catalogue_path(package, language, "mo").write_bytes(compiled(catalog))
        if language == "vi":
            missing += [m.id for m in catalog if m.id and not m.string]
    return [str(m) for m in missing]


def main() -> int:
    untranslated = 0
    for package in packages():
        missing = update(package)
        untranslated += len(missing)
        for message in missing:
            print(f"{package.name}: needs Vietnamese: {message!r}")
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
