"""Stored values of outreach that reach its pages (settings, statuses,
sexes, age groups), listed so the catalogues carry their translations;
templates translate them with ``_(value)``."""

from __future__ import annotations

from core.toolkit import N_

STORED_WORDS = (
    N_("school"),
    N_("hamlet"),
    N_("planned"),
    N_("held"),
    N_("cancelled"),
    N_("male"),
    N_("female"),
    N_("under_15"),
    N_("15_to_17"),
    N_("18_to_30"),
    N_("over_30"),
)
