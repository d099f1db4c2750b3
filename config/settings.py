"""Readiness settings: one file, read from the environment with safe laptop defaults.

With nothing set, the app runs on SQLite with Celery tasks executed in-process. Set
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` to run with real workers and beat.
"""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_oidc,
    env_secret,
    env_str,
    env_url,
)
from config.observability import init_error_reporting, logging_config
from config.security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEV_SECRET
# With DEBUG off there is no fallback: commands that sign nothing (migrate, makemigrations,
# check) still run, anything that signs (sessions, tokens in links) raises Django's
# "SECRET_KEY must not be empty", and serving refuses to start (config/wsgi.py).

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "csp",
    "readiness",
    "governance",
    "metrics",
    "adoption",
    "portfolio",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy.
    "csp.middleware.CSPMiddleware",
    "ops.headers.PermissionsPolicyMiddleware",
    # Control characters in the path or query string: 400 before anything reads them.
    "readiness.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "readiness.middleware.OrganizationMiddleware",
    # After OrganizationMiddleware: reuses the memberships it loaded.
    "readiness.middleware.MfaRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "readiness.context_processors.organizations",
            ],
            # {% person %} and |quantity on every page, without a load.
            "builtins": ["readiness.templatetags.display"],
        },
    },
]

DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; waiting beats failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "readiness.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email and password. Verification is mandatory and by a code typed on the
# same page (the flow keeps ``next``, so an invitee comes back to the invitation): with it,
# sign-up and password reset answer the same for a taken address as for a new one
# (ACCOUNT_PREVENT_ENUMERATION; allauth can only hide a taken address at sign-up when
# verification is mandatory), and an account's address is always one its owner proved.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Tell the owner when their password or addresses change (a takeover is noticed).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "readiness.adapters.AccountAdapter"
# Failed sign-ins, per client address and per account (every login form is allauth's: the
# admin's redirects to it). Counted in CACHES, which is Redis when REDIS_URL is set, so every
# web process shares the counts.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
}
# Proxies in front of the app that append to X-Forwarded-For (0: none, REMOTE_ADDR is the
# client). Only that many entries from the right are trusted: a client cannot forge its way
# past the limits by sending its own X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes,
# and security keys (WebAuthn). Organizations may require it of their org admins, governance
# reviewers and executives (readiness.middleware.MfaRequiredMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Readiness")
# Browsers allow WebAuthn on http://localhost only; allauth must be told that this is fine.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Single sign-on through OpenID Connect, configured by the environment; off when unset.
SOCIALACCOUNT_ADAPTER = "readiness.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
OIDC = env_oidc()
if OIDC is not None:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC.provider_id,
                "name": OIDC.name,
                "client_id": OIDC.client_id,
                "secret": OIDC.client_secret,
                "settings": {"server_url": OIDC.server_url},
            }
        ],
    }
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads live outside the web root and are served only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "uploads")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds before a mail server that does not answer fails the send (and the task retries).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Readiness <noreply@readiness.local>")

# Celery: a real broker when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The cache (sign-in rate limits above all) is shared by every process through Redis when
# REDIS_URL is set. A Redis outage fails open: the cache answers "nothing stored" and logs a
# warning, so pages and sign-in keep working while it is down (config/cache.py).
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "readiness",
            # Seconds: a Redis that hangs must not hold a sign-in for long.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# A message is acknowledged when its task ends, and a worker killed mid-task gives it back:
