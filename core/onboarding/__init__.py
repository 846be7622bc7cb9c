"""Onboarding as a region admin does it: regions, communes and their status,
through the API and the CLI, both behind permissions (rules in tenants)."""
