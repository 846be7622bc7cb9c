"""Alembic environment and core's revisions (plugins keep theirs in their package)."""
