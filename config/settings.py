"""Vitrine settings: one module, driven by the environment (see the README's table).

With no environment at all this runs the embedded default (SQLite and a filesystem broker in
var/, sandboxes for Discord and Mercado Pago). Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, FERNET_KEYS and the provider credentials.
"""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path

from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from config import env
from config.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DEBUG", False)
# HTTPS hardening (redirects, secure cookies, HSTS) is on whenever DEBUG is off, unless a test
# or a plain-HTTP local run turns it off explicitly.
HTTPS = env.boolean("HTTPS", not DEBUG)
# Requests a shop points us at (fulfillment URL, SMM panel, webhooks) may reach private,
# loopback and link-local addresses only when this is on (config/egress.py): tests and the
# local sandboxes of `make run`.
EGRESS_ALLOW_PRIVATE = env.boolean("EGRESS_ALLOW_PRIVATE", DEBUG)

_secret_key = env.secret("SECRET_KEY")
SECRET_KEY_FROM_VAR = not _secret_key
SECRET_KEY = _secret_key or env.persisted_dev_value(
    VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50)
)
FERNET_KEYS_FROM_VAR = not env.secret("FERNET_KEYS")
FERNET_KEYS = env.fernet_keys(
    "FERNET_KEYS",
    [env.persisted_dev_value(VAR_DIR / "fernet_key", lambda: Fernet.generate_key().decode())]
    if FERNET_KEYS_FROM_VAR
    else [],
)

ALLOWED_HOSTS = env.str_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.str_list("CSRF_TRUSTED_ORIGINS", [])
PUBLIC_URL = env.url("PUBLIC_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # the admin theme (templates before django.contrib.admin)
    "unfold.contrib.filters",
    "admin_panel.apps.VitrineAdminConfig",  # replaces django.contrib.admin with our AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_prometheus",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.discord",
    "axes",
    "audit",
    "tenants",
    "catalog",
    "sales",
    "payments",
    "wallet",
    "runtime",
    "billing",
    "growth",
    "disputes",
    "memberships",
    "trust",
    "credit",
    "affiliates",
    "smm",
    "developer",
    "portal",
    "admin_panel",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.LanguageMiddleware",
    # NUL in a URL or query: refused before any view, in the user's language and session.
    "config.boundaries.BoundaryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "billing.context.billing",
            ],
        },
    },
]

