"""Response schemas whose fields beyond a summary only some callers see.

A view decides, for its request, whether the caller sees everything
(:func:`show_everything`); a :class:`Restricted` schema then leaves out each
field that is not in its ``SUMMARY`` unless told otherwise. Fields are
absent, not blanked, and with no decision made the summary is all that is
shown (fail closed).
"""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from flask import g

KEY = "binhyen_show_everything"


def show_everything(allowed: bool) -> None:
    """Tell the Restricted schemas of this request what the caller sees."""
    setattr(g, KEY, allowed)


class Restricted(ma.Schema):
    """A schema showing only ``SUMMARY`` to callers not allowed everything."""

    SUMMARY: ClassVar[frozenset[str]] = frozenset()

    @ma.post_dump
    def _only_what_is_shown(self, data: dict[str, Any], **_: Any) -> Any:
        if g.get(KEY):
            return data
        return {key: value for key, value in data.items() if key in self.SUMMARY}
