"""The sortable table headers shared by the use-case list and the portfolio (and scorecards)."""

from readiness.views.sorting import sort_links

FIRST = {"name": "name", "priority": "-priority"}


def test_unsorted_columns_link_to_their_first_click_without_aria_sort():
    links = sort_links("name", FIRST)
    assert links["priority"] == {"sort": "-priority", "aria": ""}


def test_the_sorted_column_links_to_the_other_direction():
    assert sort_links("name", FIRST)["name"] == {"sort": "-name", "aria": "ascending"}
    assert sort_links("-name", FIRST)["name"] == {"sort": "name", "aria": "descending"}
    assert sort_links("-priority", FIRST)["priority"] == {
        "sort": "priority",
        "aria": "descending",
    }


def test_every_column_of_first_click_and_no_other_gets_a_link():
    assert list(sort_links("team", FIRST)) == ["name", "priority"]
