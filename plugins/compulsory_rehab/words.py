"""Stored values of compulsory rehabilitation that reach its pages (where a
dossier is, who manages the person until the decision) and the refusals of
its service that are built with ``refuse``, listed so the catalogues carry
their translations; pages translate them with ``_(value)``."""

from __future__ import annotations

from core.toolkit import N_

STORED_WORDS = (
    N_("preparing"),
    N_("submitted"),
    N_("hearing"),
    N_("decided"),
    N_("refused"),
    N_("admitted"),
    N_("released"),
    N_("commune"),
    N_("facility"),
)

# ``refuse(field, message, detail)`` is not among the calls the catalogue
# extraction reads, so its messages are named here to be translated.
REFUSAL_WORDS = (
    N_("Not in tier 3."),
    N_(
        "A dossier for compulsory rehabilitation is for people in tier 3; "
        "change the person's tier first."
    ),
    N_("Date of birth needed."),
    N_(
        "Record the person's date of birth first: the rules for those "
        "aged 12 to under 18 differ."
    ),
    N_("Before the step before."),
    N_("A step cannot be dated before the step that comes before it."),
    N_("Not asked for by this ruleset."),
    N_("The ruleset of this dossier asks for no document of that kind."),
    N_("Required for this document."),
    N_(
        "This document must be confirmed (by the commune police): say who confirmed it."
    ),
)