# every task is idempotent, so running one twice is safe, losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Time limits (seconds) for every task: at the soft limit the task gets SoftTimeLimitExceeded
# (its transaction rolls back, what it finished stays), at the hard limit its process is killed.
# The longest jobs (roll-ups, CSV uploads) stop themselves well before, and continue next run.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", CELERY_TASK_SOFT_TIME_LIMIT + 30)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be above CELERY_TASK_SOFT_TIME_LIMIT")
# Redis gives an unacknowledged message to another worker after this many seconds: just above
# the hard limit, so a running task is never handed out twice, and a message whose whole worker
# was killed (SIGKILL, a lost machine) is redelivered within minutes, not after the default hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# Publishing gives up within seconds when Redis does not answer: the outbox keeps the message.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Evidence past its expiry goes back to review (governance).
    "governance-expire-evidence": {"task": "governance.tasks.expire_evidence", "schedule": 60 * 60},
    # Roll raw metric samples up into daily and weekly figures, incrementally (metrics).
    # Every 30 s, with short leases (METRICS_ROLLUP_LEASE_SECONDS): after a worker dies
    # mid-roll-up, its periods are taken again within about 90 s.
    "metrics-rollup": {"task": "metrics.tasks.rollup_pending", "schedule": 30.0},
    # Outbox messages a broker outage left unsent (readiness.outbox), and uploads whose
    # processing stopped without finishing.
    "readiness-outbox-sweep": {"task": "readiness.tasks.outbox_sweep", "schedule": 30.0},
    "metrics-requeue-stuck-uploads": {
        "task": "metrics.tasks.requeue_stuck_uploads",
        "schedule": 60.0,
    },
    # Weekly feedback reminders to members of live cohorts, Mondays 08:00 UTC (adoption).
    "adoption-feedback-reminders": {
        "task": "adoption.tasks.send_feedback_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    # Webhook deliveries whose next try is due (backoff retries; claims whose worker died).
    "webhooks-retry-due": {"task": "webhooks.tasks.retry_due", "schedule": 60},
    # Workstream items that follow records which change with the calendar: expired registry
    # approvals (governance) and weekly feedback (adoption), daily before the reminders.
    "governance-workstream-facts": {
        "task": "governance.tasks.sync_workstream_facts",
        "schedule": crontab(minute=30, hour=5),
    },
    "adoption-workstream-facts": {
        "task": "adoption.tasks.sync_workstream_facts",
        "schedule": crontab(minute=30, hour=5),
    },
    # Owners hear of what is due soon and what is late, daily at 06:00 (readiness).
    "readiness-due-reminders": {
        "task": "readiness.tasks.send_due_reminders",
        "schedule": crontab(minute=0, hour=6),
    },
    # Weekly executive digest, Mondays 07:00 (CELERY_TIMEZONE = TIME_ZONE, UTC by default).
    "portfolio-weekly-digest": {
        "task": "portfolio.tasks.send_weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Stored readiness (portfolio.stored) that a lost task left stale, every minute; this also
    # judges again, just after midnight, every row judged for yesterday (scorecard windows and
    # expiries move with the calendar).
    "portfolio-readiness-sweep": {
        "task": "portfolio.tasks.refresh_stale_readiness",
        "schedule": 60.0,
    },
    # The raw samples' month partitions: created ahead, dropped past the retention (metrics).
    "metrics-sample-partitions": {
        "task": "metrics.tasks.maintain_sample_partitions",
        "schedule": crontab(minute=15, hour=3),
    },
    # Sign each organization's audit chain head into AUDIT_CHECKPOINT_DIR and the database.
    "readiness-audit-checkpoint": {
        "task": "readiness.tasks.audit_checkpoint",
        "schedule": 3600.0,  # hourly
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Organization API tokens: accepted only by views that opt in (metrics ingestion);
        # elsewhere a token is refused with a clear message rather than treated as a user.
        "metrics.ingestion.auth.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "readiness.api_pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers, refusing control characters in any field with a 400 naming it.
    "DEFAULT_PARSER_CLASSES": [
        "readiness.api_parsers.JSONParser",
        "readiness.api_parsers.FormParser",
        "readiness.api_parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "readiness.api_errors.exception_handler",
}
# Writes to a versioned API resource (PATCH, PUT, DELETE) must send If-Match with the ETag of
# the last GET when this is on (428 otherwise). Off: a write without If-Match goes through.
API_REQUIRE_IF_MATCH = env_bool("API_REQUIRE_IF_MATCH", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Readiness API",
    "DESCRIPTION": "Use cases, workstreams, the 90-day plan and its gates.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The API speaks JSON: bodies are documented as JSON (form encodings still parse, and the
    # evidence upload documents its multipart form itself).
    "PARSER_WHITELIST": ["readiness.api_parsers.JSONParser"],
    # Serve Swagger UI from our own static files: the app must work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public validator: the docs work offline and send the schema's URL
    # nowhere (the policy's img-src would refuse it anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The two-factor policy's 403, answered by a middleware before any view.
        "readiness.api.schema.document_mfa_required",
        # 400, 403, 404, 406, 413 and 415 wherever they can be answered (readiness.api.schema).
        "readiness.api.schema.document_default_errors",
        # No control characters in what clients send (readiness.api_parsers).
        "readiness.api.schema.document_control_characters",
    ],
}

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS: on for a year as soon as the app redirects to https (SECURE_SSL_REDIRECT), unless
# SECURE_HSTS_SECONDS says otherwise (0: off). Subdomains are included by default; preloading
# is a promise to the browsers' lists that is hard to take back, so it is asked for explicitly.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SECURE_SSL_REDIRECT else 0)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be 0 (off) or more")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's CSRF refusal in the product's 403 page, JSON under /api/ (ops.views).
CSRF_FAILURE_VIEW = "ops.views.csrf_failure"

# Content-Security-Policy (django-csp 4; config/security.py says what it allows and why). The
# API docs (Swagger UI) relax style-src on that one view (config/urls.py).
CONTENT_SECURITY_POLICY = content_security_policy(sso_origin=OIDC.origin if OIDC else None)
# Powerful browser features the app never uses, refused to it and to anything it embeds
# (ops.headers.PermissionsPolicyMiddleware). WebAuthn (publickey-credentials-*) keeps its
# default, this origin only.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Webhooks may reach private, loopback and link-local addresses (an internal receiver, a laptop
# receiver on 127.0.0.1). Off unless DEBUG: otherwise endpoint URLs must resolve to public
# addresses only, when saved and again at each send (webhooks.addresses).
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=DEBUG)

# Invitations stay valid this many days.
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 14)

