"""Stored values of drug testing that reach its pages (substances, methods,
readings, bases, reasons), listed so the catalogues carry their
translations; templates translate them with ``_(value)``."""

from __future__ import annotations

from core.toolkit import N_

STORED_WORDS = (
    N_("heroin_morphine"),
    N_("methamphetamine"),
    N_("mdma"),
    N_("ketamine"),
    N_("cannabis"),
    N_("other"),
    N_("rapid_urine"),
    N_("rapid_saliva"),
    N_("lab_urine"),
    N_("lab_blood"),
    N_("hair"),
    N_("positive"),
    N_("negative"),
    N_("not_tested"),
    N_("consent"),
    N_("summons"),
    N_("scheduled"),
    N_("random"),
    N_("ad_hoc"),
)
