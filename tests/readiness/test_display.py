"""How people and figures read on every page (readiness.display and its template tags)."""

import pytest
from django.template import Context, Template

from readiness import display
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (9.304, "h", "9.3 h"),
        (0.08985, "USD", "0.09 USD"),
        (1234567.891, "USD", "1,234,567.89 USD"),
        (0.0045, "USD", "0.0045 USD"),
        (12.345, "%", "12.3%"),
        (1234.4, "count", "1,234"),
        (1204.0, "cases", "1,204 cases"),
        (3.333, "cases/person/day", "3.3 cases/person/day"),
        (1.5e7, "ms", "15,000,000 ms"),
        (1e-7, "", "0"),
        (2.5, "score", "2.5 score"),
        (-2.45, "h", "\u22122.5 h"),
        (None, "h", "—"),
        (float("nan"), "h", "—"),
    ],
)
def test_format_quantity_uses_the_units_precision_and_never_scientific(value, unit, text):
    assert display.format_quantity(value, unit) == text


def test_signed_numbers_carry_a_sign_except_zero():
    assert display.format_number(2, "h", signed=True) == "+2.0"
    assert display.format_number(-0.01, "h", signed=True) == "0.0"


@pytest.mark.parametrize(
    "full_name, email, name, letters",
    [
        ("Priya Shah", "pm@demo.example", "Priya Shah", "PS"),
        ("", "jo.ng@example.com", "jo.ng", "JN"),
        ("", "reviewer@demo.example", "reviewer", "R"),
        ("Ana María de la Cruz", "a@x.io", "Ana María de la Cruz", "AC"),
    ],
)
def test_display_name_and_initials(full_name, email, name, letters):
    assert display.display_name(full_name, email) == name
    assert display.initials(name) == letters


@pytest.mark.django_db
def test_person_tag_shows_a_hidden_avatar_and_the_visible_name():
    user = UserFactory(email="sam.lee@example.com")
    user.first_name, user.last_name = "", ""
    html = Template("{% person who %}").render(Context({"who": user}))
    assert html == (
        '<span class="person"><span class="avatar" aria-hidden="true">SL</span>'
        '<span class="person-name">sam.lee</span></span>'
    )
    # A stored label (an audit record's email) reads the same way; nobody gives the default.
    assert "sam.lee</span>" in Template("{% person 'sam.lee@example.com' %}").render(Context())
    assert Template('{% person None default="a former member" %}').render(Context()) == (
        "a former member"
    )
    # Names are escaped.
    user.first_name = "<b>Eve</b>"
    assert "&lt;b&gt;Eve&lt;/b&gt;" in Template("{% person who %}").render(Context({"who": user}))


def test_quantity_filter_formats_by_unit():
    rendered = Template('{{ h|quantity:"h" }} · {{ n|quantity:"count" }} · {{ t|quantity }}')
    assert rendered.render(Context({"h": 9.304, "n": 12345, "t": "n/a"})) == "9.3 h · 12,345 · n/a"
