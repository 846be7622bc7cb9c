"""Each pytest-xdist worker gets databases of its own.

Under ``pytest -n N`` every worker process runs its share of the tests in
parallel with the others, and the tests empty the tables between them, so
two workers may not share a database or a Redis database. A worker named
``gwK`` uses the database ``<name>_gwK`` and the Redis database ``<db> - K``;
``.ci/run`` creates one database per worker. Without xdist the URLs are used
as given.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url


def worker_index() -> int | None:
    """This process's worker number, or None when the run is not split."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else None


def database_url(url: str) -> str:
    """The worker's own database beside the one ``url`` names."""
    index = worker_index()
    if not url or index is None:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_gw{index}").render_as_string(
        hide_password=False
    )


def redis_url(url: str) -> str:
    """The worker's own Redis database below the one ``url`` names."""
    index = worker_index()
    if not url or index is None:
        return url
    base, _, number = url.rpartition("/")
    if not number.isdigit() or int(number) < index:
        raise RuntimeError(
            f"Give BINHYEN_TEST_REDIS_URL a database number of at least {index} "
            "(such as /15) so that each test worker can take one below it."
        )
    return f"{base}/{int(number) - index}"
