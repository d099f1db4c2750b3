"""The leadership report: printable portfolio and use case pages, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portfolio import reports
from tests.factories import make_use_case


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def test_every_member_reads_the_portfolio_report(client, org, use_case, role_member) -> None:
    _, user = role_member
    client.force_login(user)
    response = client.get(url("report_portfolio", org))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Triage assistance" in text
    assert "css/print.css" in text and 'media="print"' in text
    assert url("report_portfolio_export", org, "csv") in text


def test_non_members_get_404(client, org, use_case, other_org) -> None:
    _, other_admin, _ = other_org
    client.force_login(other_admin)
    assert client.get(url("report_portfolio", org)).status_code == 404
    assert client.get(url("report_portfolio_export", org, "csv")).status_code == 404
    assert client.get(url("report_use_case", org, use_case.pk)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, org) -> None:
    response = client.get(url("report_portfolio", org))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_report_shows_only_this_organizations_use_cases(
    client, org, admin, use_case, other_org
) -> None:
    client.force_login(admin)
    text = client.get(url("report_portfolio", org)).content.decode()
    assert "Globex copilot" not in text
    rows = list(
        csv.reader(
            io.StringIO(client.get(url("report_portfolio_export", org, "csv")).content.decode())
        )
    )
    assert [r[0] for r in rows[1:]] == ["Triage assistance"]


def test_csv_export(client, org, admin, use_case) -> None:
    client.force_login(admin)
    response = client.get(url("report_portfolio_export", org, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{org.slug}-portfolio-'
    )
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [h for h, _ in reports.COLUMNS]
    values = dict(zip(header, row, strict=True))
    assert values["Use case"] == "Triage assistance"
    assert values["Team"] == "Customer support"
    assert values["Verdict"] == "Pilot mode"
    assert int(values["Open blockers"]) >= 1
    assert "exit criterion" in values["What to fix"]


def test_export_neutralises_spreadsheet_formulas(client, org, admin, pm) -> None:
    make_use_case(org, pm, name='=HYPERLINK("http://evil")', team="+team")
    client.force_login(admin)
    _, row = list(
        csv.reader(
            io.StringIO(client.get(url("report_portfolio_export", org, "csv")).content.decode())
        )
    )
    assert row[0] == '\'=HYPERLINK("http://evil")' and row[1] == "'+team"


def test_xlsx_export(client, org, admin, use_case, pm) -> None:
    make_use_case(org, pm, name="Claims summariser", team="Claims")
    client.force_login(admin)
    response = client.get(url("report_portfolio_export", org, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [h for h, _ in reports.COLUMNS]
    assert sorted(r[0] for r in rows[1:]) == ["Claims summariser", "Triage assistance"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "B2"


def test_exports_follow_the_dashboard_filters(client, org, admin, use_case, pm) -> None:
    make_use_case(org, pm, name="Claims summariser", team="Claims")
    client.force_login(admin)
    response = client.get(url("report_portfolio_export", org, "csv"), {"team": "Claims"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[0] for r in rows[1:]] == ["Claims summariser"]
    page = client.get(url("report_portfolio", org), {"team": "Claims"}).content.decode()
    assert "Team: Claims" in page and "Triage assistance" not in page


@pytest.mark.parametrize("fmt", ["pdf", "json", "csv.exe"])
def test_unknown_export_format_is_404(client, org, admin, fmt) -> None:
    client.force_login(admin)
    assert client.get(f"/o/{org.slug}/reports/portfolio.{fmt}").status_code == 404


def test_portfolio_report_runs_constant_queries(
    client, org, admin, pm, use_case, django_assert_max_num_queries
) -> None:
    client.force_login(admin)
    with django_assert_max_num_queries(60) as few:
        client.get(url("report_portfolio", org))
    for n in range(4):
        make_use_case(org, pm, name=f"Use case {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("report_portfolio", org))
    assert len(response.context["report"].rows) == 5


def test_use_case_report(client, org, viewer, use_case) -> None:
    client.force_login(viewer)
    response = client.get(url("report_use_case", org, use_case.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Triage assistance: leadership report" in text
    assert "The six questions before scale" in text
    assert "What workflow is improving, exactly?" in text
    assert "Phase 1 exit criterion not met" in text
    report = response.context["report"]
    assert len(report.workstreams) == 7 and len(report.phases) == 3
    assert report.history[0].action == "use_case.create" or report.history


def test_use_case_report_of_another_org_is_404_even_by_id(client, org, admin, other_org) -> None:
    _, _, foreign = other_org
    client.force_login(admin)
    assert client.get(url("report_use_case", org, foreign.pk)).status_code == 404
    assert client.get(url("report_use_case", org, 999999)).status_code == 404


def test_xlsx_export_survives_control_characters_in_names(client, org, admin, pm) -> None:
    # A vertical tab typed into a page's name field made every XLSX export answer 500
    # (openpyxl refuses control characters); they are removed, formulas still quoted.
    make_use_case(org, pm, name="Claims\x0bsummariser\x07", team="=\x1fteam")
    client.force_login(admin)
    response = client.get(url("report_portfolio_export", org, "xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("Claimssummariser", "'=team") in {(r[0], r[1]) for r in rows[1:]}
