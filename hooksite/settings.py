"""Settings for the Event Hooks Console.

Every setting comes from the environment with a safe default: production
behaviour (DEBUG off) unless DJANGO_DEBUG=1 asks for development mode, which
`make run` does, so that it works on a fresh machine with no services: SQLite
(WAL) and django-q2's ORM broker. PostgreSQL (`DATABASE_URL`) and Redis
(`HOOKS_REDIS_URL`) switch the same code to the scale-out stack.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url

from hooksite.env import (
    check_secret_key,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    parse_duration,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Production unless asked otherwise: a deploy that forgets a variable must fail safe.
# `make run` and the test suite (tests/settings.py) set DJANGO_DEBUG=1 themselves.
DEBUG = env_bool("DJANGO_DEBUG", False)
# A fixed development key keeps sessions valid across restarts of `make run`. It is
# public, and it also derives the key that encrypts secrets at rest, so outside
# development mode it is refused (check_secret_key) rather than merely warned about.
INSECURE_DEV_SECRET_KEY = "django-insecure-event-hooks-console-development-key-do-not-use"
SECRET_KEY = check_secret_key(
    env_str("DJANGO_SECRET_KEY", INSECURE_DEV_SECRET_KEY), INSECURE_DEV_SECRET_KEY, debug=DEBUG
)
# Old keys still decrypt stored secrets after a rotation (see hooks/lib/encryption.py).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    # Here, between the two: whitenoise's runserver wraps ours (hooks/management/commands/
    # runserver.py, which records the served address for workers), and ours staticfiles'.
    # Before django_q: hooks' `qcluster` (an orderly stop on a group SIGTERM,
    # hooks/management/commands/qcluster.py) replaces django_q's.
    "hooks",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hooks.api.middleware.OktaApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hooks.systemlog.auth_events.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "hooksite.urls"
WSGI_APPLICATION = "hooksite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = env_str("HOOKS_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        # Persistent connections: the ORM broker otherwise reconnects on every
        # enqueue and dequeue (reference/perf-limits.md: ~540/s -> ~4,000/s).
        conn_max_age=None,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while a worker writes; IMMEDIATE takes the
        # write lock up front so concurrent writers queue instead of failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    # A file, not memory, because integration tests run real qcluster processes on it;
    # one per test run, so that parallel runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"hooks-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email (password reset) ---------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The password-reset pages are mounted only when mail can be sent: EMAIL_HOST is set.
HOOKS_PASSWORD_RESET = env_bool("HOOKS_PASSWORD_RESET", "EMAIL_HOST" in os.environ)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hooks.api.authentication.SswsTokenAuthentication",
        "hooks.api.authentication.ConsoleSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hooks.api.permissions.IsSuperAdmin"],
    "DEFAULT_THROTTLE_CLASSES": ["hooks.api.throttling.PerTokenRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["hooks.api.parsers.OktaJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "hooks.api.errors.okta_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Event Hooks Console API",
    "DESCRIPTION": (
        "Okta-compatible `/api/v1/eventHooks` plus extensions: System Log, event catalog, "
        "deliveries, preview. Authenticate with `Authorization: SSWS <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "apiToken": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "SSWS {API token}",
            }
        }
    },
    "SECURITY": [{"apiToken": []}],
}

# --- Event hooks --------------------------------------------------------------
# Base URL used in `_links`, envelope `source` and console links; empty means
# "take it from the request" (and from the first request seen, for workers).
HOOKS_ORG_URL = env_str("HOOKS_ORG_URL", "").rstrip("/")
HOOKS_MAX_ACTIVE = env_int("HOOKS_MAX_ACTIVE", 25)
HOOKS_MAX_EVENT_TYPES = env_int("HOOKS_MAX_EVENT_TYPES", 300)
HOOKS_MAX_BATCH = env_int("HOOKS_MAX_BATCH", 50)
# Bytes of one envelope's body at most (an event larger than this goes alone): common
# receiver frameworks refuse bodies above 100 kB (Express's body-parser by default).
HOOKS_MAX_BATCH_BYTES = env_int("HOOKS_MAX_BATCH_BYTES", 96_000)
# Deliveries (envelopes) one worker claims in one transaction and then sends in turn.
HOOKS_CLAIM_DELIVERIES = env_int("HOOKS_CLAIM_DELIVERIES", 10)
HOOKS_DELIVERY_TIMEOUT = env_float("HOOKS_DELIVERY_TIMEOUT", 3.0)
HOOKS_USER_AGENT = env_str("HOOKS_USER_AGENT", "Okta-Integrations")
HOOKS_RESPONSE_EXCERPT_BYTES = env_int("HOOKS_RESPONSE_EXCERPT_BYTES", 4096)
# Response headers kept per attempt: at most this many, and this many bytes in all.
HOOKS_RESPONSE_HEADERS_MAX = env_int("HOOKS_RESPONSE_HEADERS_MAX", 50)
HOOKS_RESPONSE_HEADERS_MAX_BYTES = env_int("HOOKS_RESPONSE_HEADERS_MAX_BYTES", 8192)
HOOKS_FILTER_MAX_LENGTH = env_int("HOOKS_FILTER_MAX_LENGTH", 1024)
HOOKS_FILTER_MAX_STEPS = env_int("HOOKS_FILTER_MAX_STEPS", 100_000)  # list elements per event
HOOKS_FILTER_BACKTEST_MAX_STEPS = env_int("HOOKS_FILTER_BACKTEST_MAX_STEPS", 1_000_000)
HOOKS_LOG_SCAN_LIMIT = env_int("HOOKS_LOG_SCAN_LIMIT", 20_000)  # System Log rows per request
# Sources (hooks/sources/): bodies the ingest URL accepts, and how System Log readers poll.
HOOKS_INGEST_MAX_BYTES = env_int("HOOKS_INGEST_MAX_BYTES", 5_000_000)
HOOKS_SOURCE_MAX_BODY = env_int("HOOKS_SOURCE_MAX_BODY", 10_000_000)  # one System Log page
HOOKS_SOURCE_TIMEOUT = env_float("HOOKS_SOURCE_TIMEOUT", 30.0)  # one page, whole request
HOOKS_SOURCE_PAGE_LIMIT = env_int("HOOKS_SOURCE_PAGE_LIMIT", 1000)
# Wait before following the link of an empty page (Okta: poll, do not spin).
HOOKS_SOURCE_POLL_INTERVAL = env_float("HOOKS_SOURCE_POLL_INTERVAL", 10.0)
# One read task reads for at most this long, then hands over to a new task (django-q2
# kills tasks after its timeout, 120 s); it holds the source by a lease renewed per page.
HOOKS_SOURCE_READ_SECONDS = env_float("HOOKS_SOURCE_READ_SECONDS", 45.0)
HOOKS_SOURCE_LEASE_SECONDS = env_float("HOOKS_SOURCE_LEASE_SECONDS", 90.0)
# Sign-ins, user and group changes in this console become System Log events.
HOOKS_AUTH_EVENTS = env_bool("HOOKS_AUTH_EVENTS", True)
# Outbound requests may only reach public addresses, except these networks.
# In development loopback is allowed so that a local receiver works.
HOOKS_ALLOWED_NETWORKS = env_list(
    "HOOKS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"] if DEBUG else []
)
# Networks of the reverse proxies in front of the console: from them, the client's address
# is read from X-Forwarded-For (hooks.lib.client_address). Empty: trust none.
HOOKS_TRUSTED_PROXIES = env_list("HOOKS_TRUSTED_PROXIES", [])
# Ports outbound requests may use, on every destination: ports and inclusive ranges.
HOOKS_ALLOWED_PORTS = env_list("HOOKS_ALLOWED_PORTS", ["80", "443", "1024-65535"])
# Delays before each retry, in seconds: Okta's immediate retry, then backoff over ~22 h.
# The sweeper runs once a minute, so delays under a minute round up to it.
HOOKS_RETRY_SCHEDULE = [
    parse_duration(step)
    for step in env_list("HOOKS_RETRY_SCHEDULE", ["0", "1m", "5m", "15m", "1h", "3h", "6h", "12h"])
]
# A hook failing without one success for this long is deactivated.
HOOKS_AUTO_DISABLE_AFTER = parse_duration(env_str("HOOKS_AUTO_DISABLE_AFTER", "3d"))
HOOKS_LEASE_SECONDS = env_int("HOOKS_LEASE_SECONDS", 60)
# While a hook is failing its oldest waiting delivery is tried this often (the sweeper,
# every minute, starts the probes), whatever HOOKS_RETRY_SCHEDULE says: hooks/delivery/recovery.py.
HOOKS_PROBE_INTERVAL = env_int("HOOKS_PROBE_INTERVAL", 60)
# A healthy hook's last success is written at most this often (seconds; 0 = every delivery).
HOOKS_HEALTH_WRITE_INTERVAL = env_float("HOOKS_HEALTH_WRITE_INTERVAL", 1.0)
HOOKS_SIGNING_SECRET_GRACE = parse_duration(env_str("HOOKS_SIGNING_SECRET_GRACE", "24h"))
HOOKS_API_RATE_LIMIT = env_int("HOOKS_API_RATE_LIMIT", 600)  # requests per minute per token
# Sign-in throttling (console and admin login): failures allowed per attempted username and
# per client address within the window, counted in the database shared by all web processes.
HOOKS_LOGIN_FAILURES_PER_USERNAME = env_int("HOOKS_LOGIN_FAILURES_PER_USERNAME", 5)
HOOKS_LOGIN_FAILURES_PER_ADDRESS = env_int("HOOKS_LOGIN_FAILURES_PER_ADDRESS", 20)
HOOKS_LOGIN_FAILURE_WINDOW = parse_duration(env_str("HOOKS_LOGIN_FAILURE_WINDOW", "15m"))
HOOKS_RETENTION_EVENTS = parse_duration(env_str("HOOKS_RETENTION_EVENTS", "90d"))
HOOKS_RETENTION_DELIVERIES = parse_duration(env_str("HOOKS_RETENTION_DELIVERIES", "30d"))
# Attempts (request/response headers and excerpts) may go before their deliveries; never after.
HOOKS_RETENTION_ATTEMPTS = parse_duration(
    env_str("HOOKS_RETENTION_ATTEMPTS", env_str("HOOKS_RETENTION_DELIVERIES", "30d"))
)
# Purge: primary-key range per transaction (small, so the database is never held for long).
HOOKS_PURGE_BATCH = env_int("HOOKS_PURGE_BATCH", 1000)
# /healthz: a worker heartbeat older than STALE reads "stale" (still 200), older than DEAD 503.
HOOKS_HEARTBEAT_STALE = parse_duration(env_str("HOOKS_HEARTBEAT_STALE", "3m"))
HOOKS_HEARTBEAT_DEAD = parse_duration(env_str("HOOKS_HEARTBEAT_DEAD", "5m"))
# /metrics: bearer token for scrapers. Required with DEBUG off (system check hooks.E001);
# empty leaves /metrics open in development mode only.
HOOKS_METRICS_TOKEN = env_str("HOOKS_METRICS_TOKEN", "")
# /api/v1/schema and /api/v1/docs: with DEBUG off only for super admins and API tokens,
# unless this makes them public.
HOOKS_PUBLIC_API_DOCS = env_bool("HOOKS_PUBLIC_API_DOCS", False)
# /metrics: the "recent" gauges and the latency histogram cover this much time.
HOOKS_METRICS_WINDOW = parse_duration(env_str("HOOKS_METRICS_WINDOW", "5m"))

# --- django-q2 ----------------------------------------------------------------
HOOKS_REDIS_URL = env_str("HOOKS_REDIS_URL", "")
# Three: deliveries wait on the network, and with HOOKS_MAX_SENDERS_PER_HOOK (workers - 1)
# a single busy hook still has two senders while a failing one leaves a worker free.
_Q_WORKERS = env_int("HOOKS_Q_WORKERS", 3)
Q_CLUSTER = {
    "name": env_str("HOOKS_Q_NAME", "hooks"),
    "workers": _Q_WORKERS,
    # Measured in reference/perf-limits.md: saving every result costs 7-10x
    # throughput, and results live in our own Delivery rows anyway. The HOOKS_Q_*
    # variables exist so that bench/bench_delivery.py can measure other values.
    "save_limit": env_int("HOOKS_Q_SAVE_LIMIT", -1),
    "ack_failures": True,
    "max_attempts": 1,
    "recycle": env_int("HOOKS_Q_RECYCLE", 5000),
    "queue_limit": env_int("HOOKS_Q_QUEUE_LIMIT", 50),
    "timeout": 120,
    "retry": 180,
    "catch_up": False,
    "label": "Task queue",
    "poll": env_float("HOOKS_Q_POLL", 0.02),
    "bulk": env_int("HOOKS_Q_BULK", 10),
    "sync": env_bool("HOOKS_Q_SYNC", False),
}
# Tasks sending one hook's events at a time, at most: by default every worker but one, so that
# a hook whose endpoint stopped answering never holds every worker (delivery/sender_slots.py).
HOOKS_MAX_SENDERS_PER_HOOK = env_int("HOOKS_MAX_SENDERS_PER_HOOK", max(1, _Q_WORKERS - 1))
if HOOKS_REDIS_URL:
    Q_CLUSTER["redis"] = HOOKS_REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HOOKS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-q2 logs two lines per task at INFO: too chatty at thousands of tasks/s.
        "django-q": {"level": env_str("HOOKS_Q_LOG_LEVEL", "WARNING")},
    },
}

if os.environ.get("HOOKS_TESTING"):
    # A queue of its own per test run: runs on one machine never take each other's tasks.
    Q_CLUSTER["name"] = env_str("HOOKS_Q_NAME", f"hooks-test-{os.getpid()}")
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
