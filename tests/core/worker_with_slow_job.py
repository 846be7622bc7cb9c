"""A real RQ worker process for tests/core/test_jobs.py, with one extra job.

The job ``tests.slow`` writes its process id to a marker file and then
waits, so that the test can kill the work horse in the middle of it. When it
runs again and finds the marker, it finishes at once by writing a hamlet,
which is its effect. Configured entirely by BINHYEN_* variables and
MARKER_PATH.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from core.app import create_app
from core.hamlets import service as hamlet_service
from core.jobs import runner
from core.jobs.worker import make_worker
from core.plugin_host.contributions import JobDefinition

MARKER = Path(os.environ["MARKER_PATH"])


def slow(session: Any, commune: Any, name: str) -> None:
    if not MARKER.exists():
        MARKER.write_text(str(os.getpid()))
        time.sleep(120)  # killed long before this ends
    hamlet_service.create(session, {"name": name, "kind": "xom"})


def main() -> None:
    app = create_app()
    app.extensions["binhyen.jobs"].add(JobDefinition("tests.slow", slow), None)
    runner.bind_app(app)
    worker = make_worker(app.extensions["binhyen.redis"])
    worker.work(with_scheduler=True, logging_level="WARNING")


if __name__ == "__main__":
    sys.exit(main())
