# One image for the bot and the worker; the worker needs the local model extra.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ragtime ragtime
COPY bot bot
COPY worker worker
COPY migrations migrations
COPY alembic.ini ./
# torch is pinned (torch==2.13.0); point pip at a CPU-only wheel index (PIP_EXTRA_INDEX_URL)
# when building, or the default index brings the much larger CUDA build.
ARG PIP_EXTRA_INDEX_URL
RUN pip install --no-cache-dir '.[local,aws,weaviate]'
ENV RAGTIME_DATA_DIR=/data HF_HUB_OFFLINE=1
