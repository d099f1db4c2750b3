"""The deployment files say what the README promises, and every command they run exists in the
app: docker-compose.yml (pinned images, restart policies, health checks, no default secret, the
demo only when asked, one beat), the Dockerfile (two stages, HEALTHCHECK, an unprivileged owner
of /app), .dockerignore, and .env.example (every variable)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery.app.utils import find_app
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.core.management import get_commands

from ops import probe
from tests.ops.conftest import require

ROOT = Path(settings.BASE_DIR)
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = {name for name, s in SERVICES.items() if "build" in s}
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CELERY_SUBCOMMANDS = {"worker", "beat", "inspect"}


def _dockerfile_json(instruction: str) -> list[list[str]]:
    """The JSON-array command of every CMD (or HEALTHCHECK ... CMD) instruction."""
    joined = DOCKERFILE.replace("\\\n", " ")
    return [
        json.loads(line[line.index("[") :])
        for line in joined.splitlines()
        if line.startswith(instruction + " ")
    ]


def _commands() -> list[tuple[str, list[str]]]:
    """Every command the deployment runs in the app's image: services' commands, their health
    checks, and the Dockerfile's CMD and HEALTHCHECK."""
    found: list[tuple[str, list[str]]] = []
    for name in sorted(APP_SERVICES):
        service = SERVICES[name]
        if "command" in service:
            found.append((f"{name}.command", service["command"]))
        test = service.get("healthcheck", {}).get("test")
        if test:
            if test[0] == "CMD":
                found.append((f"{name}.healthcheck", test[1:]))
            elif test[0] == "CMD-SHELL":
                shell = test[1].replace("$$", "$").split(">")[0]
                found.append((f"{name}.healthcheck", shlex.split(shell)))
    for args in _dockerfile_json("CMD"):
        found.append(("Dockerfile.CMD", args))
    for args in _dockerfile_json("HEALTHCHECK"):
        found.append(("Dockerfile.HEALTHCHECK", args))
    return found


COMMANDS = _commands()


def test_the_deployment_runs_the_commands_we_expect():
    programs = {" ".join(args[:2]) for _where, args in COMMANDS}
    assert {
        "python manage.py",
        "gunicorn -c",
        "celery -A",
        "python -m",
    } <= programs
    assert len(_dockerfile_json("CMD")) == 1
    assert len(_dockerfile_json("HEALTHCHECK")) == 1  # the HEALTHCHECK's


