"""Which fields of a person each role sees (DESIGN.md §1). A field a role may
not see is absent from what it gets, not blanked."""

from __future__ import annotations

IDENTITY = frozenset({"id", "full_name", "sex", "hamlet_id", "status", "version"})
# The tier says how far someone's drug use has gone: health and police only.
HEALTH = IDENTITY | {"date_of_birth", "other_names", "tier"}
FULL = HEALTH | {
    "national_id",
    "phone",
    "address",
    "family_contacts",
    "created_at",
    "updated_at",
}

# Roles not listed here see no person at all.
FIELDS_BY_ROLE: dict[str, frozenset[str]] = {
    "commune_chief": FULL,
    "officer": FULL,
    "health_worker": HEALTH,
    # Community support in one hamlet: who and where, no identifiers.
    "hamlet_member": IDENTITY,
}

# What someone granted break-glass access reads: the file, read-only.
BREAK_GLASS = FULL


def fields_for(roles: list[str]) -> frozenset[str]:
    seen: frozenset[str] = frozenset()
    for role in roles:
        seen |= FIELDS_BY_ROLE.get(role, frozenset())
    return seen
