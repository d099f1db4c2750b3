"""The web process (config.wsgi) freezes what it keeps for its whole life."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import gc, sys, config.wsgi; "
    "print(gc.get_freeze_count(), len(gc.get_objects()), 'metrics.api.samples' in sys.modules)"
)


def test_the_web_process_freezes_its_modules_and_views_out_of_the_collectors_reach():
    """Every view is imported before the freeze (as the first request would import it), so a
    full collection scans what requests leave behind, not the ~170,000 objects of the app."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked, views_loaded = result.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 100_000
    assert int(tracked) < int(frozen) // 20
