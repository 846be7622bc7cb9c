"""The residents' way in: /tips/, where anyone picks their commune.

A resident who reaches Bình Yên by its address, not by a commune's poster,
chooses a province, then a commune, and is sent to that commune's tip form.
Only communes on the platform and active are listed; whether a commune
runs the tip plugin is not looked up here (that would read every commune's
choice): the commune's form answers, saying so where it does not. Nothing
of the caller is kept, as on every tip page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from core.toolkit import NotFound, public, request_session, untraced
from tenants import divisions
from tenants.models import Commune, CommuneStatus

logger = logging.getLogger(__name__)

bp = Blueprint("tips_public", __name__, url_prefix="/tips", template_folder="templates")


@bp.get("/")
@public("residents find their commune's tip form without an account")
@untraced
def choose() -> Any:
    """Provinces with a commune on the platform; with ``?province=`` that
    province's communes; with ``?commune=`` on to that commune's form."""
    db = request_session()
    active = select(Commune).where(Commune.status == CommuneStatus.ACTIVE)
    chosen = request.args.get("commune", "")
    if chosen:
        if db.scalar(active.where(Commune.slug == chosen)) is None:
            raise NotFound(
                "No commune on Bình Yên has that address. Choose yours from the list."
            )
        return redirect(url_for("tips_web.new", commune=chosen))
    by_province: dict[str, list[Commune]] = {}
    for commune in db.scalars(active.order_by(Commune.name)):
        official = divisions.find_commune(commune.code)
        if official is not None:
            by_province.setdefault(official.province_code, []).append(commune)
    provinces = divisions.provinces()
    offered = sorted(
        (provinces[code] for code in by_province if code in provinces),
        key=lambda p: divisions.fold(p.name),
    )
    province = request.args.get("province", "")
    return render_template(
        "tips/choose.html",
        provinces=offered,
        province=provinces.get(province) if province in by_province else None,
        communes=by_province.get(province, []),
    )
