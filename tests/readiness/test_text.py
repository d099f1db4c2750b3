"""readiness.text: the characters storage and files refuse, and spreadsheet-safe cells."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from metrics import exports
from readiness.text import (
    control_character_paths,
    has_control_characters,
    spreadsheet_cell,
    xlsx_cell,
)


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)]])
def test_every_refused_character_is_found_and_removed(char):
    assert has_control_characters(f"a{char}b")
    assert xlsx_cell(f"a{char}b") == "ab"


@pytest.mark.parametrize("text", ["tab\there", "line\nfeed", "cr\rlf", "é ü 中文 🙂", "\x7f"])
def test_text_people_type_passes(text):
    assert not has_control_characters(text)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_could_start_a_formula_are_quoted(start):
    assert spreadsheet_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert spreadsheet_cell(5) == 5 and spreadsheet_cell(None) is None


def test_a_formula_hidden_behind_a_control_character_is_still_quoted():
    assert xlsx_cell("\x00=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_paths_name_nested_fields_and_keys():
    data = {"a": "ok", "b": {"c": ["x", "y\x00"]}, "k\x0b": 1, "list": [{"d": "\x01"}]}
    assert sorted(control_character_paths(data)) == ["b.c.1", "k\x0b", "list.0.d"]
    assert list(control_character_paths("\x00")) == [""]


def test_metrics_workbooks_and_csv_take_any_character():
    every = "".join(chr(c) for c in range(32)) + "=x"
    workbook = exports.to_xlsx([("Sheet", ["Name"], [[every], ["=1+1"]])])
    values = [r[0] for r in load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True)]
    # Tab, line feed and carriage return kept (XML reads the CR back as a line feed).
    assert values[1] == "'\t\n\n=x"
    assert values[2] == "'=1+1"
    rows = list(csv.reader(io.StringIO(exports.to_csv(["Name"], [["@cmd"]]).decode("utf-8-sig"))))
    assert rows[1] == ["'@cmd"]
