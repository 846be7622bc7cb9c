"""Forms on pages, checked by the API's own schemas and services.

A page reads its form with :func:`read_form` through the same marshmallow
schema the API uses, then calls the same service; :func:`attempt` turns a
refusal (a schema's or a service's) into messages beside the fields, so a
form says exactly what the API would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import marshmallow as ma
from flask import flash, request
from flask_babel import gettext

from core.db import VIETNAM, request_session
from core.errors import Problem, in_callers_language

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Form fields that are the page's machinery, not data.
MACHINERY = frozenset({"csrf_token", "next", "action", "version"})


@dataclass
class Refusal:
    """Why a form was not accepted: a message for the whole form and one per
    field, ready for the template."""

    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    status: int = 422


def choices(kind: Any) -> list[tuple[str, str]]:
    """Each member of an enum as a form's choice: its value, and the value
    in the page's language (the catalogues give the codes words)."""
    return [(member.value, gettext(member.value)) for member in kind]


def flash_refusal(refusal: Refusal) -> None:
    """Show a refusal on the next page, for a form that sends the user back
    rather than drawing itself again: the whole message with each field's,
    marked as an error so that it does not read as a success."""
    said = [refusal.detail, *refusal.fields.values()]
    flash(" ".join(part for part in said if part), "error")


def read_form(schema: ma.Schema, *, partial: bool = False) -> dict[str, Any]:
    """The submitted form as the schema loads it. Empty inputs count as left
    out; a checkbox the schema expects counts as false when unticked; inputs
    named ``outer.inner`` fill a nested schema, ``outer.0.inner`` a list of
    them; a date and time without a zone (a ``datetime-local`` input) is
    Vietnam's."""
    raw: dict[str, Any] = {
        key: value
        for key, value in request.form.items()
        if key not in MACHINERY and value.strip() != ""
    }
    for name, declared in schema.fields.items():
        if (
            isinstance(declared, ma.fields.Boolean)
            and not declared.dump_only
            and name not in raw
            and f"{name}__present" in request.form
        ):
            raw[name] = False
    raw = {k: v for k, v in raw.items() if not k.endswith("__present")}
    for name, declared in schema.fields.items():
        if isinstance(declared, ma.fields.AwareDateTime) and name in raw:
            raw[name] = _in_vietnam(raw[name])
    return dict(schema.load(_nested(raw), partial=partial))


def _in_vietnam(value: str) -> str:
    """A moment typed on a page without a zone is a moment in Vietnam."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the mistake
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.isoformat()


def _nested(raw: dict[str, Any]) -> dict[str, Any]:
    """Inputs named ``outer.inner`` go in as ``{"outer": {"inner": ...}}``,
    the shape of a nested schema, and ``outer.0.inner`` as a list under
    ``outer``; errors come back under the same dotted names, beside the same
    inputs. Rows left wholly empty drop out of a list, so the rows after
    them move up."""
    shaped: dict[str, Any] = {}
    for key, value in raw.items():
        *path, last = key.split(".")
        level = shaped
        for part in path:
            level = level.setdefault(part, {})
        level[last] = value
    return _listed(shaped)


def _listed(shaped: dict[str, Any]) -> Any:
    """Turn every level whose keys are all numbers into a list, in order."""
    level = {key: _listed(v) if isinstance(v, dict) else v for key, v in shaped.items()}
    if level and all(key.isdigit() for key in level):
        return [level[key] for key in sorted(level, key=int)]
    return level


def attempt(work: Callable[[], T]) -> tuple[T | None, Refusal | None]:
    """Run ``work``; a refusal rolls back what it began and is returned for
    the page to show, any other error propagates."""
    try:
        return work(), None
    except ma.ValidationError as invalid:
        request_session().rollback()
        return None, Refusal(
            in_callers_language("Some fields need correcting."),
            {
                name: in_callers_language(_first(messages))
                for name, messages in _flat(invalid.messages)
            },
        )
    except Problem as problem:
        request_session().rollback()
        return None, Refusal(
            in_callers_language(problem.template, **problem.values),
            {e["field"]: in_callers_language(e["message"]) for e in problem.errors},
            problem.status,
        )


def _first(messages: Any) -> str:
    if isinstance(messages, list | tuple):
        return str(messages[0]) if messages else ""
    return str(messages)


def _flat(messages: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if not isinstance(messages, dict):
        return [(prefix or "_form", messages)]
    found: list[tuple[str, Any]] = []
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            found.extend(_flat(value, name))
        else:
            found.append((name, value))
    return found


def check_version(record: Any) -> None:
    """A form's answer to If-Match: the version it was drawn from must still
    be the record's, or someone changed it in the meantime."""
    from core.errors import PreconditionFailed

    sent = request.form.get("version", "")
    if sent != str(record.version):
        raise PreconditionFailed(
            "This record changed since you opened the page. Look at it again, "
            "then make your change."
        )
