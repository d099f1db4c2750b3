# syntax=docker/dockerfile:1
# Readiness: one image for web (gunicorn), worker and beat (the command differs; see
# docker-compose.yml). Two stages: the build stage installs the locked dependencies into a
# virtualenv and collects the static files; the runtime stage copies only those and the code,
# with no compiler or package cache, and runs as an unprivileged user who owns /app.

FROM python:3.11.14-slim-bookworm AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# Every wheel is pinned by hash; --no-deps because the lock already lists every dependency.
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/requirements.lock
WORKDIR /src
COPY . .
# collectstatic signs nothing and reads no database: a throwaway key for this one command.
RUN SECRET_KEY=collectstatic-only DEBUG=0 STATIC_ROOT=/src/staticfiles \
    /opt/venv/bin/python manage.py collectstatic --noinput -v0

FROM python:3.11.14-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DEBUG=0 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/uploads \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    BEAT_HEARTBEAT_FILE=/tmp/readiness-beat-heartbeat
RUN groupadd --gid 1000 readiness \
    && useradd --uid 1000 --gid readiness --home-dir /app --no-create-home --shell /usr/sbin/nologin readiness
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=readiness:readiness . /app
COPY --from=build --chown=readiness:readiness /src/staticfiles /app/staticfiles
# The uploads directory exists in the image, owned by the app user, so a named volume mounted
# there starts with that owner.
RUN mkdir -p /app/var/uploads && chown -R readiness:readiness /app/var
USER readiness

EXPOSE 8000
# Liveness only (GET /healthz asks nothing of the database or the broker); readiness is
# GET /readyz, for a load balancer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "ops.probe", "http", "http://127.0.0.1:8000/healthz"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
