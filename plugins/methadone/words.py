"""Stored values of Methadone treatment that reach its pages, listed so the
catalogues carry their translations; templates translate them with
``_(value)``."""

from __future__ import annotations

from core.toolkit import N_

STORED_WORDS = (
    N_("taken"),
    N_("missed"),
    N_("take_home"),
    N_("induction"),
    N_("dose_adjustment"),
    N_("maintenance"),
    N_("taper"),
)
