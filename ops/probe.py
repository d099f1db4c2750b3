"""Container health checks that need no Django (they run every few seconds).

``python -m ops.probe beat``: exit 0 when beat's heartbeat file (``BEAT_HEARTBEAT_FILE``) was
written within ``--max-age`` seconds. Beat writes it on every tick (at most every 5 s), leader
or standby alike: a beat that stopped ticking (hung, or crashed before its first tick) fails.

``python -m ops.probe http URL``: exit 0 when URL answers 200 (the image's HEALTHCHECK; the
slim image has no curl).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.request

DEFAULT_HEARTBEAT_FILE = "/tmp/readiness-beat-heartbeat"  # noqa: S108  (the container's own /tmp)


def beat(path: str, max_age: float, now: float | None = None) -> tuple[bool, str]:
    try:
        with open(path) as fh:
            stamp, _, role = fh.read().strip().partition(" ")
        age = (time.time() if now is None else now) - float(stamp)
    except (OSError, ValueError) as exc:
        return False, f"no heartbeat from beat ({exc.__class__.__name__}: {path})"
    if age > max_age:
        return False, f"beat's last heartbeat is {age:.0f} s old (max {max_age:.0f} s)"
    return True, f"beat ticked {age:.0f} s ago ({role or 'unknown role'})"


def http(url: str, timeout: float) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status == 200, f"{url}: {response.status}"
    except OSError as exc:
        return False, f"{url}: {exc}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.probe")
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("beat", help="beat's heartbeat file is fresh")
    b.add_argument("--file", default=os.environ.get("BEAT_HEARTBEAT_FILE", DEFAULT_HEARTBEAT_FILE))
    b.add_argument("--max-age", type=float, default=60.0)
    h = sub.add_parser("http", help="a URL answers 200")
    h.add_argument("url")
    h.add_argument("--timeout", type=float, default=5.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ok, message = (
        beat(args.file, args.max_age) if args.what == "beat" else http(args.url, args.timeout)
    )
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
