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


def day(value: date | datetime | None) -> str:
    """A date as people write it here: dd/mm/yyyy (a moment in Vietnam's zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%d/%m/%Y")  # a day, not a moment
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def init_app(app: Flask, plugin_folders: list[Path]) -> None:
    """Set up Flask-Babel with core's catalogues and the plugins' own."""
    folders = [str(TRANSLATIONS)] + [str(p) for p in plugin_folders if p.is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=chosen_language)
    app.jinja_env.filters["day"] = day
