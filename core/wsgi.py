"""The WSGI entry point for gunicorn: the app built from BINHYEN_* settings."""

from __future__ import annotations

import logging

from core.app import create_app

logger = logging.getLogger(__name__)

app = create_app()
