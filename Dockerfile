# idealoop: `idealoop serve` in a slim image, as a non-root user.
# Build: docker build -t idealoop .   Run: see compose.yml (PostgreSQL, two replicas, a proxy).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# Every version is pinned by constraints.txt (the same pins `make test` installs).
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --prefix=/install -c constraints.txt ".[postgres]"

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 idealoop
COPY --from=build /install /usr/local
USER 10001
WORKDIR /home/idealoop
ENV PORT=3000 PYTHONUNBUFFERED=1
EXPOSE 3000
# GET /healthz answers 200 while the database answers (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('PORT', '3000'); sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4).status == 200 else 1)"]
# `serve` applies migrations on start; with several replicas, compose.yml runs
# `idealoop db upgrade` once first instead.
ENTRYPOINT ["idealoop"]
CMD ["serve"]