DATABASES = {
    "default": env.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'vitrine.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.integer("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Embedded default: web, worker and beat write one file. WAL lets readers go on while one
    # writes; IMMEDIATE transactions take the write lock up front and wait for it (timeout)
    # instead of failing mid-transaction with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    # Shared by web, worker and beat (a per-process cache would hide beat's heartbeat and every
    # other cross-process flag from the web); a directory in VAR_DIR needs no server.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "account_login"

# Repeated failed sign-ins (admin and email) lock the account+IP pair out for a while.
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "tenants.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# --- allauth: Discord is the main sign-in; email + password stays for operators -------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_ALLOW_REGISTRATION = env.boolean("ACCOUNT_ALLOW_REGISTRATION", False)
ACCOUNT_ADAPTER = "tenants.auth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "tenants.auth.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

DISCORD_CLIENT_ID = env.string("DISCORD_CLIENT_ID", "")
DISCORD_CLIENT_SECRET = env.secret("DISCORD_CLIENT_SECRET", "") or ""
DISCORD_API_BASE_URL = env.url("DISCORD_API_BASE_URL", "https://discord.com/api")
DISCORD_OAUTH_AUTHORIZE_URL = env.url(
    "DISCORD_OAUTH_AUTHORIZE_URL", "https://discord.com/oauth2/authorize"
)
SOCIALACCOUNT_PROVIDERS = {
    "discord": {
        "SCOPE": ["identify", "email", "guilds"],
        "APPS": (
            [{"client_id": DISCORD_CLIENT_ID, "secret": DISCORD_CLIENT_SECRET, "key": ""}]
            if DISCORD_CLIENT_ID
            else []
        ),
    }
}

# --- Mercado Pago -----------------------------------------------------------------------------
MERCADOPAGO_ACCESS_TOKEN = env.secret("MERCADOPAGO_ACCESS_TOKEN", "") or ""
MERCADOPAGO_PUBLIC_KEY = env.string("MERCADOPAGO_PUBLIC_KEY", "")
MERCADOPAGO_WEBHOOK_SECRET = env.secret("MERCADOPAGO_WEBHOOK_SECRET", "") or ""
MERCADOPAGO_API_BASE_URL = env.url("MERCADOPAGO_API_BASE_URL", "https://api.mercadopago.com")
MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS = env.integer("MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS", 300,
                                                    minimum=1)
MERCADOPAGO_IPN_ALLOW_UNSIGNED = env.boolean("MERCADOPAGO_IPN_ALLOW_UNSIGNED", False)
# MERCADOPAGO_API_BASE_URL is the sandbox emulator (make run): pages and the bot offer
# "Simulate payment", which approves through the sandbox's control API. Never on a real account.
MERCADOPAGO_SANDBOX = env.boolean("MERCADOPAGO_SANDBOX", False)
# The marketplace application shop owners connect their own Mercado Pago account to (OAuth,
# payments/connect.py). Both set: Settings -> Payments offers "Connect Mercado Pago".
MERCADOPAGO_CLIENT_ID = env.string("MERCADOPAGO_CLIENT_ID", "")
MERCADOPAGO_CLIENT_SECRET = env.secret("MERCADOPAGO_CLIENT_SECRET", "") or ""
MERCADOPAGO_OAUTH_AUTHORIZE_URL = env.url("MERCADOPAGO_OAUTH_AUTHORIZE_URL",
                                          "https://auth.mercadopago.com/authorization")
# Refresh a seller's token this long before it expires (MP tokens live 180 days).
MERCADOPAGO_OAUTH_REFRESH_BEFORE_DAYS = env.integer("MERCADOPAGO_OAUTH_REFRESH_BEFORE_DAYS", 30,
                                                    minimum=1)
# Stripe (card payments via Checkout Sessions; payments/providers/stripe_checkout.py).
# STRIPE_WEBHOOK_SECRETS is comma-separated: every one is accepted, so a secret can be rolled.
STRIPE_SECRET_KEY = env.secret("STRIPE_SECRET_KEY", "") or ""
STRIPE_WEBHOOK_SECRETS = env.secret("STRIPE_WEBHOOK_SECRETS", "") or ""
STRIPE_API_BASE_URL = env.url("STRIPE_API_BASE_URL", "https://api.stripe.com")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.integer("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300,
                                               minimum=1)
# How long a web process trusts a "drain pending" flag it saw before asking Redis again
# (payments.ingest.Ingest.kick); 0 asks on every acknowledgement.
PAYMENTS_DRAIN_TRUST_MS = env.integer("PAYMENTS_DRAIN_TRUST_MS", 100, minimum=0)
# How long a drain keeps polling for new events after its last find (payments.tasks
# .drain_webhook_events): under steady traffic an event waits one 10 ms poll; 0 turns it off.
PAYMENTS_DRAIN_LINGER_MS = env.integer("PAYMENTS_DRAIN_LINGER_MS", 250, minimum=0)
PAYMENTS_RECONCILE_AFTER_SECONDS = env.integer("PAYMENTS_RECONCILE_AFTER_SECONDS", 180, minimum=10)

# --- Bot runtime ------------------------------------------------------------------------------
RUNTIME_BACKEND = env.choice("RUNTIME_BACKEND", "process", ("process", "docker", "swarm"))
BILLING_TRIAL_DAYS = env.integer("BILLING_TRIAL_DAYS", 3, minimum=0)
# How long after a delivery the buyer is asked for a review (0: at once); trust's beat sweep
# sends the requests that came due.
TRUST_REVIEW_DELAY_MINUTES = env.integer("TRUST_REVIEW_DELAY_MINUTES", 60, minimum=0)
BILLING_GRACE_DAYS = env.integer("BILLING_GRACE_DAYS", 2, minimum=0)
RUNTIME_BOT_IMAGE = env.string("RUNTIME_BOT_IMAGE", "vitrine-bot:latest")
DOCKER_HOST = env.string("DOCKER_HOST", "unix:///var/run/docker.sock")
# The network bot containers join (docker, swarm backends). Empty: "<namespace>-bots", a bridge
# the controller creates with inter-container traffic off. "host": the host's own network, for
# tests and the local sandbox only (check runtime.E001 refuses it when DEBUG is off).
RUNTIME_BOT_NETWORK = env.string("RUNTIME_BOT_NETWORK", "")
# Its subnet (e.g. 10.213.0.0/24), so a host firewall can name it; empty lets Docker choose.
RUNTIME_BOT_SUBNET = env.string("RUNTIME_BOT_SUBNET", "")
# swarm: a spread preference over this node label (e.g. vitrine.zone). Empty by default: Swarm
# then puts each new bot on the node running the fewest tasks, which spreads one-replica
# services evenly; a preference spreads only a service's own replicas and sends each one-replica
# bot to a zone picked at random (deploy/README.md, "Running on a Swarm cluster").
RUNTIME_SWARM_SPREAD_LABEL = env.string("RUNTIME_SWARM_SPREAD_LABEL", "")
# Where the docker backend writes each bot's token files (bind-mounted read-only into it);
# empty: VAR_DIR/bot-secrets. Put it on a tmpfs (e.g. /run/vitrine/bot-secrets).
RUNTIME_SECRETS_DIR = env.string("RUNTIME_SECRETS_DIR", "")

# --- Operators' admin: django-unfold, the ops overview as its dashboard -------------------------
UNFOLD = {
    "SITE_TITLE": _("Vitrine admin"),
    "SITE_HEADER": _("Vitrine operations"),
    "SITE_SUBHEADER": _("Platform operations"),
    "SITE_SYMBOL": "storefront",
    "SITE_URL": "/app/",
    "SITE_FAVICONS": [{"rel": "icon", "type": "image/svg+xml",
                       "href": "admin_panel.site.favicon_url"}],
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "BORDER_RADIUS": "8px",
    "STYLES": ["admin_panel.site.ops_css_url"],
    "COLORS": {"primary": {  # the portal's indigo (#5b5bf6 at 500)
        "50": "238, 238, 254", "100": "224, 224, 253", "200": "197, 197, 251",
        "300": "163, 163, 249", "400": "125, 125, 247", "500": "91, 91, 246",
        "600": "67, 67, 224", "700": "52, 52, 184", "800": "43, 43, 148", "900": "37, 37, 118",
        "950": "20, 18, 58"}},
    "SIDEBAR": {"show_search": True, "show_all_applications": True,
                "navigation": "admin_panel.site.sidebar_navigation"},
}

# --- i18n: Brazilian first, English complete ----------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.string("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "vitrine_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files: built locally, served by whitenoise ------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.boolean("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env.boolean("WHITENOISE_USE_FINDERS", DEBUG)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Celery: JSON only, three queues, time limits, beat schedule -------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # With late acks a message a worker took stays in Redis until the task ends; when the
    # worker's host dies, it goes back to the queue after this many seconds. Above every task's
    # hard time limit (600 s at most), so a live worker's task is never handed to a second one;
    # the claims make a redelivered task that was in fact done harmless, and the deliveries'
    # claim sweeper re-enqueues a dead worker's claim sooner (sales/fulfillment/services.py).
    # kombu scans for such messages every 10 s times a throttle of 10; a throttle of 1 makes
    # it every 10 s (one small sorted-set read per worker).
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        "unacked_restore_throttle": 1}
else:
    # kombu's filesystem transport: the embedded default needs no broker server.
    CELERY_BROKER_URL = "filesystem://"
    _broker = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        # Fanout bindings (worker pidboxes): `celery inspect ping` and the diagnostics page's
        # worker ping work on the embedded broker too.
        "control_folder": str(_broker / "control"),
        "store_processed": False,
        # kombu polls the folder (default every 1 s, per hop: webhook -> apply -> deliver);
        # a directory listing every 20 ms keeps approval -> DM well under a second.
        "polling_interval": env.integer("CELERY_BROKER_POLL_MS", 20, minimum=1) / 1000,
    }
