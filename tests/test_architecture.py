"""The import graph reads one way: the floors of docs/architecture.md, checked on the source.

Every module of each app is parsed (not imported, so a lazy import inside a function counts as
much as one at the top) and the project packages it imports are compared with what its floor
may import. Run it alone with ``pytest tests/test_architecture.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("readiness", "governance", "metrics", "adoption", "portfolio", "webhooks", "ops")

# What each app may import from the project, itself included. Readiness is the ground floor;
# the wings stand on it and never on each other; the executive app (portfolio) stands on all
# three; webhooks is a side app that listens to readiness's events; ops is a side app on top.
ALLOWED: dict[str, set[str]] = {
    "readiness": {"readiness"},
    "governance": {"readiness", "governance"},
    "metrics": {"readiness", "metrics"},
    "adoption": {"readiness", "adoption"},
    "webhooks": {"readiness", "webhooks"},
    "portfolio": {"readiness", "governance", "metrics", "adoption", "portfolio"},
    # Operations (probes, Prometheus, logs, beat): a side app on top; it reads metrics' roll-up
    # backlog and uses readiness's services (create_org_admin); its background-jobs page reads
    # and re-runs metrics' roll-ups and uploads and webhooks' deliveries. Nothing imports it.
    "ops": {"readiness", "metrics", "webhooks", "ops"},
}
MAX_LINES = 500


def _modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found


@pytest.mark.parametrize("app", APPS)
def test_imports_point_down(app: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path) - ALLOWED[app])
        for path in _modules(app)
        if _imported_apps(path) - ALLOWED[app]
    }
    assert wrong == {}, f"{app} imports what its floor may not (docs/architecture.md): {wrong}"


@pytest.mark.parametrize("app", APPS)
def test_no_module_over_500_lines(app: str) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(app)
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these into packages by subdomain: {long}"


def test_the_checker_sees_a_lazy_import(tmp_path: Path) -> None:
    """A function-level import counts: the graph is about the code, not the import order."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from governance import selectors\n    import metrics.models\n")
    assert _imported_apps(module) == {"governance", "metrics"}
