# The fsapp controller. Speech needs espeak-ng and sox; everything else is Python.
# Build from the repository root: docker build -t fsapp .   (deploy/docker-compose.yml does this)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-base \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/fsapp --uid 10001 --shell /usr/sbin/nologin fsapp

WORKDIR /opt/fsapp
# Dependencies first, so code changes do not reinstall them.
COPY setup.cfg pyproject.toml README.md cli.py ./
COPY fsapp ./fsapp
RUN pip install '.[postgres]' && rm -rf build *.egg-info
COPY conf ./conf
COPY dialplans ./dialplans
COPY ivr_scripts ./ivr_scripts
COPY sounds ./sounds

RUN mkdir -p var recordings sounds/tts && chown -R fsapp:fsapp var recordings sounds/tts
USER fsapp

# Configuration: mount conf/fsapp.yaml or use FSAPP_* variables (FSAPP_SWITCH_HOST, FSAPP_DATABASE_URL, ...).
ENV FSAPP_API_LISTEN=0.0.0.0
EXPOSE 8088
STOPSIGNAL SIGTERM
# Healthy while the controller rewrites its heartbeat (var/health.json) and is connected to its switch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["fsapp", "health"]
CMD ["fsapp", "--log-level", "info", "run"]
