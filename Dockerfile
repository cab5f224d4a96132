# One image for every process of the platform (ingest, workers, sinks, webhooks, API);
# docker-compose picks the process with the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    MCA_HOME=/var/lib/mca

RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng libgl1 libglib2.0-0 curl \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /var/lib/mca mca
WORKDIR /app
COPY pyproject.toml README.md ./
COPY infra ./infra
COPY schemas ./schemas
COPY streams ./streams
COPY consumers ./consumers
COPY api ./api
COPY ingest ./ingest
RUN pip install --no-cache-dir .

USER mca
ENTRYPOINT ["mca"]
CMD ["--help"]
