"""The executive portfolio: rows, verdicts, filters, sorting, scoping and query counts."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.selectors import build_rows, portfolio_row, portfolio_rows
from readiness import services
from readiness.models import ChecklistItem, Role, UseCase, UseCaseStatus
from tests.factories import add_member, make_use_case
from tests.portfolio.executive_support import (  # noqa: F401  (whole_gate is a fixture)
    approve_governance,
    ready_to_scale,
    to_production,
    whole_gate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_gate")]


def url(org):
    return reverse("portfolio_dashboard", kwargs={"org": org.slug})


def ready_for_next_gate(org, pm, admin, **kw):
    uc = make_use_case(org, pm, **kw)
    approve_governance(uc, admin)
    ChecklistItem.objects.filter(phase__use_case=uc, phase__number=1).update(done=True)
    return uc


@pytest.fixture
def every_verdict(org, pm, admin):
    ready = ready_to_scale(org, pm, admin, name="Ready", team="Claims", risk_tier="high")
    nxt = ready_for_next_gate(org, pm, admin, name="Next", team="Claims", risk_tier="low")
    pilot = make_use_case(org, pm, name="Pilot", team="IT", risk_tier="medium")
    # In production but nobody owns it: the owner answer is flagged.
    unowned = ready_to_scale(org, pm, admin, name="Unowned", team="IT")
    UseCase.objects.filter(pk=unowned.pk).update(owner=None)
    scaled = ready_to_scale(org, pm, admin, name="Scaled", team="Legal")
    UseCase.objects.filter(pk=scaled.pk).update(status=UseCaseStatus.SCALED)
    retired = make_use_case(org, pm, name="Retired", team="Legal")
    UseCase.objects.filter(pk=retired.pk).update(status=UseCaseStatus.RETIRED)
    return {"ready": ready, "next": nxt, "pilot": pilot, "unowned": unowned, "scaled": scaled}


def verdicts(portfolio):
    return {row.use_case.name: row.verdict for row in portfolio}


def test_every_verdict_with_reasons(org, every_verdict):
    result = portfolio_rows(org, page=None)
    assert verdicts(result) == {
        "Ready": "ready_to_scale",
        "Next": "ready_next_gate",
        "Pilot": "pilot_mode",
        "Unowned": "pilot_mode",
        "Scaled": "scaled",
        "Retired": "retired",
    }
    rows = {r.use_case.name: r for r in result}
    unowned = rows["Unowned"]
    assert [q.key for q in unowned.flagged_questions] == ["owner"]
    assert unowned.reasons[0].kind == "answer"
    assert unowned.reasons[0].text.startswith("Who owns the product after implementation? Name")
    pilot = rows["Pilot"]
    assert pilot.open_blockers == len(pilot.reasons) > 0
    assert any("exit criterion" in r.text for r in pilot.reasons)
    assert rows["Ready"].reasons == [] and rows["Ready"].open_blockers == 0
    assert rows["Ready"].target.key == "scale" and rows["Next"].target.key == "phase:2"
    assert rows["Scaled"].target is None


def test_row_facts(org, every_verdict):
    row = portfolio_row(every_verdict["ready"])
    assert row.governance.has_checklist and row.governance.done == row.governance.required
    assert row.scorecard["business"] == "on_target"
    assert (
        row.score.total == sum(round(p.points) for p in row.score.parts)
        or abs(row.score.total - sum(p.points for p in row.score.parts)) < 1
    )
    assert [p.key for p in row.score.parts] == [
        "plan",
        "workstreams",
        "governance",
        "metrics",
        "answers",
    ]
    data = row.as_dict()
    assert data["verdict"] == "ready_to_scale" and data["owner"] == row.use_case.owner.email
    assert data["scale_url"].endswith(f"/use-cases/{row.pk}/scale/")


def test_late_use_cases_are_flagged(org, pm):
    import datetime as dt

    from django.utils import timezone

    late = make_use_case(
        org, pm, name="Late", start_date=timezone.localdate() - dt.timedelta(days=45)
    )
    on_time = make_use_case(org, pm, name="On time")
    rows = {r.use_case.name: r for r in portfolio_rows(org, page=None)}
    assert rows["Late"].late and rows["Late"].day == 46
    assert rows["Late"].late_reason == "A phase is past its planned end"
    assert not rows["On time"].late
    assert late.pk != on_time.pk


def test_each_row_counts_what_is_overdue_and_links_to_it(client, org, pm):
    import datetime as dt

    from django.utils import timezone

    late = make_use_case(
        org, pm, name="Late", start_date=timezone.localdate() - dt.timedelta(days=45)
    )
    make_use_case(org, pm, name="On time")
    rows = {r.use_case.name: r for r in portfolio_rows(org, page=None)}
    # Phase 1 ended on day 30: workstream 1 and its open judgment, workstream 2 and its six
    # spec items, the five exit criteria.
    assert rows["Late"].overdue == 14
    assert rows["On time"].overdue == 0
    assert rows["Late"].as_dict()["overdue"] == 14
    client.force_login(pm)
    html = client.get(url(org)).content.decode()
    detail = reverse("usecase_detail", kwargs={"org": org.slug, "pk": late.pk})
    assert f'href="{detail}#due"><small>14 overdue' in html


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"verdict": "ready_to_scale"}, {"Ready"}),
        ({"verdict": "ready_next_gate"}, {"Next"}),
        ({"verdict": "pilot_mode"}, {"Pilot", "Unowned"}),
        ({"verdict": "scaled"}, {"Scaled"}),
        ({"team": "Claims"}, {"Ready", "Next"}),
        ({"phase": "1"}, {"Next", "Pilot"}),
        ({"phase": "production"}, {"Ready", "Unowned"}),
        ({"risk_tier": "high"}, {"Ready"}),
        ({"team": "IT", "verdict": "pilot_mode"}, {"Pilot", "Unowned"}),
        ({"q": "own"}, {"Unowned"}),
        ({"verdict": "bogus", "phase": "9", "risk_tier": "x"}, None),
    ],
)
def test_filters(org, every_verdict, filters, expected):
    names = {r.use_case.name for r in portfolio_rows(org, filters=filters, page=None)}
    all_names = {"Ready", "Next", "Pilot", "Unowned", "Scaled", "Retired"}
    assert names == (expected if expected is not None else all_names)


def test_verdict_filter_agrees_with_evaluating_everything(org, every_verdict):
    """The verdict filter evaluates only the use cases that could be ready: it must find the
    same ones as evaluating every use case."""
    everything = build_rows(
        list(UseCase.objects.filter(organization=org).select_related("organization", "owner"))
    )
    for verdict in ("ready_to_scale", "ready_next_gate", "pilot_mode", "scaled", "retired"):
        expected = {r.pk for r in everything if r.verdict == verdict}
        got = {r.pk for r in portfolio_rows(org, filters={"verdict": verdict}, page=None)}
        assert got == expected, verdict


def test_sorting_and_paging(org, every_verdict):
    by_verdict = [r.use_case.name for r in portfolio_rows(org, page=None)]
    assert by_verdict[:2] == ["Ready", "Next"] and by_verdict[-2:] == ["Scaled", "Retired"]
    assert [r.use_case.name for r in portfolio_rows(org, sort="name", page=None)] == sorted(
        by_verdict
    )
    assert [r.use_case.name for r in portfolio_rows(org, sort="-name", page=None)] == sorted(
        by_verdict, reverse=True
    )
    first = portfolio_rows(org, sort="name", page=1, page_size=4)
    second = portfolio_rows(org, sort="name", page=2, page_size=4)
    assert (first.count, first.num_pages, len(first), len(second)) == (6, 2, 4, 2)
    assert first.has_next and not second.has_next and second.has_previous
    assert portfolio_rows(org, sort="name", page=99, page_size=4).page == 2
    assert portfolio_rows(org, sort="bogus").sort == "verdict"


def test_other_organizations_are_not_in_it(org, other_org, every_verdict):
    names = {r.use_case.name for r in portfolio_rows(org, page=None)}
    assert "Globex copilot" not in names


def test_page_renders_for_every_member_and_hides_other_tenants(
    client, org, other_org, every_verdict
):
    other, _other_admin, _ = other_org
    viewer = add_member(org, Role.VIEWER)
    client.force_login(viewer)
    response = client.get(url(org), {"verdict": "pilot_mode"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unowned" in html and "Ready" not in html.split("<tbody>")[1]
    assert 'aria-sort="ascending"' in html  # the verdict sort is marked
    assert client.get(url(other)).status_code == 404
    client.logout()
    assert client.get(url(org)).status_code == 302


def test_htmx_request_gets_the_results_only(client, org, pm, every_verdict):
    client.force_login(pm)
    response = client.get(url(org), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portfolio-results")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "Unowned" in html


def _table(response) -> str:
    html = response.content.decode()
    return html.split('id="portfolio-results"')[1].split("</table>")[0]


def test_members_who_see_the_same_state_share_one_rendered_table(
    client, org, pm, admin, every_verdict, monkeypatch
):
    from portfolio.views import dashboard

    client.force_login(add_member(org, Role.EXECUTIVE))
    first = client.get(url(org), {"sort": "-score"})
    built: list[int] = []
    build = dashboard.portfolio_rows

    def counted(*args, **kwargs):
        built.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(dashboard, "portfolio_rows", counted)
    client.force_login(admin)  # another member, another role: the same table
    again = client.get(url(org), {"sort": "-score"})
    assert built == [] and _table(again) == _table(first)
    partial = client.get(
        url(org), {"sort": "-score"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portfolio-results"
    )
    assert built == [] and "<html" not in partial.content.decode()
    # Another filter, sort or page is another table.
    assert "Pilot" in _table(client.get(url(org), {"sort": "name"})) and built == [1]

    # Every kind of change a row shows moves the state: the next reader renders it afresh.
    services.use_case_update(actor=pm, use_case=every_verdict["pilot"], name="Pilot renamed")
    renamed = _table(client.get(url(org), {"sort": "-score"}))
    assert "Pilot renamed" in renamed and len(built) == 2
    pilot = every_verdict["pilot"]
    before = PortfolioRowScore.of(renamed, "Pilot renamed")
    item = ChecklistItem.objects.filter(workstream__use_case=pilot, done=False, fact="").first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    ticked = _table(client.get(url(org), {"sort": "-score"}))
    assert len(built) == 3
    assert PortfolioRowScore.of(ticked, "Pilot renamed") > before
    assert PortfolioRowScore.of(ticked, "Pilot renamed") == portfolio_row(pilot).score.total
    make_use_case(org, pm, name="Brand new")
    assert "Brand new" in _table(client.get(url(org), {"sort": "-score"})) and len(built) == 4


def test_ready_ids_are_worked_out_once_per_state(org, pm, every_verdict, monkeypatch):
    from portfolio import selectors, stored

    first = selectors.ready_ids(org)
    assert first["ready_to_scale"] == {every_verdict["ready"].pk}
    judged: list[int] = []
    verdicts_for = stored.verdicts_for

    def counted(*args, **kwargs):
        judged.append(1)
        return verdicts_for(*args, **kwargs)

    monkeypatch.setattr(stored, "verdicts_for", counted)
    assert selectors.ready_ids(org) == first and judged == []  # every home page shares them
    services.use_case_update(actor=pm, use_case=every_verdict["ready"], name="Ready, renamed")
    assert selectors.ready_ids(org) == first and judged == [1]  # a new state: worked out again


class PortfolioRowScore:
    @staticmethod
    def of(table: str, name: str) -> int:
        """The score shown in the row of the use case named ``name``."""
        row = table.split(f">{name}</a>")[1].split("</tr>")[0]
        return int(row.split('class="score ')[1].split(">")[1].split("<")[0])


def _make_portfolio(org, pm, admin, n, start):
    """n use cases cycling through pilot, ready for the next gate, production, scaled."""
    made = []
    for i in range(start, start + n):
        kind = i % 4
        if kind == 0:
            uc = make_use_case(org, pm, name=f"UC {i:03d}", team=f"Team {i % 2}")
        elif kind == 1:
            uc = ready_for_next_gate(org, pm, admin, name=f"UC {i:03d}", team=f"Team {i % 2}")
        else:
            uc = ready_to_scale(org, pm, admin, name=f"UC {i:03d}", team=f"Team {i % 2}")
            if kind == 3:
                UseCase.objects.filter(pk=uc.pk).update(status=UseCaseStatus.SCALED)
        made.append(uc)
    return made


def _queries(client, org, params):
    """Queries of a read that renders the table, and of one that shares it."""
    client.get(url(org), params)  # warm caches filled once per process
    counts = []
    for shared in (False, True):
        if not shared:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(org), params)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[1] < counts[0]
    return counts


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "name"},
        {"verdict": "ready_to_scale"},
        {"verdict": "pilot_mode", "team": "Team 0"},
    ],
)
def test_constant_queries_at_3_and_30_use_cases(client, org, pm, admin, params):
    executive = add_member(org, Role.EXECUTIVE)
    client.force_login(executive)
    _make_portfolio(org, pm, admin, 3, 0)
    at_3 = _queries(client, org, params)
    _make_portfolio(org, pm, admin, 27, 3)
    at_30 = _queries(client, org, params)
    assert at_3 == at_30, (at_3, at_30)
    # Its speed is measured by `make bench` (1,000 use cases), not by a timed test.


def test_api_portfolio(org, every_verdict, other_org):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(add_member(org, Role.VIEWER))
    body = api.get("/api/v1/portfolio/", {"organization": org.slug, "verdict": "pilot_mode"}).json()
    assert body["count"] == 2 and {r["name"] for r in body["results"]} == {"Pilot", "Unowned"}
    row = body["results"][0]
    assert {"score", "score_breakdown", "verdict", "reasons", "governance", "scorecard"} <= set(row)
    assert api.get("/api/v1/portfolio/").status_code == 400
    other, _, _ = other_org
    assert api.get("/api/v1/portfolio/", {"organization": other.slug}).status_code == 404
