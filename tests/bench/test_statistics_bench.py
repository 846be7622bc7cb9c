"""The statistics benchmark runs end to end on a few communes (PostgreSQL:
its generator writes with PostgreSQL's arrays). Nothing here looks at time."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from bench import statistics as bench
from tests.conftest import PG_OWNER_URL, PG_URL


def test_the_benchmark_generates_refreshes_and_measures_three_communes(
    app: Flask, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend != "postgresql":
        pytest.skip("the generator writes with PostgreSQL's unnest")
    arguments = [
        "--communes",
        "3",
        "--people",
        "12",
        "--samples",
        "2",
        "--workers",
        "1",
        "--instance-path",
        str(tmp_path / "bench"),
        "--database-url",
        PG_URL,
        "--migration-database-url",
        PG_OWNER_URL,
    ]
    assert bench.main(arguments) == 0
    printed = capsys.readouterr().out
    assert "generated in" in printed and "persons" in printed
    assert "nightly refresh of 3 communes" in printed
    assert "province dashboard, a quarter" in printed
    assert "province report" in printed and "(done," in printed