# Absolute address of the app, for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Metrics
# Ingestion: samples per batch, request body limit, how far ahead / back a timestamp may be.
METRICS_MAX_BATCH = env_int("METRICS_MAX_BATCH", 10_000)
METRICS_INGEST_MAX_BYTES = env_int("METRICS_INGEST_MAX_BYTES", 16 * 1024 * 1024)
METRICS_MAX_FUTURE_SECONDS = env_int("METRICS_MAX_FUTURE_SECONDS", 300)
METRICS_MAX_AGE_DAYS = env_int("METRICS_MAX_AGE_DAYS", 3 * 365)
# Raw samples are kept this many days, then their month's partition is dropped (PostgreSQL;
# the roll-ups stay) and ingestion refuses samples older than it. 0 keeps them forever.
METRICS_SAMPLE_RETENTION_DAYS = env_int("METRICS_SAMPLE_RETENTION_DAYS", 0)
# CSV uploads in the browser.
METRICS_UPLOAD_MAX_BYTES = env_int("METRICS_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
METRICS_UPLOAD_MAX_ROWS = env_int("METRICS_UPLOAD_MAX_ROWS", 100_000)
# Roll-ups: periods per batch, and how long a claimed batch is leased to one job. The running job
# renews its lease every third of it, so a short lease only shortens how long a dead job's
# periods wait; one run stops taking batches after METRICS_ROLLUP_RUN_SECONDS (beat continues).
METRICS_ROLLUP_BATCH_KEYS = env_int("METRICS_ROLLUP_BATCH_KEYS", 2000)
METRICS_ROLLUP_LEASE_SECONDS = env_int("METRICS_ROLLUP_LEASE_SECONDS", 60)
METRICS_ROLLUP_RUN_SECONDS = env_int("METRICS_ROLLUP_RUN_SECONDS", 120)
# A CSV upload whose progress has not moved for this long is queued again (its worker died).
METRICS_UPLOAD_STUCK_SECONDS = env_int("METRICS_UPLOAD_STUCK_SECONDS", 600)
# A use case's metric whose roll-up fails is retried after this wait, doubled on each failure
# up to the ceiling (metrics.rollups.jobs.retry_delay).
METRICS_ROLLUP_RETRY_SECONDS = env_int("METRICS_ROLLUP_RETRY_SECONDS", 300)
METRICS_ROLLUP_RETRY_MAX_SECONDS = env_int("METRICS_ROLLUP_RETRY_MAX_SECONDS", 6 * 3600)
# The metric gate: quality metrics with a target must meet it over this window, with at least
# this many samples (trials for rates), judged on the 95% confidence interval.
METRICS_GATE_WINDOW_DAYS = env_int("METRICS_GATE_WINDOW_DAYS", 14)
METRICS_GATE_MIN_SAMPLES = env_int("METRICS_GATE_MIN_SAMPLES", 200)
# Counts are judged on their daily totals: at least this many complete days of them.
METRICS_GATE_MIN_DAYS = env_int("METRICS_GATE_MIN_DAYS", 7)
# Leadership scorecards: the fewest samples (trials, for rates) a metric needs in the week judged
# before it gets a status; fewer shows "not enough data".
METRICS_SCORECARD_MIN_SAMPLES = env_int("METRICS_SCORECARD_MIN_SAMPLES", 25)
# Counts (throughput) are judged on daily totals: the days with samples they need in that week.
METRICS_SCORECARD_MIN_DAYS = env_int("METRICS_SCORECARD_MIN_DAYS", 7)

# Operations: beat's schedule in the database with one beat sending, health probes, Prometheus
# metrics, request ids in JSON logs, optional error reports (the ops app; README, Deploy).
INSTALLED_APPS += ["django_celery_beat", "ops"]
# Outermost: the request id is bound before anything else runs, so every log line has it.
MIDDLEWARE.insert(0, "ops.middleware.RequestIdMiddleware")
CELERY_BEAT_SCHEDULER = "ops.beat:LockedDatabaseScheduler"
# Save each job's last run as soon as it is sent: a beat that takes over reads it and does not
# send the same job again.
CELERY_BEAT_SYNC_EVERY = 1
# No result backend, so nothing to expire (and no celery.backend_cleanup job for beat).
CELERY_RESULT_EXPIRES = None
# The worker logs through LOGGING below (JSON, with request ids), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
BEAT_LOCK_TTL = env_int("BEAT_LOCK_TTL", 30)
BEAT_HEARTBEAT_FILE = env_str(
    "BEAT_HEARTBEAT_FILE", str(Path(tempfile.gettempdir()) / "readiness-beat-heartbeat")
)
# /readyz wants a worker seen within this many seconds (workers report every 10 s).
READYZ_WORKER_SEEN_SECONDS = env_int("READYZ_WORKER_SEEN_SECONDS", 60)
# /metrics: for a bearer token, or for clients in these networks (CIDR, comma-separated); with
# neither, it is not served. WORKER_METRICS_PORT: the worker's own metrics server (0: none).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", [])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (e.g. 10.0.0.0/8)"
        ) from None
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain; got {LOG_FORMAT!r}")
LOGGING = logging_config(json=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"))
# Every audit append and checkpoint, as one JSON line: a copy of each chain head outside the
# database, whatever LOG_LEVEL says (AUDIT_LOG_LEVEL=WARNING silences the appends).
LOGGING["loggers"]["readiness.audit"] = {"level": env_str("AUDIT_LOG_LEVEL", "INFO")}
SENTRY_DSN = env_str("SENTRY_DSN", "")
init_error_reporting(
    dsn=SENTRY_DSN,
    environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
    traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
)
# `manage.py release` loads the demo organization only when this is set (never by default).
SEED_DEMO = env_bool("SEED_DEMO", default=False)
# Audit trail. Each record's hash and each checkpoint's signature are HMAC-SHA256 keyed with
# AUDIT_KEY, which must not live in the database (a DBA who can read it could rewrite the chain).
# Unset, it is derived from SECRET_KEY with a fixed salt, so rotating SECRET_KEY would then make
# every earlier record fail verification: set AUDIT_KEY of its own in production.
AUDIT_KEY = env_secret("AUDIT_KEY", min_length=32)
# Signed chain heads are appended here, one JSONL file per organization (org-<id>.jsonl). Put it
# where the database's administrators cannot write: another volume, host or an append-only mount.
AUDIT_CHECKPOINT_DIR = Path(
    env_str("AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "var" / "audit-checkpoints"))
)
