"""What the jobs API returns. Arguments are ids and flags, never personal data."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.jobs.models import JobStatus


class JobSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    arguments = ma.fields.Dict()
    status = ma.fields.Function(lambda job: job.status.value)
    attempts = ma.fields.Integer()
    max_attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)


class JobQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in JobStatus]))
