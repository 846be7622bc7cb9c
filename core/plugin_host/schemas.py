"""What the plugin API accepts and returns."""

from __future__ import annotations

import marshmallow as ma


class PluginSchema(ma.Schema):
    name = ma.fields.String()
    title_vi = ma.fields.String()
    title_en = ma.fields.String()
    version = ma.fields.String()
    description = ma.fields.String()
    settings_fields = ma.fields.List(ma.fields.String())


class InstalledSchema(ma.Schema):
    plugins = ma.fields.List(ma.fields.Nested(PluginSchema))
    failed = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Plugins left out at start-up, and why"},
    )


class CommunePluginSchema(PluginSchema):
    enabled = ma.fields.Boolean()
    settings = ma.fields.Dict()


class SwitchSchema(ma.Schema):
    enabled = ma.fields.Boolean(required=True)
    settings = ma.fields.Dict(load_default=None)

    class Meta:
        unknown = ma.RAISE