CELERY_BROKER_URL = env.secret("CELERY_BROKER_URL") or CELERY_BROKER_URL
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"  # atomic message files
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "fulfillment", "runtime")
# Routes by module: a task lands on its queue wherever it is called from.
CELERY_TASK_ROUTES = {
    "sales.tasks.deliver*": {"queue": "fulfillment"},
    "sales.tasks.role_*": {"queue": "fulfillment"},
    "trust.tasks.review_*": {"queue": "fulfillment"},
    # Growth's Discord calls (reminders, feed, roles, welcomes) share fulfillment's queue.
    "growth.tasks.recovery_send": {"queue": "fulfillment"},
    "growth.tasks.feed_flush": {"queue": "fulfillment"},
    "growth.tasks.role_grant": {"queue": "fulfillment"},
    "growth.tasks.welcome_send": {"queue": "fulfillment"},
    "memberships.tasks.member_job*": {"queue": "fulfillment"},
    "runtime.tasks.*": {"queue": "runtime"},
    "*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "platform-heartbeat": {
        "task": "admin_panel.tasks.record_beat",
        "schedule": crontab(minute="*"),
    },
}
# Each app keeps its periodic tasks next to its code, in <app>/beat.py (plain data, no models).
for _app in ("catalog", "sales", "payments", "wallet", "runtime", "billing", "growth",
             "memberships", "trust", "affiliates", "smm", "developer"):
    CELERY_BEAT_SCHEDULE |= importlib.import_module(f"{_app}.beat").SCHEDULE

