"""One use case's scorecard page and its exports: statuses from roll-ups, org scoping, the role
matrix, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import scorecards
from readiness.models import Role
from tests.factories import add_member
from tests.metrics.ingest_support import metric
from tests.metrics.scorecard_support import (
    card_url,
    export_url,
    page_url,
    rate,
    read_csv,
    target,
    week,
)

pytestmark = pytest.mark.django_db


def test_use_case_scorecard_judges_the_last_complete_week(client, viewer, scored):
    client.force_login(viewer)
    response = client.get(card_url(scored))
    assert response.status_code == 200
    lines = {line.metric.key: line for line in response.context["card"].lines}
    assert lines["acceptance_rate"].status == scorecards.Status.AT_RISK
    assert lines["acceptance_rate"].value == 0.68  # not last week's 0.60, nor today's 0.70
    assert lines["latency_ms"].status == scorecards.Status.ON_TARGET
    assert lines["cycle_time_h"].status == scorecards.Status.NO_DATA  # 10 samples < 25
    assert lines["throughput"].value == 200.0
    assert lines["throughput"].status == scorecards.Status.ON_TARGET
    assert lines["edit_rate"].status == scorecards.Status.NO_TARGET
    levels = {g.level: g.status for g in response.context["card"].levels}
    assert levels == {"system": "on_target", "quality": "at_risk", "business": "on_target"}
    html = response.content.decode()
    assert "68.0%" in html and "At risk" in html and "Not enough data" in html
    assert "+100 (+100%)" in html and "in cases/day" in html  # throughput against its baseline
    assert 'id="scorecard-data"' in html and "data-scorecard-chart" in html
    assert "vendor/chart-4.5.1.umd.min.js" in html
    chart = response.context["charts"][str(metric("acceptance_rate").pk)]
    assert chart["values"] == [70.0, 70.0, 70.0] and chart["target"] == 75.0


def test_min_samples_setting(client, viewer, scored, settings):
    settings.METRICS_SCORECARD_MIN_SAMPLES = 5
    client.force_login(viewer)
    response = client.get(card_url(scored))
    lines = {line.metric.key: line for line in response.context["card"].lines}
    assert lines["cycle_time_h"].status == scorecards.Status.ON_TARGET


def test_a_metric_silent_since_an_older_week_is_marked(client, viewer, use_case):
    target(use_case, "edit_rate", 0.25, 0.35)
    rate(use_case, "edit_rate", week(3), 0.2)
    client.force_login(viewer)
    response = client.get(card_url(use_case))
    line = next(x for x in response.context["card"].lines if x.metric.key == "edit_rate")
    assert line.stale and line.period_start == week(3)
    assert "no figures since" in response.content.decode()


def test_a_use_case_with_no_data_says_what_to_do_instead_of_empty_charts(
    client, org, viewer, pm, admin, use_case
):
    target(use_case, "acceptance_rate", 0.75, 0.65)
    client.force_login(viewer)
    response = client.get(card_url(use_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No figures yet" in html and "data-scorecard-chart" not in html
    assert "1 of 11 metrics has one" in html
    # A viewer is told who does it; those who may get the links.
    assert "a program manager or org admin sets them" in html
    assert reverse("api_token_list", args=[org.slug]) not in html
    client.force_login(pm)
    html = client.get(card_url(use_case)).content.decode()
    assert reverse("metric_targets", args=[org.slug, use_case.pk]) in html
    assert reverse("metric_upload", args=[org.slug]) in html
    assert reverse("api_token_list", args=[org.slug]) not in html
    client.force_login(admin)
    html = client.get(card_url(use_case)).content.decode()
    assert reverse("api_token_list", args=[org.slug]) in html
    levels = {g.level: g.status for g in response.context["card"].levels}
    assert levels == {"system": "no_target", "quality": "no_data", "business": "no_target"}


def test_a_use_case_that_started_today_has_no_trend_since_months_ago(client, org, pm):
    import datetime as dt

    import time_machine

    from tests.factories import make_use_case

    with time_machine.travel(dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC), tick=False):
        fresh = make_use_case(org, pm, name="Fresh", start_date=dt.date(2026, 11, 27))
        client.force_login(pm)
        html = client.get(card_url(fresh)).content.decode()
    assert "started today" in html
    assert "trend since" not in html and "30 Aug 2026" not in html


def test_the_trend_starts_with_the_use_case(client, org, pm, scored):
    client.force_login(pm)
    html = client.get(card_url(scored)).content.decode()
    assert f"trend since {scored.start_date:%-d %b %Y}" in html


def test_every_role_reads_scorecards_and_exports(client, org, role_member, scored):
    _, user = role_member
    client.force_login(user)
    for url in (page_url(org), card_url(scored), export_url(scored, "csv")):
        assert client.get(url).status_code == 200


def test_another_organizations_scorecards_are_404(client, org, admin, other_org, scored):
    other, other_admin, their_use_case = other_org
    client.force_login(admin)
    # Their use case through our organization's URL, and their organization's URLs.
    assert client.get(card_url(their_use_case)).status_code == 404
    ours = reverse("scorecard_use_case", kwargs={"org": org.slug, "pk": their_use_case.pk})
    assert client.get(ours).status_code == 404
    assert client.get(page_url(other)).status_code == 404
    assert client.get(export_url(their_use_case, "xlsx")).status_code == 404
    export = reverse("scorecard_portfolio_export", kwargs={"org": other.slug, "fmt": "csv"})
    assert client.get(export).status_code == 404
    # Their admin sees none of our use cases on their portfolio.
    client.force_login(other_admin)
    response = client.get(page_url(other))
    assert [r.use_case.pk for r in response.context["rows"]] == [their_use_case.pk]


def test_signed_out_visitors_are_sent_to_sign_in(client, org, scored):
    response = client.get(card_url(scored))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_members_get_404_even_with_a_role_elsewhere(client, org, scored, other_org):
    outsider = add_member(other_org[0], Role.EXECUTIVE)
    client.force_login(outsider)
    assert client.get(card_url(scored)).status_code == 404
    assert client.get(page_url(org)).status_code == 404


def test_use_case_scorecard_query_count_does_not_grow_with_data(client, viewer, use_case):
    client.force_login(viewer)
    target(use_case, "acceptance_rate", 0.75, 0.65)
    rate(use_case, "acceptance_rate", week(), 0.8)
    with CaptureQueriesContext(connection) as few:
        client.get(card_url(use_case))
    for key in ("edit_rate", "escalation_rate", "error_rate", "availability"):
        target(use_case, key, 0.5, None, 0.4)
        for back in range(6):
            rate(use_case, key, week(back), 0.3)
    with CaptureQueriesContext(connection) as many:
        client.get(card_url(use_case))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_use_case_csv_export(client, viewer, scored):
    client.force_login(viewer)
    response = client.get(export_url(scored, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {row["Metric key"]: row for row in read_csv(response)}
    assert len(rows) == 11
    acceptance = rows["acceptance_rate"]
    assert acceptance["Value"] == "68.0" and acceptance["Unit"] == "%"
    assert acceptance["Target"] == "75.0" and acceptance["Status"] == "At risk"
    assert acceptance["Week of"] == week().isoformat()
    assert acceptance["Level status"] == "At risk"
    assert rows["throughput"]["Change since baseline (%)"] == "100.0"
    assert rows["edit_rate"]["Status"] == "No target" and rows["edit_rate"]["Value"] == ""


def test_use_case_xlsx_export(client, viewer, scored):
    client.force_login(viewer)
    response = client.get(export_url(scored, "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Scorecard", "Weekly figures", "Daily trend", "About these figures"]
    sheet = book["Scorecard"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(2)]
    acceptance = next(r for r in rows if r["Metric key"] == "acceptance_rate")
    assert acceptance["Value"] == 68.0 and acceptance["Status"] == "At risk"
    assert acceptance["Week of"].date() == week()
    assert book["Daily trend"].max_row == 1 + 3  # header and three days of acceptance


def test_unknown_export_format_is_refused_with_the_fix(client, org, viewer, scored):
    client.force_login(viewer)
    response = client.get(export_url(scored, "pdf"))
    assert response.status_code == 400
    assert "export.csv or export.xlsx" in response.content.decode()
    portfolio = reverse("scorecard_portfolio_export", kwargs={"org": org.slug, "fmt": "pdf"})
    assert client.get(portfolio).status_code == 400


def test_a_count_is_judged_on_its_daily_totals_not_its_reports(
    client, org, pm, admin, use_case, time_machine
):
    """Seven daily throughput totals of 140 against a target of 100 a day: on target, though
    seven reports are far fewer than the 25 samples a measured value needs."""
    from metrics import rollups
    from metrics.services import samples_ingest

    time_machine.move_to(dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC), tick=False)
    target(use_case, "throughput", 100)
    monday = week()  # the last complete week: Monday 2 March 2026
    samples_ingest(
        actor=pm,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "throughput",
                "timestamp": f"{(monday + dt.timedelta(days=d)).isoformat()}T17:00:00Z",
                "value": 140,
                "client_id": f"day-{d}",
            }
            for d in range(7)
        ],
    )
    rollups.rollup_pending()
    client.force_login(admin)
    response = client.get(card_url(use_case))
    line = next(x for x in response.context["card"].lines if x.metric.key == "throughput")
    assert (line.value, line.samples, line.status) == (140.0, 7.0, scorecards.Status.ON_TARGET)
    business = next(g for g in response.context["card"].levels if g.level == "business")
    assert business.status == scorecards.Status.ON_TARGET and business.on_target == 1
    assert "7 days" in response.content.decode()
    # Six days are not enough: the minimum is in days.
    from metrics.models import Sample

    Sample.objects.filter(client_id="day-0").delete()
    rollups.mark_from_samples([use_case.pk])
    rollups.rollup_pending()
    response = client.get(card_url(use_case))
    line = next(x for x in response.context["card"].lines if x.metric.key == "throughput")
    assert (line.samples, line.status) == (6.0, scorecards.Status.NO_DATA)
    # The targets page states the unit the scorecard compares: per day.
    targets = client.get(reverse("metric_targets", kwargs={"org": org.slug, "pk": use_case.pk}))
    assert "cases/day" in targets.content.decode()
