"""Paging of list endpoints: one helper over flask-smorest's pagination."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 200


def page_of(db: Session, query: Select[Any], pagination: Any) -> list[Any]:
    """Run one page of ``query`` and tell flask-smorest the total count."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pagination.item_count = total or 0
    return list(
        db.scalars(query.limit(pagination.page_size).offset(pagination.first_item))
    )


PAGINATION = {"page_size": 50, "max_page_size": MAX_PAGE_SIZE}
