"""The dossier's rules as data: which documents each ruleset requires and
the deadlines of each step, read from ``dossiers.toml`` beside this file.

The terms of compulsory rehabilitation and the post-rehab periods are not
repeated here: they come from core's rulesets through the toolkit.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from core.toolkit import add_working_days

logger = logging.getLogger(__name__)

FILE = Path(__file__).resolve().parent / "dossiers.toml"
STEPS = ("submitted", "hearing", "admitted")


@dataclass(frozen=True)
class DocumentRule:
    """One kind of document a dossier holds."""

    kind: str
    title_vi: str
    title_en: str
    required: bool
    source: str
    confirmed: bool
    confirmed_by: str | None = None


@dataclass(frozen=True)
class StepRule:
    """How long after the step before a step is due."""

    step: str
    title_vi: str
    title_en: str
    source: str
    confirmed: bool
    days: int = 0
    working_days: int = 0

    def due(self, since: date) -> date:
        if self.working_days:
            return add_working_days(since, self.working_days)
        return since + timedelta(days=self.days)


@dataclass(frozen=True)
class DossierRules:
    """What one ruleset asks of a dossier."""

    ruleset: str
    documents: tuple[DocumentRule, ...]
    steps: dict[str, StepRule]
    pending_managers: tuple[str, ...]
    pending_source: str

    def document(self, kind: str) -> DocumentRule | None:
        return next((d for d in self.documents if d.kind == kind), None)


def _parse(ruleset: str, raw: dict[str, Any]) -> DossierRules:
    documents = tuple(
        DocumentRule(
            kind=d["kind"],
            title_vi=d["title_vi"],
            title_en=d["title_en"],
            required=bool(d["required"]),
            source=d["source"],
            confirmed=bool(d.get("confirmed", True)),
            confirmed_by=d.get("confirmed_by"),
        )
        for d in raw["documents"]
    )
    steps = {
        name: StepRule(
            step=name,
            title_vi=s["title_vi"],
            title_en=s["title_en"],
            source=s["source"],
            confirmed=bool(s.get("confirmed", True)),
            days=int(s.get("days", 0)),
            working_days=int(s.get("working_days", 0)),
        )
        for name, s in raw["steps"].items()
    }
    if set(steps) != set(STEPS):
        raise ValueError(f"{ruleset}: steps must be exactly {STEPS}")
    return DossierRules(
        ruleset=ruleset,
        documents=documents,
        steps=steps,
        pending_managers=tuple(raw["pending"]["managers"]),
        pending_source=raw["pending"]["source"],
    )


@functools.cache
def all_rules() -> dict[str, DossierRules]:
    with FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    return {ruleset: _parse(ruleset, body) for ruleset, body in raw.items()}


def for_ruleset(ruleset: str) -> DossierRules:
    try:
        return all_rules()[ruleset]
    except KeyError:
        raise LookupError(
            f"No dossier rules for the ruleset {ruleset!r}: add them to {FILE.name}."
        ) from None


def kinds() -> list[str]:
    """Every document kind any ruleset knows."""
    return sorted({d.kind for r in all_rules().values() for d in r.documents})
