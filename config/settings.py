"""Readiness settings: one file, read from the environment with safe laptop defaults.

With nothing set, the app runs on SQLite with Celery tasks executed in-process. Set
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` to run with real workers and beat.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, env_url

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
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "readiness",
    "governance",
    "metrics",
    "adoption",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

# django-allauth: email and password, verification optional unless the deployment asks.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "readiness.adapters.AccountAdapter"
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
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Evidence past its expiry goes back to review (governance).
    "governance-expire-evidence": {"task": "governance.tasks.expire_evidence", "schedule": 60 * 60},
    # Roll raw metric samples up into daily and weekly figures, incrementally (metrics).
    "metrics-rollup": {"task": "metrics.tasks.rollup_pending", "schedule": 5 * 60},
    # Weekly feedback reminders to members of live cohorts, Mondays 08:00 UTC (adoption).
    "adoption-feedback-reminders": {
        "task": "adoption.tasks.send_feedback_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    # Webhook deliveries whose next try is due (backoff retries; claims whose worker died).
    "webhooks-retry-due": {"task": "webhooks.tasks.retry_due", "schedule": 60},
    # Weekly executive digest, Mondays 07:00 (CELERY_TIMEZONE = TIME_ZONE, UTC by default).
    "readiness-weekly-digest": {
        "task": "readiness.tasks.send_weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Organization API tokens: accepted only by views that opt in (metrics ingestion);
        # elsewhere a token is refused with a clear message rather than treated as a user.
        "metrics.auth.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "readiness.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Readiness API",
    "DESCRIPTION": "Use cases, workstreams, the 90-day plan and its gates.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Serve Swagger UI from our own static files: the app must work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

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
# CSV uploads in the browser.
METRICS_UPLOAD_MAX_BYTES = env_int("METRICS_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
METRICS_UPLOAD_MAX_ROWS = env_int("METRICS_UPLOAD_MAX_ROWS", 100_000)
# Roll-ups: periods per batch, and how long a claimed batch is leased to one job.
METRICS_ROLLUP_BATCH_KEYS = env_int("METRICS_ROLLUP_BATCH_KEYS", 2000)
METRICS_ROLLUP_LEASE_SECONDS = env_int("METRICS_ROLLUP_LEASE_SECONDS", 600)
# The metric gate: quality metrics with a target must meet it over this window, with at least
# this many samples (trials for rates), judged on the 95% confidence interval.
METRICS_GATE_WINDOW_DAYS = env_int("METRICS_GATE_WINDOW_DAYS", 14)
METRICS_GATE_MIN_SAMPLES = env_int("METRICS_GATE_MIN_SAMPLES", 200)
# Leadership scorecards: the fewest samples (trials, for rates) a metric needs in the week judged
# before it gets a status; fewer shows "not enough data".
METRICS_SCORECARD_MIN_SAMPLES = env_int("METRICS_SCORECARD_MIN_SAMPLES", 25)
