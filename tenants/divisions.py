"""The official list of provinces and communes, from `vietnam-provinces`.

Onboarding picks codes from this list rather than trusting typed ones. Codes
are kept as zero-padded strings: two digits for a province, five for a
commune (Cao Phong commune of Phú Thọ is "05089" in "25").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward


@dataclass(frozen=True)
class OfficialProvince:
    code: str
    name: str


@dataclass(frozen=True)
class OfficialCommune:
    code: str
    name: str
    kind: str
    province_code: str


def province_code(value: int | str) -> str:
    return f"{int(value):02d}"


def commune_code(value: int | str) -> str:
    return f"{int(value):05d}"


@cache
def provinces() -> dict[str, OfficialProvince]:
    return {
        province_code(p.code): OfficialProvince(province_code(p.code), p.name)
        for p in Province.iter_all()
    }


@cache
def communes() -> dict[str, OfficialCommune]:
    return {
        commune_code(w.code): OfficialCommune(
            code=commune_code(w.code),
            name=w.name,
            kind=w.division_type.value,
            province_code=province_code(w.province_code),
        )
        for w in Ward.iter_all()
    }


def find_province(code: str) -> OfficialProvince | None:
    return provinces().get(code)


def find_commune(code: str) -> OfficialCommune | None:
    return communes().get(code)


def fold(text: str) -> str:
    """Lower-case ASCII form of Vietnamese text: "Nguyễn Đức" -> "nguyen duc"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.lower()


def slugify(text: str) -> str:
    """URL-safe slug: "Xã Cao Phong" -> "xa-cao-phong"."""
    words = "".join(c if c.isalnum() else " " for c in fold(text)).split()
    return "-".join(words)
