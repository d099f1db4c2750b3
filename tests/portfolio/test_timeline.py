"""The portfolio timeline: its geometry, the read (dates, phase states, late items, filters,
scoping), the page for every role, its print styles, and a constant number of queries."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio import timeline as tl
from portfolio.timeline import portfolio_timeline
from readiness.models import ChecklistItem, Role, UseCase, UseCaseStatus, Workstream
from tests.factories import add_member, make_use_case
from tests.portfolio.executive_support import (  # noqa: F401  (whole_gate is a fixture)
    approve_governance,
    whole_gate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_gate")]

TODAY = dt.date(2026, 4, 15)  # a Wednesday
NOON = dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC)
D = dt.date


def url(org):
    return reverse("portfolio_timeline", kwargs={"org": org.slug})


# --- Geometry --------------------------------------------------------------------------------


def test_the_axis_covers_whole_months_around_every_date_and_today():
    assert tl.axis_bounds([D(2026, 3, 10), D(2026, 6, 8)], D(2026, 4, 15)) == (
        D(2026, 3, 1),
        D(2026, 7, 1),
    )
    # Today outside the plans widens the axis; December rolls into January.
    assert tl.axis_bounds([D(2026, 11, 20)], D(2026, 12, 31)) == (D(2026, 11, 1), D(2027, 1, 1))


def test_positions_and_spans_are_numbers_in_the_chart_width():
    start, end = D(2026, 1, 1), D(2026, 1, 11)  # ten days: 100 units a day
    assert tl.position(D(2026, 1, 1), start, end) == 0
    assert tl.position(D(2026, 1, 6), start, end) == 500
    assert tl.position(D(2025, 12, 1), start, end) == 0  # clamped
    assert tl.position(D(2026, 3, 1), start, end) == tl.CHART_WIDTH
    # Inclusive of the last day: 2 to 4 January is three days.
    assert tl.span(D(2026, 1, 2), D(2026, 1, 4), start, end) == (100, 300)
    assert tl.middle(D(2026, 1, 2), start, end) == 150


def test_month_ticks_label_each_month_and_the_year_where_it_changes():
    ticks = tl.month_ticks(D(2026, 11, 1), D(2027, 3, 1))
    assert [t.day for t in ticks] == [D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1), D(2027, 2, 1)]
    assert [t.label for t in ticks] == ["Nov 2026", "Dec", "Jan 2027", "Feb"]
    assert ticks[0].x == 0 and 0 < ticks[1].x < ticks[2].x < ticks[3].x < tl.CHART_WIDTH


def test_a_long_axis_labels_every_other_month_and_drops_the_weeks():
    start, end = D(2025, 1, 1), D(2026, 7, 1)  # 18 months
    labels = [t.label for t in tl.month_ticks(start, end)]
    assert len(labels) == 18 and labels[0] == "Jan 2025" and labels[1] == "" and labels[2] == "Mar"
    assert tl.week_ticks(start, end) == []


def test_week_ticks_fall_on_mondays_on_a_short_axis():
    weeks = tl.week_ticks(D(2026, 4, 1), D(2026, 6, 1))
    assert weeks[0].day == D(2026, 4, 6) and all(t.day.weekday() == 0 for t in weeks)
    assert len(weeks) == 8


# --- The read --------------------------------------------------------------------------------


@pytest.fixture
def plans(org, pm):
    """Three use cases at different points of their plans on 15 April 2026."""
    # Started 1 March: phase 1 (1-30 March) ended late and open, phase 2 (31 March -) current.
    late = make_use_case(org, pm, name="Late claims", team="Claims", start_date=D(2026, 3, 1))
    # Started 1 April: in phase 1, nothing past due.
    fresh = make_use_case(org, pm, name="Fresh copilot", team="IT", start_date=D(2026, 4, 1))
    done = make_use_case(org, pm, name="Done drafting", team="IT", start_date=D(2026, 1, 5))
    UseCase.objects.filter(pk=done.pk).update(status=UseCaseStatus.PRODUCTION)
    for phase in done.phases.all():
        phase.actual_start, phase.actual_end = phase.planned_start, phase.planned_end
        phase.save(update_fields=["actual_start", "actual_end"])
    # Close every open item of the finished plan, so only "Late claims" has late items.
    ChecklistItem.objects.filter(workstream__use_case=done).update(done=True)
    ChecklistItem.objects.filter(phase__use_case=done).update(done=True)
    Workstream.objects.filter(use_case=done).update(status="done")
    return {"late": late, "fresh": fresh, "done": done}


def rows_by_name(timeline):
    return {row.use_case.name: row for row in timeline.rows}


def test_rows_carry_each_phase_with_its_dates_state_and_geometry(org, plans):
    timeline = portfolio_timeline(org, today=TODAY)
    assert [r.use_case.name for r in timeline.rows] == [
        "Done drafting",
        "Late claims",
        "Fresh copilot",
    ]  # earliest start first
    assert (timeline.start, timeline.end) == (D(2026, 1, 1), D(2026, 7, 1))
    rows = rows_by_name(timeline)
    late = rows["Late claims"]
    assert [(p.number, p.state) for p in late.phases] == [
        (1, "late"),
        (2, "upcoming"),
        (3, "upcoming"),
    ]  # phase 1 never passed its gate, so the use case is still in phase 1
    p1 = late.phases[0]
    assert (p1.planned_start, p1.planned_end) == (D(2026, 3, 1), D(2026, 3, 30))
    assert p1.x == tl.position(D(2026, 3, 1), timeline.start, timeline.end)
    assert p1.width == pytest.approx(
        tl.position(D(2026, 3, 31), timeline.start, timeline.end) - p1.x, abs=0.01
    )
    # It ran from its start until today (no actual end yet).
    assert p1.actual_start == D(2026, 3, 1) and p1.actual_x == p1.x
    assert p1.actual_x + p1.actual_width == pytest.approx(
        tl.position(TODAY + dt.timedelta(days=1), timeline.start, timeline.end), abs=0.01
    )
    assert late.stage_label == "Phase 1 of 3: Production definition"
    assert [p.state for p in rows["Fresh copilot"].phases] == ["current", "upcoming", "upcoming"]
    assert [p.state for p in rows["Done drafting"].phases] == ["done", "done", "done"]
    assert rows["Done drafting"].stage_label == "Production"
    assert timeline.today_x == tl.middle(TODAY, timeline.start, timeline.end)


def test_late_items_are_the_open_ones_past_their_due_date(org, plans):
    late_uc = plans["late"]
    rows = rows_by_name(portfolio_timeline(org, today=TODAY))
    late = rows["Late claims"]
    # Phase 1 ended 30 March: its five exit criteria and workstreams 1-2 (with their items)
    # were due then, as the portfolio's overdue count says.
    assert {d.kind for d in late.late_items} == {"workstream", "item", "criterion"}
    assert all(d.due_date < TODAY and d.use_case_id == late_uc.pk for d in late.late_items)
    assert len(late.late_items) == 14
    assert all(d.owner_name for d in late.late_items)  # who answers for each one
    # One marker per due day, placed on that day.
    assert [m.day for m in late.marks] == sorted({d.due_date for d in late.late_items})
    assert sum(len(m.items) for m in late.marks) == 14
    assert late.marks[0].x == tl.middle(late.marks[0].day, D(2026, 1, 1), D(2026, 7, 1))
    assert rows["Fresh copilot"].late_items == [] and rows["Done drafting"].late_items == []
    assert [p.number for p in late.late_phases] == [1]

    # An item done is no longer late; an item due today is not late yet.
    criterion = ChecklistItem.objects.filter(phase__use_case=late_uc).first()
    ChecklistItem.objects.filter(pk=criterion.pk).update(done=True)
    item = ChecklistItem.objects.filter(workstream__use_case=plans["fresh"], done=False).first()
    ChecklistItem.objects.filter(pk=item.pk).update(due_date=TODAY)
    rows = rows_by_name(portfolio_timeline(org, today=TODAY))
    assert len(rows["Late claims"].late_items) == 13
    assert rows["Fresh copilot"].late_items == []
    ChecklistItem.objects.filter(pk=item.pk).update(due_date=TODAY - dt.timedelta(days=1))
    rows = rows_by_name(portfolio_timeline(org, today=TODAY))
    assert [d.pk for d in rows["Fresh copilot"].late_items] == [item.pk]


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({}, {"Late claims", "Fresh copilot", "Done drafting"}),
        ({"team": "IT"}, {"Fresh copilot", "Done drafting"}),
        ({"phase": "1"}, {"Late claims", "Fresh copilot"}),
        ({"phase": "production"}, {"Done drafting"}),
        ({"q": "copilot"}, {"Fresh copilot"}),
        ({"verdict": "pilot_mode"}, {"Late claims", "Fresh copilot", "Done drafting"}),
        ({"verdict": "ready_next_gate"}, set()),
        ({"phase": "9", "verdict": "bogus"}, {"Late claims", "Fresh copilot", "Done drafting"}),
    ],
)
def test_filters_are_the_portfolios(org, plans, filters, expected):
    names = {r.use_case.name for r in portfolio_timeline(org, filters=filters, today=TODAY).rows}
    assert names == expected


def test_the_verdict_and_risk_filters_find_a_use_case_ready_for_its_next_gate(
    org, pm, admin, plans
):
    ready = make_use_case(org, pm, name="Ready next", risk_tier="high", start_date=TODAY)
    approve_governance(ready, admin)
    ChecklistItem.objects.filter(phase__use_case=ready, phase__number=1).update(done=True)
    for filters in ({"verdict": "ready_next_gate"}, {"risk_tier": "high"}):
        rows = portfolio_timeline(org, filters=filters, today=TODAY).rows
        assert [r.use_case.name for r in rows] == ["Ready next"], filters
    pilots = portfolio_timeline(org, filters={"verdict": "pilot_mode"}, today=TODAY).rows
    assert "Ready next" not in {r.use_case.name for r in pilots}


def test_other_organizations_are_not_on_it(org, other_org, plans):
    names = {r.use_case.name for r in portfolio_timeline(org, today=TODAY).rows}
    assert "Globex copilot" not in names and len(names) == 3
    other, _admin, other_uc = other_org
    other_rows = portfolio_timeline(other, today=TODAY).rows
    assert [r.use_case.pk for r in other_rows] == [other_uc.pk]
    assert all(d.use_case_id == other_uc.pk for r in other_rows for d in r.late_items)


def test_an_empty_portfolio_has_an_axis_around_today(org):
    timeline = portfolio_timeline(org, today=TODAY)
    assert timeline.rows == [] and (timeline.start, timeline.end) == (D(2026, 4, 1), D(2026, 5, 1))


# --- The page ------------------------------------------------------------------------------


@pytest.mark.time_machine(NOON, tick=False)
def test_every_member_reads_it(client, org, plans, role_member):
    _role, user = role_member
    client.force_login(user)
    response = client.get(url(org))
    html = response.content.decode()
    assert response.status_code == 200
    late = plans["late"]
    own = reverse("usecase_timeline", kwargs={"org": org.slug, "pk": late.pk})
    assert f'<a href="{own}">Late claims</a>' in html
    assert f'href="{own}#late-title">14 late items' in html
    # Each row is an image with a title and a description in words, for screen readers.
    assert f'aria-labelledby="ptl-t-{late.pk} ptl-d-{late.pk}"' in html
    desc = re.search(rf'<desc id="ptl-d-{late.pk}">(.*?)</desc>', html, re.S).group(1)
    assert "Phase 1, Production definition: late; planned 1 Mar 2026 to 30 Mar 2026" in desc
    assert "Late: " in desc
    # Geometry is in attributes; the CSP forbids style attributes.
    assert 'class="ptl-phase late" x="' in html and "style=" not in html
    assert 'class="ptl-today"' in html and "Today" in html
    assert "What is late" in html and "Workstream 1: Workflow economics" in html


@pytest.mark.time_machine(NOON, tick=False)
def test_filters_in_the_query_string(client, org, plans, viewer):
    client.force_login(viewer)
    html = client.get(url(org), {"team": "IT"}).content.decode()
    assert "Fresh copilot" in html and "Late claims" not in html
    assert "2 use cases match these filters" in html
    html = client.get(url(org), {"q": "nothing like it"}).content.decode()
    assert "No use case matches these filters" in html


@pytest.mark.time_machine(NOON, tick=False)
def test_other_tenants_get_404_and_strangers_sign_in(client, org, other_org, viewer):
    other, _admin, _uc = other_org
    client.force_login(viewer)
    assert client.get(url(other)).status_code == 404
    client.logout()
    response = client.get(url(org))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.time_machine(NOON, tick=False)
def test_linked_from_the_portfolio_and_the_phone_menu(client, org, viewer):
    client.force_login(viewer)
    html = client.get(reverse("portfolio_dashboard", kwargs={"org": org.slug})).content.decode()
    assert html.count(f'href="{url(org)}') >= 2  # the portfolio's button and the phone menu
    assert ">Portfolio timeline</a>" in html


def test_print_styles_fit_a4_landscape_and_drop_the_chrome(client, org, viewer):
    client.force_login(viewer)
    html = client.get(url(org)).content.decode()
    assert 'href="/static/css/print.css" media="print"' in html
    assert "data-print" in html  # the Print button (shown by report.js)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "size: A4 landscape" in css
    assert ".topbar" in css and ".filters" in css  # no navigation, no filter form on paper
    assert ".ptl-scroll { overflow: visible !important; }" in css
    assert "table.ptl { min-width: 0 !important;" in css


# --- Queries ---------------------------------------------------------------------------------


def _queries(client, org, params):
    client.get(url(org), params)  # warm caches filled once per process
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(org), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.time_machine(NOON, tick=False)
@pytest.mark.parametrize("params", [{}, {"verdict": "pilot_mode"}, {"team": "Team 0"}])
def test_constant_queries_at_1_and_12_use_cases(client, org, pm, params):
    executive = add_member(org, Role.EXECUTIVE)
    client.force_login(executive)
    make_use_case(org, pm, name="UC 00", team="Team 0", start_date=D(2026, 2, 1))
    at_1 = _queries(client, org, params)
    for i in range(1, 12):
        make_use_case(org, pm, name=f"UC {i:02d}", team=f"Team {i % 2}", start_date=D(2026, 2, i))
    at_12 = _queries(client, org, params)
    assert at_1 == at_12, (at_1, at_12)
