"""Test settings: the suite runs on PostgreSQL when DATABASE_URL is set (CI), else SQLite."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests call tasks in-process unless a test starts a real worker (tests/worker/).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Each process counts sign-in limits in its own memory, whatever REDIS_URL says: the suite's
# attempts must not add up across runs (the Redis cache has tests of its own).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Checkpoints go to a directory of this test process (made when first written), never the
# checkout's var/; tests that read them back use their own tmp_path.
AUDIT_CHECKPOINT_DIR = Path(tempfile.gettempdir()) / f"readiness-audit-checkpoints-{os.getpid()}"
