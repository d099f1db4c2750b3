"""The README's backup and restore, tried: pg_dump of a database with data and an uploaded
file, pg_restore into a fresh database, the uploads directory copied back, and the app, started
on the restored copy, reads the same rows and serves the same file (same content hash)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from governance import services as governance
from governance.models import Checklist, GovernanceItem
from tests.ops.conftest import require

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = [
    "readiness.organization",
    "readiness.usecase",
    "readiness.auditevent",
    "governance.evidence",
]


def _pg_args(name: str) -> list[str]:
    db = connection.settings_dict
    return [
        "-h",
        db["HOST"] or "127.0.0.1",
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        db["USER"],
        "-d",
        name,
    ]


def _manage(database_url: str, media_root: str, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": media_root,
        "PGPASSWORD": str(connection.settings_dict.get("PASSWORD") or ""),
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


FILE_CHECK = (
    "from governance.models import Evidence; import hashlib; "
    "e = Evidence.objects.exclude(file='').get(); "
    "print(hashlib.sha256(e.file.open('rb').read()).hexdigest() == e.sha256, e.sha256)"
)


def test_backup_and_restore(tmp_path, settings, org, admin, pm, use_case):
    require(connection.vendor == "postgresql", "backup and restore use PostgreSQL's tools")
    require(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump not found")
    media = tmp_path / "uploads"
    settings.MEDIA_ROOT = media
    governance.checklist_ensure(use_case=use_case, actor=admin)
    item = GovernanceItem.objects.filter(checklist=Checklist.objects.get(use_case=use_case)).first()
    pdf = SimpleUploadedFile("dpa.pdf", b"%PDF-1.7 the signed agreement", "application/pdf")
    governance.evidence_submit(actor=pm, item=item, kind="file", upload=pdf)
    source = connection.settings_dict["NAME"]

    # Back up: the database (custom format) and the uploads (a tar of MEDIA_ROOT).
    dump = tmp_path / "readiness.dump"
    env = {**os.environ, "PGPASSWORD": str(connection.settings_dict.get("PASSWORD") or "")}
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), *_pg_args(source)], check=True, env=env
    )
    archive = tmp_path / "uploads.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(media, arcname=".")

    # Restore into a database that did not exist, and the uploads into an empty directory.
    restored = f"{source}_restore_{uuid.uuid4().hex[:6]}"
    restored_media = tmp_path / "restored-uploads"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *_pg_args(restored), str(dump)],
            check=True,
            env=env,
        )
        restored_media.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(restored_media, filter="data")

        # The app on the restored copy reads what the original holds.
        before = json.loads(_manage(_url(source), str(media), "dumpdata", *MODELS))
        after = json.loads(_manage(_url(restored), str(restored_media), "dumpdata", *MODELS))
        assert after == before
        assert {o["model"] for o in after} >= {"readiness.usecase", "governance.evidence"}
        assert "intact" in _manage(_url(restored), str(restored_media), "audit_verify").lower()
        served = _manage(_url(restored), str(restored_media), "shell", "-c", FILE_CHECK)
        assert "True " in served.splitlines()[-1], served
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
