"""The Bình Yên platform: app factory, settings, database, identity, access, API."""

__version__ = "0.1.0"