# --- APIs -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Strict JSON (config.boundaries.json_loads): bad UTF-8, NUL, NaN, deep nesting are a 400.
    "DEFAULT_PARSER_CLASSES": ["config.boundaries.StrictJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    # The public shop API: requests per API key (developer.api.PerKeyThrottle).
    "DEFAULT_THROTTLE_RATES": {"public_api": env.string("PUBLIC_API_RATE", "120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vitrine API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "Bot API for tenant sales bots (Bearer instance token).",
    # Swagger UI from the sidecar package: served by whitenoise, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logs, metrics, errors -----------------------------------------------------------------------
LOG_LEVEL = env.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOG_FORMAT = env.choice("LOG_FORMAT", "console" if DEBUG else "json", ("json", "console"))
LOGGING = build_logging(json_lines=LOG_FORMAT == "json", level=LOG_LEVEL)
METRICS_TOKEN = env.secret("METRICS_TOKEN", "") or ""
SENTRY_DSN = env.secret("SENTRY_DSN", "") or ""
if SENTRY_DSN:
    import sentry_sdk

    # No personal data leaves for Sentry; tokens in messages are scrubbed by config.logging.
    sentry_sdk.init(dsn=SENTRY_DSN, send_default_pii=False,
                    traces_sample_rate=env.integer("SENTRY_TRACES_PERCENT", 0, minimum=0) / 100)

# --- Demo (make run) ------------------------------------------------------------------------------
DEMO_OPERATOR_EMAIL = "admin@vitrine.local"
DEMO_OWNER_EMAIL = "dono@vitrine.local"
DEMO_PASSWORD = "vitrine-demo"
