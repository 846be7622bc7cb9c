"""Small-cell protection: how a count is shown to anyone outside its commune.

The rule, with ``k`` the setting ``BINHYEN_SMALL_CELL_THRESHOLD`` (5):

1. Each count of one commune in one month (a *cell*) is shown as 0 when it
   is 0, withheld ("fewer than k") when it is 1 to k-1, and otherwise
   rounded to the nearest multiple of k (7 shows as 5, 8 as 10).
2. Every total (over communes, over the months of a period, over the tiers
   that make up the people under management) is the sum of the cells as
   shown, never counted afresh: the shown parts add up, and the withheld
   parts are reported as how many there are.

Why it holds when rows are summed or differenced: a shown total is worked
out from the shown cells alone, so a total minus the parts that are shown
leaves exactly what was already shown about the rest, "n cells each fewer
than k", and nothing more. Rounding the large cells keeps two different
figures about the same people (a stock this month and last, the people by
tier and the cases that hold them) from being set against each other to pin
a withheld cell: each shown cell is uncertain by up to half of k.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shown:
    """A count as shown: the sum of the cells that are shown, and how many
    cells were withheld (each of them from 1 to threshold-1)."""

    visible: int = 0
    withheld: int = 0

    def __add__(self, other: Shown) -> Shown:
        return Shown(self.visible + other.visible, self.withheld + other.withheld)


def rounded(count: int, base: int) -> int:
    """``count`` to the nearest multiple of ``base``, halves upwards."""
    return (2 * count + base) // (2 * base) * base


def protect(count: int, threshold: int) -> Shown:
    """One cell as shown outside its commune."""
    if count <= 0:
        return Shown()
    if count < threshold:
        return Shown(withheld=1)
    return Shown(rounded(count, threshold))


def stored(shown: Shown) -> int | None:
    """The value kept for one protected cell: None when it is withheld."""
    if shown.withheld:
        return None
    return shown.visible


def from_stored(value: int | None) -> Shown:
    return Shown(withheld=1) if value is None else Shown(value)


def total(parts: list[Shown]) -> Shown:
    found = Shown()
    for part in parts:
        found = found + part
    return found


def render(value: int | Shown, threshold: int) -> Any:
    """A figure for the API: a plain number, or an object saying what is
    withheld (``{"suppressed": true, "below": 5}`` for one small cell)."""
    if isinstance(value, int):
        return value
    if not value.withheld:
        return value.visible
    if value.visible == 0 and value.withheld == 1:
        return {"suppressed": True, "below": threshold}
    return {
        "suppressed": True,
        "shown": value.visible,
        "small_parts": value.withheld,
        "below": threshold,
    }


def display(value: int | Shown, threshold: int, language: str = "vi") -> str:
    """A figure for a report's page."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    shown = f"{value.visible:,}".replace(",", ".")
    if not value.withheld:
        return shown
    if value.visible == 0 and value.withheld == 1:
        return f"< {threshold}"
    cells = "cells" if language == "en" else "ô"
    return f"{shown} (+{value.withheld} {cells} < {threshold})"
