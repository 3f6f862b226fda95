# Bilang Karyo: slim image, non-root, guides and data as volumes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BILANG_KARYO_HOST=0.0.0.0 \
    BILANG_KARYO_PORT=8000 \
    BILANG_KARYO_GUIDES=/app/guides \
    BILANG_KARYO_OFFICE=/app/office.toml \
    BILANG_KARYO_DATA=/app/data

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bilang

# Tesseract reads scanned guides (their text version); Indonesian and English data.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*

# The locked dependencies first, so code changes don't reinstall them.
COPY requirements.lock ./
RUN pip install --no-compile -r requirements.lock

COPY pyproject.toml README.md ./
COPY server ./server
COPY pwa ./pwa
COPY guides ./guides
COPY office.toml ./
# Editable install: the package finds pwa/ and guides/ beside itself.
RUN pip install --no-deps -e . \
 && mkdir -p /app/data \
 && chown -R bilang:bilang /app/guides /app/data

USER bilang
VOLUME ["/app/guides", "/app/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1

CMD ["bilang-karyo", "serve"]
