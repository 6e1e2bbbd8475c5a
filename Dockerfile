# The fsapp controller. Speech needs espeak-ng and sox; everything else is Python.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-all \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 fsapp

WORKDIR /opt/fsapp
COPY setup.cfg pyproject.toml README.md cli.py ./
COPY fsapp ./fsapp
RUN pip install --no-cache-dir '.[postgres]'
COPY conf ./conf
COPY ivr_scripts ./ivr_scripts
COPY sounds ./sounds

RUN mkdir -p var recordings sounds/tts && chown -R fsapp:fsapp var recordings sounds
USER fsapp

# Configuration: mount conf/fsapp.yaml or use FSAPP_* variables (FSAPP_SWITCH_HOST, FSAPP_DATABASE_URL, ...).
ENV FSAPP_API_LISTEN=0.0.0.0
EXPOSE 8088
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["fsapp", "fs", "status", "--timeout", "3"]
CMD ["fsapp", "run"]
