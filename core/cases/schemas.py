"""What the cases API accepts and returns."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.access.policy import caller_holds
from core.cases import service
from core.cases.models import Case, CaseKind, CaseOutcome, RehabSetting
from core.cases.rules import Deadline
from core.db import request_session
from core.errors import caller_prefers_english

_KINDS = [k.value for k in CaseKind]
_SETTINGS = [s.value for s in RehabSetting]
_OUTCOMES = [o.value for o in CaseOutcome]
_NUMBER = validate.Length(min=1, max=60)
_DECIDER = validate.Length(min=1, max=200)


class DeadlineSchema(ma.Schema):
    """A computed date and why, in the caller's language."""

    key = ma.fields.String()
    due_on = ma.fields.Date()
    rule = ma.fields.String()
    ruleset = ma.fields.String()
    value = ma.fields.Method("_value")
    source = ma.fields.String()
    confirmed = ma.fields.Boolean(
        metadata={"description": "False while the value awaits the official text"}
    )
    explanation = ma.fields.Method("_explanation")
    met = ma.fields.Boolean(
        allow_none=True,
        metadata={"description": "For a decision deadline: was it decided in time"},
    )

    def _value(self, deadline: Deadline) -> str:
        return deadline.value_en if caller_prefers_english() else deadline.value_vi

    def _explanation(self, deadline: Deadline) -> str:
        if caller_prefers_english():
            return deadline.explanation_en
        return deadline.explanation_vi


class CaseSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(_KINDS))
    setting = ma.fields.String(allow_none=True, validate=validate.OneOf(_SETTINGS))
    status = ma.fields.String(dump_only=True)
    ruleset = ma.fields.String(dump_only=True)
    start_on = ma.fields.Date(metadata={"description": "Defaults to the decision date"})
    term_months = ma.fields.Integer(
        allow_none=True,
        validate=validate.Range(1, 60),
        metadata={"description": "Only where the law leaves a range to decide"},
    )
    planned_end_on = ma.fields.Date(dump_only=True)
    end_on = ma.fields.Date(dump_only=True)
    later = ma.fields.Boolean(dump_only=True)
    age_group = ma.fields.String(dump_only=True)
    trigger_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "Date of the positive test or of the addiction "
            "determination the decision answers"
        },
    )
    decision_number = ma.fields.String(required=True, validate=_NUMBER)
    decision_on = ma.fields.Date(required=True)
    decided_by = ma.fields.String(required=True, validate=_DECIDER)
    follows_case_id = ma.fields.UUID(allow_none=True)
    outcome = ma.fields.String(dump_only=True)
    closed_on = ma.fields.Date(dump_only=True)
    certificate_number = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class CaseDetailSchema(CaseSchema):
    """One case with its deadlines and extensions, worked out as it is shown."""

    closing_note = ma.fields.String(dump_only=True)
    deadlines = ma.fields.Method("_deadlines", dump_only=True)
    extensions = ma.fields.Method("_extensions", dump_only=True)

    def _deadlines(self, case: Case) -> Any:
        found = service.deadlines(request_session(), case)
        return DeadlineSchema(many=True).dump(found)

    def _extensions(self, case: Case) -> Any:
        found = service.extensions_of(request_session(), case.id)
        return ExtensionSchema(many=True).dump(found)

    @ma.post_dump
    def _note_for_writers_only(self, data: dict[str, Any], **_: Any) -> Any:
        # The closing note is the officers' working note, not for readers.
        if not caller_holds("cases:write"):
            data.pop("closing_note", None)
        return data


class CasePatchSchema(ma.Schema):
    """Clerical corrections of the legal basis; dates change only by a new
    decision (an extension, or closing and opening a case)."""

    decision_number = ma.fields.String(validate=_NUMBER)
    decided_by = ma.fields.String(validate=_DECIDER)

    class Meta:
        unknown = ma.RAISE


class ExtensionSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    decision_number = ma.fields.String(required=True, validate=_NUMBER)
    decision_on = ma.fields.Date(required=True)
    decided_by = ma.fields.String(required=True, validate=_DECIDER)
    previous_end_on = ma.fields.Date(dump_only=True)
    new_end_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=10, max=2000))

    class Meta:
        unknown = ma.RAISE


class CloseSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(_OUTCOMES))
    closed_on = ma.fields.Date(metadata={"description": "Defaults to today"})
    note = ma.fields.String(validate=validate.Length(max=2000))
    certificate_number = ma.fields.String(
        validate=_NUMBER,
        metadata={"description": "Form 54, ending post-rehab management"},
    )

    class Meta:
        unknown = ma.RAISE


class PastEndSchema(ma.Schema):
    """A line of the report of cases past their end date."""

    case_id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    kind = ma.fields.String()
    end_on = ma.fields.Date()
    days_past = ma.fields.Integer()


class RulesetSchema(ma.Schema):
    id = ma.fields.String()
    title = ma.fields.Method("_title")
    effective_from = ma.fields.Date()
    sources = ma.fields.List(ma.fields.String())
    kinds = ma.fields.Method("_kinds")

    def _title(self, ruleset: Any) -> str:
        return ruleset.title_en if caller_prefers_english() else ruleset.title_vi

    def _kinds(self, ruleset: Any) -> list[dict[str, Any]]:
        english = caller_prefers_english()
        return [
            {
                "kind": rules.name,
                "title": rules.title_en if english else rules.title_vi,
                "period": (
                    {
                        "months": list(rules.period.bounds(False)),
                        "later_months": list(rules.period.bounds(True)),
                        "source": rules.period.source,
                        "confirmed": rules.period.confirmed,
                    }
                    if rules.period
                    else None
                ),
                "after": [
                    {
                        "previous": f.previous,
                        "age": f.age,
                        "months": f.months,
                        "source": f.source,
                        "confirmed": f.confirmed,
                    }
                    for f in rules.after
                ],
                "checks": [
                    {
                        "kind": c.kind,
                        "every_months": c.every_months,
                        "source": c.source,
                    }
                    for c in rules.checks
                ],
            }
            for rules in ruleset.kinds.values()
        ]
