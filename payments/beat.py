"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # Lost webhooks, PIX past its expiry (cancelled at MP, order expired) and stuck events.
    "payments-reconcile": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Shops' own Mercado Pago tokens, refreshed well before they expire (payments.connect).
    "payments-mp-connections-refresh": {
        "task": "payments.tasks.refresh_mercadopago_connections",
        "schedule": crontab(minute="17"),
        "options": {"expires": 3000},
    },
}
