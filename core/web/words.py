"""Words that reach a page as stored values (statuses, kinds, channels, field
names), listed here so the catalogues carry their translations. Templates
translate them with ``_(value)``."""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it here."""
    return text


STORED_WORDS = (
    # people
    N_("active"),
    N_("moved_out"),
    N_("inactive"),
    N_("male"),
    N_("female"),
    N_("full_name"),
    N_("other_names"),
    N_("date_of_birth"),
    N_("sex"),
    N_("national_id"),
    N_("phone"),
    N_("address"),
    N_("family_contacts"),
    N_("tier"),
    # cases
    N_("open"),
    N_("closed"),
    N_("completed"),
    N_("ended_early"),
    N_("replaced"),
    N_("moved"),
    N_("deceased"),
    N_("other"),
    N_("home"),
    N_("community"),
    N_("facility"),
    # contacts
    N_("visit"),
    N_("call"),
    N_("meeting"),
    N_("message"),
    # work items
    N_("done"),
    N_("dismissed"),
    N_("chief"),
    N_("health"),
    # commitments
    N_("person"),
    N_("family"),
    N_("renewed"),
    N_("ended"),
    N_("continued"),
    # support
    N_("planned"),
    N_("in_progress"),
    N_("declined"),
    N_("work"),
    N_("vocational_training"),
    N_("loan"),
    N_("health_insurance"),
    N_("legal_aid"),
    N_("counselling"),
    # transfers and access
    N_("requested"),
    N_("accepted"),
    N_("refused"),
    N_("cancelled"),
    N_("approved"),
    N_("denied"),
    N_("revoked"),
    N_("expired"),
    # communes
    N_("suspended"),
    N_("archived"),
    # report exports
    N_("pending"),
    N_("running"),
    N_("failed"),
)

# What the forms' own checks say (marshmallow's messages) and their summary.
FORM_MESSAGES = (
    N_("Some fields need correcting."),
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Not a valid date."),
    N_("Not a valid integer."),
    N_("Not a valid UUID."),
    N_("Not a valid string."),
    N_("Not a valid boolean."),
    N_("Field may not be null."),
    N_("Wrong username, password or code."),
)
