"""Stored values of counselling that reach its pages (means, topics,
relations, channels, purposes, delivery statuses, bases of consent), listed
so the catalogues carry their translations; templates translate them with
``_(value)``."""

from __future__ import annotations

from core.toolkit import N_

STORED_WORDS = (
    N_("phone"),
    N_("messaging"),
    N_("in_person"),
    N_("drug_use"),
    N_("treatment"),
    N_("relapse"),
    N_("family"),
    N_("legal"),
    N_("other"),
    N_("email"),
    N_("sms"),
    N_("zalo"),
    N_("self"),
    N_("appointment"),
    N_("commitment_review"),
    N_("methadone"),
    N_("queued"),
    N_("retrying"),
    N_("sent"),
    N_("failed"),
    N_("cancelled"),
    N_("written"),
    N_("verbal"),
)
