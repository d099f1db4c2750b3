"""Demo data hooks: apps built on readiness add their part of ``seed_demo`` here.

``governance`` and ``metrics`` call :func:`register_seeder` from their ``AppConfig.ready``;
``seed_demo`` runs every seeder after the readiness part, so readiness imports neither.
Each seeder must be idempotent (running it twice creates nothing twice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A seeder gets the demo organization, the demo users by role and a function to print a line.
Seeder = Callable[..., None]

_seeders: dict[str, Seeder] = {}


def register_seeder(name: str, seeder: Seeder) -> None:
    _seeders[name] = seeder


def run_seeders(**context: Any) -> None:
    for seeder in _seeders.values():
        seeder(**context)


# A gate preparer runs just before seed_demo passes a demo use case through a gate, so an app
# whose checks keep that gate shut (governance's sign-offs, for example) can satisfy them first.
_preparers: dict[str, Seeder] = {}


def register_gate_preparer(name: str, preparer: Seeder) -> None:
    _preparers[name] = preparer


def prepare_gate(**context: Any) -> None:
    """``preparer(use_case=, users=, phase=)`` for each registered preparer."""
    for preparer in _preparers.values():
        preparer(**context)
