"""The portfolio scorecard: filters, sorting and pages, the whole-portfolio exports, the weekly
trend, and a query count that does not grow with the number of use cases."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import rollups, selectors
from metrics.selectors import portfolio as portfolio_selectors
from metrics.services import metric_target_set
from tests.factories import make_use_case
from tests.metrics.ingest_support import metric, send_rates
from tests.metrics.scorecard_support import (
    card_url,
    measured,
    page_url,
    rate,
    read_csv,
    rollup,
    target,
    week,
    with_data,
)

pytestmark = pytest.mark.django_db


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
    monkeypatch.setattr(portfolio_selectors, "PAGE_SIZE", 2)
    for i in range(5):
        make_use_case(org, pm, name=f"Case {i}")
    client.force_login(admin)
    response = client.get(page_url(org), {"page": 3})
    assert [r.use_case.name for r in response.context["rows"]] == ["Case 4"]
    assert "Page 3 of 3" in response.content.decode()


def test_portfolio_query_count_does_not_grow_with_use_cases(client, org, admin, pm):
    client.force_login(admin)
    with_data(org, pm, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(org)).status_code == 200
    _with_data_more = 27
    for i in range(_with_data_more):
        uc = make_use_case(org, pm, name=f"More {i:03d}")
        target(uc, "latency_ms", 2500, 4000)
        measured(uc, "latency_ms", week(), 1000.0 + i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url(org))
    assert len(response.context["rows"]) == portfolio_selectors.PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries)


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
    rollup(extra, "throughput", week(), count=168, days=7, sum=7 * 150.0)  # 150 a day: at risk
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


@pytest.mark.parametrize(
    ("today", "first", "count"),
    [
        # A Saturday: the 90 days start on a Monday (Aug 31) and the week of Nov 16 is the last
        # complete one: 12 weeks.
        (dt.date(2026, 11, 28), dt.date(2026, 8, 31), 12),
        # A Sunday: its own week is not over yet and the 90 days start on a Tuesday (Sep 1), so
        # the week of Aug 31 started before the window: 11 weeks.
        (dt.date(2026, 11, 29), dt.date(2026, 9, 7), 11),
        # A Monday: last week has just ended (Nov 23): 12 weeks again.
        (dt.date(2026, 11, 30), dt.date(2026, 9, 7), 12),
        # Across a year end: Sunday Jan 3, 2027 closes ISO week 53 of 2026.
        (dt.date(2027, 1, 3), dt.date(2026, 10, 12), 11),
    ],
    ids=["saturday", "sunday", "monday", "year-end-sunday"],
)
def test_trend_counts_missing_figures_against_the_share(org, pm, today, first, count):
    """The trend has one point per complete ISO week that starts within the 90 days ending
    today: 12 weeks, but 11 on a Sunday (exact, with the clock frozen on each day)."""
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), dt.UTC), tick=False):
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
    assert trend.share_on_target("system") == [None] * count
    assert trend.weeks == [first + dt.timedelta(weeks=n) for n in range(count)]
    assert trend.weeks[0] >= today - dt.timedelta(days=89)
    assert trend.weeks[-1] + dt.timedelta(days=6) < today  # complete: its Sunday has passed
    # Filters apply as on the table.
    assert selectors.portfolio_trend(org, q="A", today=today).targeted == {"quality": 1}


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


# The table is rendered once per state of what it shows, and shared


SHARED_T0 = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)  # a Wednesday
SHARED_WEEK = dt.date(2026, 2, 23)  # its last complete week
DAYS = [SHARED_WEEK + dt.timedelta(days=d) for d in range(3)]


def _target(pm, use_case, value, warning):
    metric_target_set(
        actor=pm,
        use_case=use_case,
        metric=metric("acceptance_rate"),
        target=value,
        warning=warning,
        baseline=None,
    )


def test_the_table_is_shared_by_state_and_never_older_than_it(
    client, org, admin, pm, viewer, use_case, monkeypatch
):
    """Members who read the same state get one rendering; a batch for a judged week is shown at
    once (its page is not shared until rolled up), and so are its roll-up and a new target."""
    renders = []
    original = selectors.portfolio_rows

    def counted(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(selectors, "portfolio_rows", counted)
    with time_machine.travel(SHARED_T0, tick=False) as clock:
        _target(pm, use_case, 0.75, 0.65)
        send_rates(admin, org, use_case, days=DAYS, successes=8, trials=10, tag="good")  # 24/30
        rollups.rollup_pending()

        def read(user) -> str:
            client.force_login(user)
            response = client.get(page_url(org))
            assert response.status_code == 200
            return response.content.decode()

        def status() -> str:
            page = read(viewer)
            return page.split("<tbody>")[1].split("</td>")[3]

        clock.shift(dt.timedelta(seconds=59))
        assert "On target" in status() and len(renders) == 1
        assert "Figures computed at 10:30 UTC, just now." in read(viewer)
        # A shared table is kept for a minute at most (the test's clock runs the cache's too).
        clock.shift(dt.timedelta(seconds=2))
        page = read(admin)  # another member, the same state: the same table, not rebuilt
        assert len(renders) == 1
        assert "Figures computed at 10:30 UTC, 1 min ago." in page  # the reader's own age

        # A late batch for the judged week: shown at once, and rendered for each reader until
        # the roll-up has caught up (its figures are recomputed from the samples on read).
        send_rates(admin, org, use_case, days=DAYS, successes=0, trials=10, tag="late")  # 24/60
        assert selectors.figures_state([use_case.pk], today=SHARED_T0.date()) is None
        assert "Off target" in status() and len(renders) == 2
        assert "Off target" in status() and len(renders) == 3

        rollups.rollup_pending()  # stored now: shared again, from the new roll-up
        assert "Off target" in status() and len(renders) == 4
        assert "Off target" in status() and len(renders) == 4

        _target(pm, use_case, 0.30, 0.20)  # an audited change of what the row is judged on
        assert "On target" in status() and len(renders) == 5
        # Another query string (a filter, a page) is another table.
        client.get(page_url(org), {"q": use_case.name[:3]})
        assert len(renders) == 6
