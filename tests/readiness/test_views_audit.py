"""The organization's audit trail page and its CSV and JSON exports (org admins)."""

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import services
from readiness.audit.verify import verify_export
from readiness.models import AuditEvent
from tests.conftest import ADMIN_ONLY, roles_except
from tests.readiness.audit_support import edit
from tests.readiness.pages_support import url

# What a user can type into a field: quotes, separators, new lines, tabs, formulas, accents,
# right-to-left text, emoji, zero-width and other control characters.
TYPED = 'Ops "night" team, row;col\nsecond line\ttab =HYPERLINK("x") é ß 中文 עברית 🚀 \u200b\x07'
FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path


@pytest.fixture
def typed(org, admin, use_case):
    """Records whose fields hold every kind of character, then a checkpoint."""
    services.use_case_update(actor=admin, use_case=use_case, team=TYPED)
    for text in FORMULAS:
        services.use_case_update(actor=admin, use_case=use_case, team=text)
    services.audit_checkpoint_create(organization=org)
    return use_case


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_admin_sees_everything_newest_first_with_the_checkpoint(client, org, admin, typed):
    client.force_login(admin)
    response = client.get(url("audit_trail", org))
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [e.sequence for e in events] == sorted((e.sequence for e in events), reverse=True)
    assert events[0].action == "use_case.update"
    assert {e.action for e in events} >= {"organization.create", "use_case.create"}
    html = response.content.decode()
    assert "Proof of the trail" in html
    assert response.context["checkpoint"].sequence == events[0].sequence
    assert f'href="/o/{org.slug}/audit/export.csv"' in html
    assert f'href="/o/{org.slug}/audit/export.json"' in html


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_only_org_admins_see_or_export_the_trail(client, org, user_in_role):
    client.force_login(user_in_role)
    for name in ("audit_trail", "audit_export_csv", "audit_export_json"):
        assert client.get(url(name, org)).status_code == 403


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_see_and_export_the_trail(client, org, user_in_role):
    client.force_login(user_in_role)
    for name in ("audit_trail", "audit_export_csv", "audit_export_json"):
        assert client.get(url(name, org)).status_code == 200


def test_other_organizations_trail_is_not_found(client, org, admin, other_org):
    client.force_login(admin)
    other = other_org[0]
    assert client.get(url("audit_trail", other)).status_code == 404
    assert client.get(url("audit_export_json", other)).status_code == 404


def test_date_range_filters_the_page_and_the_export(client, org, admin, use_case):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        services.use_case_update(actor=admin, use_case=use_case, team="March")
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False):
        services.use_case_update(actor=admin, use_case=use_case, team="April")
    client.force_login(admin)
    response = client.get(url("audit_trail", org), {"since": "2026-03-01", "until": "2026-03-31"})
    assert [e.after for e in response.context["page"]] == [{"team": "March"}]
    data = json.loads(
        body(
            client.get(
                url("audit_export_json", org), {"since": "2026-04-01", "until": "2026-04-30"}
            )
        )
    )
    assert [r["after"] for r in data["records"]] == [{"team": "April"}]
    assert data["range"] == {"since": "2026-04-01", "until": "2026-04-30"}


def test_a_backwards_range_says_what_to_fix(client, org, admin):
    client.force_login(admin)
    for name in ("audit_trail", "audit_export_csv"):
        response = client.get(url(name, org), {"since": "2026-05-01", "until": "2026-04-01"})
        assert response.status_code == 400
        assert "must be on or after its start" in response.content.decode()
    response = client.get(url("audit_trail", org), {"since": "yesterday"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_csv_export_keeps_every_character_and_runs_no_formula(client, org, admin, typed):
    client.force_login(admin)
    response = client.get(url("audit_export_csv", org))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{org.slug}-audit.csv"'
    text = body(response)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header, records = rows[0], rows[1 : rows.index([])]
    assert header[0] == "Sequence" and header[-1] == "Hash"
    after = [json.loads(r[header.index("After (JSON)")] or "null") for r in records]
    assert {"team": TYPED} in after  # every typed character, back as it was
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert [a["team"] for a in after if a and "team" in a][-len(FORMULAS) :] == FORMULAS
    assert "'=1+2" not in text  # inside JSON the formula is quoted, not at a cell's start
    checkpoint_row = rows[rows.index([]) + 2]
    assert checkpoint_row[0] == "latest"
    assert any(r and r[0] == "How to verify: command" for r in rows)


def test_csv_neutralises_a_formula_at_the_start_of_a_cell(client, org, admin, use_case):
    edit_target = AuditEvent.objects.filter(organization=org).order_by("sequence").last()
    edit(edit_target, actor_label="=cmd|' /C calc'!A0", target_label="@SUM(1)")
    client.force_login(admin)
    rows = list(csv.reader(io.StringIO(body(client.get(url("audit_export_csv", org))))))
    row = next(r for r in rows if r and r[0] == str(edit_target.sequence))
    assert row[2] == "'=cmd|' /C calc'!A0" and row[7] == "'@SUM(1)"


def test_json_export_carries_the_checkpoint_and_verifies(client, org, admin, typed, tmp_path):
    client.force_login(admin)
    response = client.get(url("audit_export_json", org))
    assert response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert data["format"] == "readiness-audit-export/1"
    assert data["organization"]["slug"] == org.slug and data["exported_by"] == admin.email
    sequences = [r["sequence"] for r in data["records"]]
    assert sequences == list(range(1, len(sequences) + 1))
    assert data["checkpoint"]["sequence"] == sequences[-1]
    assert set(data["how_to_verify"]) == {"records", "checkpoint", "command"}
    assert {"team": TYPED} in [r["after"] for r in data["records"]]
    report = verify_export(data)
    assert report.intact, report.problems
    export_file = tmp_path / "export.json"
    export_file.write_text(json.dumps(data))
    call_command("audit_verify", "--export", str(export_file))
    data["records"][3]["actor_label"] = "someone else"
    export_file.write_text(json.dumps(data))
    with pytest.raises(CommandError):
        call_command("audit_verify", "--export", str(export_file))


def test_page_query_count_does_not_grow(client, org, admin, use_case):
    client.force_login(admin)
    client.get(url("audit_trail", org))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("audit_trail", org)).status_code == 200
    for n in range(30):
        services.use_case_update(actor=admin, use_case=use_case, team=f"Team {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("audit_trail", org)).status_code == 200
    assert len(many) == len(few)
