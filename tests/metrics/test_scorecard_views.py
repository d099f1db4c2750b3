"""The scorecard pages and exports: statuses from roll-ups, org scoping, the role matrix, the
constant query count of the portfolio, and what metrics tells readiness's executive pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics import contrib as metrics_contrib
from metrics import scorecards, selectors
from metrics.models import MetricTarget, Rollup
from readiness import contrib
from readiness.models import Role
from tests.factories import add_member, make_use_case
from tests.metrics.ingest_support import metric

pytestmark = pytest.mark.django_db


def week(weeks_back: int = 0) -> dt.date:
    return scorecards.last_complete_week(selectors.today_utc()) - dt.timedelta(weeks=weeks_back)


def rollup(use_case, key, start, *, period="week", **figures):
    return Rollup.objects.create(
        use_case=use_case,
        metric=metric(key),
        period=period,
        period_start=start,
        computed_at=timezone.now(),
        **figures,
    )


def target(use_case, key, target=None, warning=None, baseline=None):
    return MetricTarget.objects.create(
        use_case=use_case, metric=metric(key), target=target, warning=warning, baseline=baseline
    )


def rate(use_case, key, start, r, trials=400, period="week"):
    return rollup(
        use_case,
        key,
        start,
        period=period,
        count=trials // 10,
        successes=r * trials,
        trials=trials,
        rate=r,
        ci_low=r - 0.02,
        ci_high=r + 0.02,
    )


def measured(use_case, key, start, p50, count=100, period="week"):
    return rollup(
        use_case, key, start, period=period, count=count, sum=p50 * count, mean=p50, p50=p50
    )


@pytest.fixture
def scored(use_case):
    """Acceptance at risk, latency on target, cycle time short of samples, throughput on
    target per day (a week's sum of 1,400 is 200 a day against 160)."""
    target(use_case, "acceptance_rate", 0.75, 0.65)
    target(use_case, "latency_ms", 2500, 4000)
    target(use_case, "cycle_time_h", 8, 12, 30)
    target(use_case, "throughput", 160, 130, 100)
    rate(use_case, "acceptance_rate", week(), 0.68)
    rate(use_case, "acceptance_rate", week(1), 0.60)
    measured(use_case, "latency_ms", week(), 1300.0, count=336)
    measured(use_case, "cycle_time_h", week(), 6.0, count=10)
    rollup(use_case, "throughput", week(), count=168, sum=1400.0)
    today = selectors.today_utc()
    for offset in range(3):
        rate(use_case, "acceptance_rate", today - dt.timedelta(days=offset), 0.7, period="day")
    return use_case


def page_url(org):
    return reverse("scorecard_portfolio", kwargs={"org": org.slug})


def card_url(use_case):
    return reverse(
        "scorecard_use_case", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )


def export_url(use_case, fmt):
    return reverse(
        "scorecard_use_case_export",
        kwargs={"org": use_case.organization.slug, "pk": use_case.pk, "fmt": fmt},
    )


# The use case's scorecard


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


def test_a_use_case_with_no_data_says_so(client, viewer, use_case):
    target(use_case, "acceptance_rate", 0.75, 0.65)
    client.force_login(viewer)
    response = client.get(card_url(use_case))
    assert response.status_code == 200
    assert "No figures in the last 90 days." in response.content.decode()
    levels = {g.level: g.status for g in response.context["card"].levels}
    assert levels == {"system": "no_target", "quality": "no_data", "business": "no_target"}


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


# Exports


def read_csv(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


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
    assert book.sheetnames == ["Scorecard", "Weekly figures", "Daily trend"]
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


def test_exports_never_write_formulas(client, org, admin, pm):
    uc = make_use_case(org, pm, name='=HYPERLINK("http://x")', team="+Ops")
    target(uc, "latency_ms", 2500)
    client.force_login(admin)
    url = reverse("scorecard_portfolio_export", kwargs={"org": org.slug, "fmt": "csv"})
    rows = read_csv(client.get(url))
    assert rows[0]["Use case"].startswith("'=") and rows[0]["Team"] == "'+Ops"
    url = reverse("scorecard_portfolio_export", kwargs={"org": org.slug, "fmt": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(client.get(url).content))
    cell = book["Summary"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_portfolio_export_covers_every_page_and_keeps_filters(client, org, admin, pm, scored):
    for i in range(3):
        make_use_case(org, pm, name=f"Other {i}", team="Finance")
    client.force_login(admin)
    url = reverse("scorecard_portfolio_export", kwargs={"org": org.slug, "fmt": "csv"})
    rows = read_csv(client.get(url))
    assert len({r["Use case"] for r in rows}) == 4 and len(rows) == 4 * 11
    rows = read_csv(client.get(url, {"team": "Finance"}))
    assert {r["Team"] for r in rows} == {"Finance"}
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(url.replace("csv", "xlsx"), {"q": scored.name}).content)
    )
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    assert summary[1][:6] == [scored.name, scored.team, "Pilot", "On target", 1, 1]


# The portfolio page


def test_portfolio_filters_and_sorts(client, org, admin, pm, scored):
    make_use_case(org, pm, name="Alpha", team="Finance")
    make_use_case(org, pm, name="Zulu", team="Finance")
    client.force_login(admin)
    names = lambda r: [row.use_case.name for row in r.context["rows"]]  # noqa: E731
    assert names(client.get(page_url(org))) == ["Alpha", scored.name, "Zulu"]
    assert names(client.get(page_url(org), {"sort": "-name"})) == ["Zulu", scored.name, "Alpha"]
    assert names(client.get(page_url(org), {"team": "Finance"})) == ["Alpha", "Zulu"]
    assert names(client.get(page_url(org), {"status": "production"})) == []
    assert names(client.get(page_url(org), {"q": "zul"})) == ["Zulu"]
    # Unknown values are ignored rather than failing the page.
    response = client.get(page_url(org), {"sort": "bogus", "team": "Nope", "page": "x"})
    assert response.status_code == 200 and names(response) == ["Alpha", scored.name, "Zulu"]
    html = client.get(page_url(org)).content.decode()
    assert card_url(scored) in html and "At risk" in html


def test_portfolio_htmx_answers_the_results_only(client, org, admin, scored):
    client.force_login(admin)
    response = client.get(page_url(org), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="scorecard-results")
    html = response.content.decode()
    assert "<table" in html and "<html" not in html


def test_portfolio_paginates(client, org, admin, pm, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for i in range(5):
        make_use_case(org, pm, name=f"Case {i}")
    client.force_login(admin)
    response = client.get(page_url(org), {"page": 3})
    assert [r.use_case.name for r in response.context["rows"]] == ["Case 4"]
    assert "Page 3 of 3" in response.content.decode()


def _with_data(org, pm, n):
    for i in range(n):
        uc = make_use_case(org, pm, name=f"Use case {i:03d}", team=f"Team {i % 4}")
        target(uc, "acceptance_rate", 0.75, 0.65)
        target(uc, "cycle_time_h", 8, 12, 30)
        rate(uc, "acceptance_rate", week(), 0.7 + i / 1000)
        measured(uc, "cycle_time_h", week(), 7.0)


def test_portfolio_query_count_does_not_grow_with_use_cases(client, org, admin, pm):
    client.force_login(admin)
    _with_data(org, pm, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(org)).status_code == 200
    _with_data_more = 27
    for i in range(_with_data_more):
        uc = make_use_case(org, pm, name=f"More {i:03d}")
        target(uc, "latency_ms", 2500, 4000)
        measured(uc, "latency_ms", week(), 1000.0 + i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url(org))
    assert len(response.context["rows"]) == selectors.PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries)


# What metrics tells readiness's executive pages


def test_portfolio_facts_in_constant_queries(org, pm, scored, django_assert_num_queries):
    from readiness.models import UseCase

    facts = metrics_contrib.portfolio_facts([scored])
    assert facts[scored.pk] == {
        "scorecard": {"system": "on_target", "quality": "at_risk", "business": "on_target"},
        "scorecard_url": card_url(scored),
    }
    assert facts[scored.pk]["scorecard"]["quality"].label == "At risk"
    _with_data(org, pm, 3)
    few = list(UseCase.objects.filter(organization=org)[:2])
    many = list(UseCase.objects.filter(organization=org))
    with CaptureQueriesContext(connection) as a:
        metrics_contrib.portfolio_facts(few)
    with django_assert_num_queries(len(a.captured_queries)):
        found = metrics_contrib.portfolio_facts(many)
    assert set(found) == {uc.pk for uc in many}
    # Merged into readiness's registry under the contract's keys.
    merged = contrib.portfolio_facts([scored])[scored.pk]
    assert merged["scorecard_url"] == card_url(scored)


def _answers(use_case):
    return {a.question: a for a in contrib.scale_answers(use_case) if a.source == "metrics"}


def test_scale_answers_flag_a_use_case_without_business_baselines(use_case):
    answers = _answers(use_case)
    assert answers["workflow"].flagged and "baseline" in answers["workflow"].reason
    assert answers["value_metric"].flagged
    assert "target and a pre-AI baseline" in answers["value_metric"].reason
    assert answers["workflow"].evidence[0].url == card_url(use_case)


def test_scale_answers_from_business_metrics(scored):
    # Throughput has a target, a baseline and one judged week: it moved, not yet a trend.
    answers = _answers(scored)
    assert not answers["workflow"].flagged
    assert "Throughput 200 cases/day" in answers["workflow"].text
    assert "baseline of 100 cases/day (+100 cases/day (+100%), better)" in answers["workflow"].text
    assert answers["value_metric"].flagged
    assert "fewer than 4 complete weeks" in answers["value_metric"].reason
    for back in range(1, 4):
        rollup(scored, "throughput", week(back), count=168, sum=1300.0)
    answers = _answers(scored)
    assert not answers["value_metric"].flagged
    assert "Throughput: on target" in answers["value_metric"].text
    assert "4 weeks of figures" in answers["value_metric"].text


def test_scale_answers_bulk_matches_single(org, pm, scored, use_case):
    other = make_use_case(org, pm, name="Second")
    bulk = contrib.scale_answers_many([scored, other])
    assert [a for a in bulk[scored.pk] if a.source == "metrics"] == list(_answers(scored).values())
    assert all(a.flagged for a in bulk[other.pk] if a.source == "metrics")


def test_panels_of_other_apps_are_rendered_at_the_end(client, viewer, scored, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "testpanel").mkdir(parents=True)
    (template_dir / "testpanel" / "panel.html").write_text("<p>Panel says {{ words }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}
    ]
    contrib.register_panel(
        "scorecard",
        "tests.panel",
        lambda uc: contrib.Panel(title="Test panel", template="testpanel/panel.html",
                                 context={"words": f"hello {uc.name}"}),
    )  # fmt: skip
    try:
        client.force_login(viewer)
        html = client.get(card_url(scored)).content.decode()
    finally:
        contrib._panels["scorecard"].pop("tests.panel")
    assert "Test panel" in html and f"Panel says hello {scored.name}" in html
    assert html.index("Test panel") > html.index("Business metrics")


def test_non_members_get_404_even_with_a_role_elsewhere(client, org, scored, other_org):
    outsider = add_member(other_org[0], Role.EXECUTIVE)
    client.force_login(outsider)
    assert client.get(card_url(scored)).status_code == 404
    assert client.get(page_url(org)).status_code == 404


# The portfolio's trend


def _trend_url(org):
    return reverse("scorecard_portfolio_trend", kwargs={"org": org.slug})


@pytest.mark.parametrize("higher", [True, False])
def test_trend_sql_agrees_with_the_python_rules(org, pm, higher):
    """The trend judges weekly roll-ups in SQL; it must count exactly what the scorecard shows."""
    key = "acceptance_rate" if higher else "edit_rate"
    cases = [
        # (value, target, warning, trials)
        (0.80, 0.75, 0.65, 400),
        (0.75, 0.75, 0.65, 400),
        (0.70, 0.75, 0.65, 400),
        (0.60, 0.75, 0.65, 400),
        (0.90, 0.75, None, 10),  # too few trials
        (0.70, 0.75, None, 400),
        (0.70, 0.75, 0.80, 400),  # warning on the wrong side for higher-is-better
        (0.20, 0.25, 0.35, 400),
        (0.30, 0.25, 0.35, 400),
        (0.40, 0.25, 0.35, 400),
        (0.30, 0.25, 0.20, 400),  # wrong side for lower-is-better
    ]
    use_cases = []
    for i, (value, tgt, warn, trials) in enumerate(cases):
        uc = make_use_case(org, pm, name=f"Case {higher} {i}")
        target(uc, key, tgt, warn)
        rate(uc, key, week(), value, trials=trials)
        use_cases.append(uc)
    # A measured and a count metric, judged on p50 and on the daily average.
    extra = make_use_case(org, pm, name="Measured and count")
    target(extra, "latency_ms", 2500, 4000)
    measured(extra, "latency_ms", week(), 3000.0)
    target(extra, "throughput", 160, 130)
    rollup(extra, "throughput", week(), count=168, sum=7 * 150.0)  # 150 a day: at risk
    use_cases.append(extra)
    python = {}
    for groups in selectors.scorecards_for(use_cases).values():
        for group in groups:
            for line in group.lines:
                if line.target is not None:
                    key_ = (group.level, str(line.status))
                    python[key_] = python.get(key_, 0) + 1
    trend = selectors.portfolio_trend(org)
    sql = {
        (level, status): n
        for level in ("system", "quality", "business")
        for status, n in trend.latest(level).items()
        if n and status != "missing"
    }
    assert sql == python
    assert trend.latest("business") == {"at_risk": 1, "missing": 0}


def test_trend_counts_missing_figures_against_the_share(org, pm):
    a = make_use_case(org, pm, name="A")
    b = make_use_case(org, pm, name="B")
    target(a, "acceptance_rate", 0.75, 0.65)
    target(b, "acceptance_rate", 0.75, 0.65)
    rate(a, "acceptance_rate", week(), 0.8)
    rate(a, "acceptance_rate", week(1), 0.7)
    trend = selectors.portfolio_trend(org)
    assert trend.targeted == {"quality": 2}
    assert trend.latest("quality") == {"on_target": 1, "missing": 1}
    assert trend.share_on_target("quality")[-2:] == [0.0, 50.0]
    assert trend.share_on_target("system") == [None] * len(trend.weeks)
    # The complete weeks that start within the 90 days: 12 or 13 by the day of the week.
    assert len(trend.weeks) in (12, 13) and trend.weeks[-1] == week()
    assert trend.weeks[0] >= scorecards.window_start(selectors.today_utc())
    # Filters apply as on the table.
    assert selectors.portfolio_trend(org, q="A").targeted == {"quality": 1}


def test_trend_with_htmx_is_a_partial_and_without_is_inline(client, org, admin, scored):
    client.force_login(admin)
    page = client.get(page_url(org)).content.decode()
    assert _trend_url(org) in page and "Portfolio trend" not in page  # loaded after the table
    partial = client.get(_trend_url(org), {"team": scored.team}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "Portfolio trend" in html and "<html" not in html
    assert 'id="portfolio-trend-data"' in html and "1 on target" in html
    plain = client.get(_trend_url(org), {"team": scored.team})
    assert plain.status_code == 302 and "trend=1" in plain["Location"]
    inline = client.get(plain["Location"])
    assert "Portfolio trend" in inline.content.decode()
    assert inline.context["trend_levels"][1]["latest"] == {"at_risk": 1, "missing": 0}


def test_trend_is_scoped_to_the_organization(client, org, admin, other_org, scored):
    other, other_admin, _ = other_org
    client.force_login(admin)
    assert client.get(_trend_url(other), HTTP_HX_REQUEST="true").status_code == 404
    client.force_login(other_admin)
    response = client.get(_trend_url(other), HTTP_HX_REQUEST="true")
    assert response.context["trend"].targeted == {}


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
