# Web / worker / beat image (gunicorn + whitenoise; Celery from the same image).
# BASE_IMAGE: python:3.11-slim in production; a locally built Debian base where no registry is
# reachable (deploy/build_web_image.sh). The build needs no network: wheels come from the
# context's wheels/ directory.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
COPY wheels/ /tmp/wheels/
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --no-cache-dir --find-links /tmp/wheels \
       -r /tmp/requirements.txt
WORKDIR /app
COPY . /app
# Static files are collected at build time (hashed names, compressed) and served by whitenoise.
RUN SECRET_KEY=build-only FERNET_KEYS=cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4= \
    VAR_DIR=/tmp/var /opt/venv/bin/python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/var && mv /tmp/var/static /app/var/static

FROM ${BASE_IMAGE}
RUN (getent passwd vitrine >/dev/null || useradd --create-home --uid 10002 --user-group \
     --shell /usr/sbin/nologin vitrine)
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=vitrine:vitrine /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings
USER vitrine
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
