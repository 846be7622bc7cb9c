"""How far a job has come, written where the person waiting can see it.

A job works inside one transaction, which nobody else sees until it
commits. A row that stands for the job's work (a report being built, a file
being imported) shows its progress through :func:`show_progress`, which
writes in a transaction of its own, bound to the row's commune, so that the
page polling for it sees each step while the job still runs.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import update

from core.db import get_database
from tenants.isolation import bind_tenant

logger = logging.getLogger(__name__)


def show_progress(
    model: type[Any], row_id: uuid.UUID, tenant_id: uuid.UUID | None, **values: Any
) -> None:
    """Set ``values`` on the row ``row_id`` of ``model`` and commit at once.
    ``tenant_id`` is the commune of a tenant-owned row, None for a row of the
    platform's own."""
    with get_database().session() as session:
        if tenant_id is not None:
            bind_tenant(session, tenant_id)
        session.execute(update(model).where(model.id == row_id).values(**values))
        session.commit()
    logger.debug("progress of %s %s: %s", model.__name__, row_id, sorted(values))
