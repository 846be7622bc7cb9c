"""Languages of the pages: Vietnamese first, English available.

Every string on a page goes through ``_()`` (Flask-Babel); the catalogues
live in ``core/web/translations`` and in each plugin's own ``translations``
folder, found when the plugin is loaded. The language is the one the person
chose (a cookie set by the switch in the header), else the best their
browser asks for, else Vietnamese. Dates show as dd/mm/yyyy in both.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

from core.db import VIETNAM

logger = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
COOKIE = "binhyen_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def chosen_language() -> str:
    """The language of the current page."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def day(value: date | datetime | str | None) -> str:
    """A date as people write it here: dd/mm/yyyy (a moment in Vietnam's zone).
    Takes a date, a moment, or either written in ISO form (as a file sent
    between communes holds them)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        written = value
        try:
            value = (
                datetime.fromisoformat(written)
                if "T" in written
                else date.fromisoformat(written)
            )
        except ValueError:
            return written
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%d/%m/%Y")  # a day, not a moment
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def law(ruleset_id: str | None) -> str:
    """A ruleset's title (the law it reads) in the page's language; its id if
    no ruleset of that id is installed any more."""
    from core.cases.rules import RulesetError, by_id

    if not ruleset_id:
        return ""
    try:
        ruleset = by_id(ruleset_id)
    except RulesetError:
        return ruleset_id
    return ruleset.title_en if chosen_language() == "en" else ruleset.title_vi


def init_app(app: Flask, plugin_folders: list[Path]) -> None:
    """Set up Flask-Babel with core's catalogues and the plugins' own."""
    folders = [str(TRANSLATIONS)] + [str(p) for p in plugin_folders if p.is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=chosen_language)
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["law"] = law
