"""Free text as it is stored: trimmed and NFC-normalised (DESIGN.md §5), so
the same words typed on two phones are the same characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from core.errors import Invalid, field_error


def tidy(
    values: Mapping[str, Any], fields: Iterable[str], required: Iterable[str] = ()
) -> dict[str, Any]:
    """A copy of ``values`` with each text field of ``fields`` trimmed and NFC;
    blank ones become None, and a blank one named in ``required`` is refused."""
    cleaned = dict(values)
    for name in fields:
        value = cleaned.get(name)
        if isinstance(value, str):
            cleaned[name] = unicodedata.normalize("NFC", value.strip()) or None
    blank = [n for n in required if n in cleaned and cleaned[n] is None]
    if blank:
        raise Invalid(
            "Some fields are blank; write something in each.",
            errors=[field_error(name, "Blank.") for name in blank],
        )
    return cleaned
