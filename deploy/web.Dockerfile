# Web image (gunicorn + whitenoise). Built offline: BASE_IMAGE is a local Debian/Python base.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt

FROM ${BASE_IMAGE}
RUN useradd --create-home --uid 10001 vitrine
WORKDIR /app
COPY --from=build /venv /venv
COPY . .
ENV PATH=/venv/bin:$PATH DJANGO_SETTINGS_MODULE=config.settings
RUN SECRET_KEY=build FERNET_KEYS=cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4= \
    python manage.py collectstatic --no-input -v 0
USER vitrine
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
