# Tenant bot image (`python -m bot`). One container per tenant, run hardened by runtime/.
# BASE_IMAGE: python:3.11-slim in production; a locally built Debian base (debootstrap, see
# deploy/build_bot_image.sh) where no registry is reachable. The build needs no network: wheels
# come from the context's wheels/ directory (pip wheel -r bot/requirements.txt).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}
COPY wheels/ /tmp/wheels/
COPY bot/requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --no-cache-dir --find-links /tmp/wheels \
       -r /tmp/requirements.txt \
    && rm -rf /tmp/wheels /tmp/requirements.txt \
    && (getent passwd bot >/dev/null || useradd --no-create-home --uid 10001 --user-group \
        --shell /usr/sbin/nologin bot)
WORKDIR /app
COPY bot/ /app/bot/
# One host runs a hundred bots (issue 25): an idle bot's memory is almost all Python objects
# made at import. PYTHONOPTIMIZE=2 leaves docstrings (and asserts) out of them, about 1.2 MB a
# bot. The bytecode for that level is made here, once, for the standard library, the venv and
# the bot: the root filesystem is read-only at run time, so a missing .pyc was compiled again
# on every start (CPU that a hundred bots starting together share). MALLOC_ARENA_MAX=2: glibc
# gives each thread (aiohttp's resolver pool) an arena of its own otherwise.
RUN python3 -OO -m compileall -q -j 0 /app/bot /opt/venv/lib \
      "$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONOPTIMIZE=2 \
    MALLOC_ARENA_MAX=2
USER 10001:10001
# Exit 78 (EX_CONFIG) means "bad token or missing intent": the controller does not restart it.
CMD ["python", "-m", "bot"]
