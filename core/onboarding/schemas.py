"""What the onboarding API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from tenants.models import CommuneStatus, RegionKind


class RegionSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(
        required=True, validate=validate.OneOf([k.value for k in RegionKind])
    )
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    parent = ma.fields.String(
        load_default=None, metadata={"description": "Code of the parent region"}
    )
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class RegionOutSchema(RegionSchema):
    parent_code = ma.fields.Function(
        lambda r: r.parent.code if r.parent else None, data_key="parent"
    )

    class Meta:
        exclude = ("parent",)


class CommuneSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    region = ma.fields.String(
        required=True, metadata={"description": "Code of the region it joins"}
    )
    code = ma.fields.String(
        required=True, metadata={"description": "Official five-digit code"}
    )
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    slug = ma.fields.String(validate=validate.Length(min=1, max=80))
    status = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class CommuneOutSchema(CommuneSchema):
    region_code = ma.fields.Function(lambda c: c.region.code, data_key="region")

    class Meta:
        exclude = ("region",)


class CommunePatchSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    status = ma.fields.String(validate=validate.OneOf([s.value for s in CommuneStatus]))

    class Meta:
        unknown = ma.RAISE


class CommuneQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in CommuneStatus]))
