"""Communes and the regions above them: model, resolution, isolation, onboarding."""
