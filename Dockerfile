# The one image of Bình Yên: web (the default command), worker, scheduler and
# migrations are the same image started with different commands:
#   gunicorn --config python:core.gunicorn_conf      (default)
#   binhyen worker | binhyen scheduler | binhyen db upgrade
# Build: docker build -t binhyen:0.1.0 .

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# -- stage 1: build the wheels of Bình Yên and of everything it needs -------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY tenants ./tenants
COPY plugins ./plugins
COPY migrations ./migrations
RUN pip wheel --wheel-dir /wheels .

# -- stage 2: install those wheels, nothing else, and run as nobody in particular
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    BINHYEN_LOG_FORMAT=json \
    BINHYEN_INSTANCE_PATH=/tmp/binhyen \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 binhyen \
 && useradd --system --uid 10001 --gid binhyen --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin binhyen
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels binhyen \
 && rm -rf /wheels
# Numeric, so that Kubernetes can check runAsNonRoot without a passwd file.
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
CMD ["gunicorn", "--config", "python:core.gunicorn_conf"]
