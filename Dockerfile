# recotrack: a slim runtime image; migrations run at start, then uvicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RECOTRACK_DATABASE_URL=sqlite:////data/recotrack.db

WORKDIR /srv/recotrack

# Runtime dependencies only, pinned and hash-checked; no dev tools in the image.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml alembic.ini README.md ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /srv/recotrack recotrack \
    && mkdir -p /data && chown recotrack /data

USER recotrack
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "recotrack db upgrade && exec recotrack serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
