"""The chart as the deployment tests see it: rendered by Helm's own engine.

helm-python-sdk carries Helm's engine as a shared library inside its wheel,
so rendering, linting and schema checks run offline with no helm binary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
CHART = ROOT / "helm" / "binhyen"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"

Manifest = dict[str, Any]


def render(values: dict[str, Any] | None = None) -> dict[str, list[Manifest]]:
    """Each template's objects, as Helm renders them at install time."""
    import helm_python as helm

    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(
            values or {}, name="binhyen", namespace="binhyen", is_install=True
        )
    return {
        path: [doc for doc in yaml.safe_load_all(text) if doc]
        for path, text in rendered.items()
        if path.endswith(".yaml")
    }


def objects(rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    return [doc for docs in rendered.values() for doc in docs]


def production_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(PRODUCTION_VALUES.read_text())
    return values
