"""Which fields of a person each role sees (DESIGN.md §1), and which filters
of a list of people it may use. A field a role may not see is absent from
what it gets, not blanked."""

from __future__ import annotations

from collections.abc import Callable, Iterable

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


# A filter tells what it filters on: the people it lists are those with that
# tier, that number or that kind of case. So a caller may only filter on a
# field they see, or on cases when they may read cases.
FILTER_FIELDS = {"tier": "tier", "national_id": "national_id"}
FILTER_PERMISSIONS = {"case_kind": "cases:read"}


def hidden_filters(
    terms: Iterable[str], fields: frozenset[str], holds: Callable[[str], bool]
) -> list[str]:
    """The filters among ``terms`` that would reveal what the caller, who
    sees ``fields`` and holds what ``holds`` says, may not know."""
    return sorted(
        term
        for term in terms
        if (term in FILTER_FIELDS and FILTER_FIELDS[term] not in fields)
        or (term in FILTER_PERMISSIONS and not holds(FILTER_PERMISSIONS[term]))
    )
