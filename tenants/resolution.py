"""Finding the commune of a request from its URL, and refusing closed ones.

The commune comes only from the path (``/c/<slug>/...``,
``/api/v1/c/<slug>/...``), never from a body or a header. A suspended
commune answers nothing; an archived one answers that it is gone. Both keep
their data.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import Forbidden, Gone
from tenants.isolation import bind_tenant
from tenants.models import Commune, CommuneStatus
from tenants.onboarding import get_commune

URL_ARG = "commune"


def resolve(session: Session, slug: str) -> Commune:
    """The open commune at ``slug``, with ``session`` bound to it."""
    commune = get_commune(session, slug)
    if commune.status is CommuneStatus.SUSPENDED:
        raise Forbidden(
            "This commune is suspended and answers no requests; its data is "
            "kept. Its region admin can reactivate it.",
            slug="commune-suspended",
        )
    if commune.status is CommuneStatus.ARCHIVED:
        raise Gone(
            "This commune is archived and no longer served; its data is kept. "
            "Its region admin can bring it back.",
            slug="commune-archived",
        )
    bind_tenant(session, commune.id)
    return commune


def resolve_for_operator(session: Session, slug: str) -> Commune:
    """The commune at ``slug`` whatever its status, with ``session`` bound to it.

    For the command line, where an operator may need to look into a
    suspended commune's jobs or plugins.
    """
    commune = get_commune(session, slug)
    bind_tenant(session, commune.id)
    return commune
