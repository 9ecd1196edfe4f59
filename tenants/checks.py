"""Deploy checks: `manage.py check --deploy` warns while embedded-default secrets are in use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secrets_from_environment(app_configs: Any, **kwargs: Any) -> list[Warning]:
    warnings = []
    if settings.SECRET_KEY_FROM_VAR:
        warnings.append(Warning("SECRET_KEY is not set; using a generated key from var/.",
                                hint="Set SECRET_KEY (or SECRET_KEY_FILE).", id="vitrine.W001"))
    if settings.FERNET_KEYS_FROM_VAR:
        warnings.append(Warning("FERNET_KEYS is not set; using a generated key from var/.",
                                hint="Set FERNET_KEYS (or FERNET_KEYS_FILE).", id="vitrine.W002"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        warnings.append(Warning("SQLite is for the embedded demo only.",
                                hint="Set DATABASE_URL to PostgreSQL.", id="vitrine.W003"))
    return warnings
