"""Every page of the seeded demo, as each of its five roles (and signed out), answers with the
Content-Security-Policy and has nothing the policy refuses: no inline script, no style=""
attribute or <style> element, no on*="" handler, no javascript: link.

The pages are found by following the links (and htmx's hx-get URLs) of the pages themselves,
from the home page and the account pages, so a page added later is checked without being
listed here. Each URL pattern is visited a few times per role, which keeps the crawl bounded.
"""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.core.management import call_command
from django.urls import Resolver404, resolve

from readiness.models import User
from tests.ops.test_security_headers import csp_directives

ROLES = ["admin", "pm", "reviewer", "exec", "viewer"]
START = [
    "/",
    "/o/demo/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
]
SIGNED_OUT = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
    "/o/demo/",
]
PER_PATTERN = 1  # URLs visited per URL pattern and role
NEVER = ("/static/", "/admin/", "/api/", "/accounts/logout/", "/metrics")
# Script types that browsers do not run (allauth's WebAuthn data, json_script).
DATA_SCRIPTS = {"application/json", "application/ld+json"}


class PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.problems: list[str] = []
        self._script_open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> (inline handler)")
            elif name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not a.get("src") and (a.get("type") or "") not in DATA_SCRIPTS:
            self.problems.append("inline <script>")
        for name in ("href", "hx-get"):
            if a.get(name) and tag != "link":
                self.links.append(a[name] or "")


def _internal(base: str, link: str) -> str | None:
    link, _ = urldefrag(link)
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not link:
        return None
    if not link.startswith("/"):
        link = base.rsplit("/", 1)[0] + "/" + link if not link.startswith("?") else base + link
    if link.startswith(NEVER):
        return None
    return link


def _pattern(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).route or path
    except Resolver404:
        return "unresolved"


def crawl(client, start: list[str], limit: int = 400) -> tuple[int, dict[str, list[str]]]:
    """Visit pages from ``start``, following internal links; returns (pages visited,
    problems by URL)."""
    queue, seen, per_pattern = deque(start), set(start), Counter[str]()
    visited, problems = 0, {}
    while queue and visited < limit:
        path = queue.popleft()
        pattern = _pattern(path)
        if per_pattern[pattern] >= PER_PATTERN and path not in start:
            continue
        per_pattern[pattern] += 1
        response = client.get(path)
        visited += 1
        found: list[str] = []
        assert response.status_code < 500, (path, response.status_code)
        header = response.get("Content-Security-Policy")
        if not header:
            found.append("no Content-Security-Policy header")
        else:
            directives = csp_directives(header)
            if "unsafe-inline" in directives.get("script-src", "") + directives.get(
                "style-src", ""
            ):
                found.append(f"policy allows inline code: {header}")
        targets: list[str] = []
        if response.status_code in (301, 302, 303) and response.get("Location"):
            targets.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            scan = PageScan()
            scan.feed(response.content.decode())
            found += scan.problems
            targets += scan.links
        if found:
            problems[path] = found
        for target in targets:
            link = _internal(path, target)
            if link and link not in seen:
                seen.add(link)
                queue.append(link)
    return visited, problems


def test_every_demo_page_is_clean_under_the_policy_for_every_role(client, db):
    """One seeded demo for the five roles and the signed-out visitor (seeding is the slow part)."""
    call_command("seed_demo")
    visited, problems = crawl(client, SIGNED_OUT, limit=40)
    assert problems == {}, "signed out"
    assert visited >= len(SIGNED_OUT)
    for role in ROLES:
        client.force_login(User.objects.get(email=f"{role}@demo.example"))
        visited, problems = crawl(client, START)
        assert problems == {}, role
        assert visited > 30, role  # the crawl reached the organization's pages


def test_the_scan_finds_what_the_policy_refuses():
    scan = PageScan()
    scan.feed(
        '<div style="width: 5%"></div><button onclick="go()">x</button><style>p{}</style>'
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{}</script><a href="javascript:void(0)">y</a>'
    )
    assert scan.problems == [
        '<div style="width: 5%">',
        "<button onclick=...> (inline handler)",
        "<style> element",
        "inline <script>",
        "<a href=javascript:void(0)>",
    ]