@pytest.mark.parametrize("where, args", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_every_command_exists_in_the_app(where, args):
    program, rest = args[0], args[1:]
    if program == "python" and rest[:1] == ["manage.py"]:
        assert rest[1] in get_commands(), f"{where}: no management command {rest[1]!r}"
    elif program == "python" and rest[:1] == ["-m"]:
        module = importlib.import_module(rest[1])
        assert module.__name__ == "ops.probe"
        probe.build_parser().parse_args(rest[2:])  # exits (fails the test) on unknown options
    elif program == "celery":
        assert rest[0] == "-A"
        app = find_app(rest[1])  # as `celery -A` finds it (config -> config.celery.app)
        assert app.main == "readiness"
        assert rest[2] in CELERY_SUBCOMMANDS, f"{where}: unknown celery command {rest[2]}"
        if rest[2] == "beat":
            assert symbol_by_name(app.conf.beat_scheduler).__name__ == "LockedDatabaseScheduler"
        if rest[2] == "inspect":
            assert rest[3] == "ping" and "--destination" in rest
    elif program == "gunicorn":
        assert rest[0] == "-c"
        config = ROOT / rest[1]
        assert config.is_file()
        namespace: dict[str, Any] = {}
        exec(compile(config.read_text(), str(config), "exec"), namespace)  # noqa: S102
        assert namespace["bind"].endswith(":8000")
        assert callable(namespace["on_starting"]) and callable(namespace["child_exit"])
        module, _, attr = rest[2].partition(":")
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
        assert attr == "application"
    else:
        pytest.fail(f"{where}: a command this test does not know: {args}")


def test_images_are_pinned_to_exact_versions():
    for name in ("db", "redis"):
        image = SERVICES[name]["image"]
        # PostgreSQL's versions are major.minor (15.15); Redis's major.minor.patch.
        assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?-bookworm", image), image
    for line in DOCKERFILE.splitlines():
        if line.startswith("FROM "):
            assert re.match(r"FROM python:3\.11\.\d+-slim-bookworm AS \w+$", line), line


def test_every_long_running_service_restarts_and_is_health_checked():
    for name, service in SERVICES.items():
        if name == "release":
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        assert "healthcheck" in service, name
    worker_check = SERVICES["worker"]["healthcheck"]["test"][1]
    assert "inspect ping --destination worker@$$HOSTNAME" in worker_check
    assert "--hostname=worker@%h" in SERVICES["worker"]["command"]
    assert SERVICES["beat"]["healthcheck"]["test"][1:5] == ["python", "-m", "ops.probe", "beat"]
    assert SERVICES["web"]["healthcheck"]["test"][-1].endswith("/healthz")


def test_redis_keeps_its_data_on_a_volume():
    redis = SERVICES["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "redisdata:/data" in redis["volumes"]
    assert "redisdata" in COMPOSE["volumes"]


def test_no_default_secret_anywhere():
    for variable in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + variable + r"([^}]*)\}", COMPOSE_TEXT)
        assert uses, variable
        assert all(u.startswith(":?") for u in uses), f"{variable} must be required: {uses}"
    env = SERVICES["web"]["environment"]
    assert env["DEBUG"] == "0"
    assert "change-me" not in COMPOSE_TEXT


def test_the_demo_is_seeded_only_when_asked():
    assert SERVICES["release"]["command"] == ["python", "manage.py", "release"]
    assert SERVICES["release"]["environment"]["SEED_DEMO"] == "${SEED_DEMO:-0}"
    assert "seed_demo" not in COMPOSE_TEXT.replace("SEED_DEMO", "")


def test_only_one_beat():
    # A fixed container name: `docker compose up --scale beat=2` refuses to start a second.
    assert SERVICES["beat"]["container_name"] == "readiness-beat"
    assert "deploy" not in SERVICES["beat"]


def test_dockerfile_two_stages_owner_and_healthcheck():
    stages = re.findall(r"^FROM .* AS (\w+)$", DOCKERFILE, flags=re.M)
    assert stages == ["build", "runtime"]
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert "HEALTHCHECK" in runtime
    assert "USER readiness" in runtime
    assert "COPY --chown=readiness:readiness . /app" in runtime
    assert "chown -R readiness:readiness /app/var" in runtime
    # No compiler or package manager run in the final stage.
    for tool in ("apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in runtime, tool


def test_dockerignore_keeps_secrets_tests_and_local_state_out():
    patterns = set((ROOT / ".dockerignore").read_text().split())
    for needed in (".env", ".env.*", "tests", "bench", ".ci", "node_modules", "var"):
        assert needed in patterns, needed
    assert {"*.sqlite3", "db.sqlite3*"} <= patterns


def _env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_env_example_lists_every_variable_compose_reads():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert used - _env_example() == set()


def test_env_example_lists_every_variable_the_app_reads():
    sources = [ROOT / "config" / "settings.py", ROOT / "config" / "gunicorn.py"]
    sources += sorted((ROOT / "ops").rglob("*.py"))
    read: set[str] = set()
    for path in sources:
        text = path.read_text()
        read |= set(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
        read |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]*)\"", text))
    missing = read - _env_example()
    assert missing == set(), f"add these to .env.example: {sorted(missing)}"


def test_compose_file_validates_and_refuses_to_start_without_a_secret():
    binary = shutil.which("docker-compose")
    require(binary is not None, "docker-compose (Debian's package) is not installed")
    assert binary is not None
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
    run = [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"]
    ok = subprocess.run(
        run,
        env={**base, "SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "p" * 20},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(
        run,
        env={**base, "POSTGRES_PASSWORD": "p" * 20},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr
