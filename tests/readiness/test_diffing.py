"""The word-level diff behind the spec page's "what changed"."""

import itertools

import pytest

from readiness.diffing import DELETE, EQUAL, INSERT, fields_diff, word_diff


def rebuild(segments, keep):
    return "".join(text for op, text in segments if op in keep)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Route to a human", "Route to a named human reviewer"),
        ("", "Everything new"),
        ("All gone", ""),
        ("line one\nline two", "line one\nline 2\n\nmore"),
        ("same", "same"),
        ("a  b", "a b"),
    ],
)
def test_segments_rebuild_both_texts(old, new):
    segments = word_diff(old, new)
    assert rebuild(segments, {EQUAL, DELETE}) == old
    assert rebuild(segments, {EQUAL, INSERT}) == new
    assert all(a[0] != b[0] for a, b in itertools.pairwise(segments))


def test_changes_are_word_level():
    assert word_diff("Reply within 2 s", "Reply within 1 s") == [
        (EQUAL, "Reply within "),
        (DELETE, "2"),
        (INSERT, "1"),
        (EQUAL, " s"),
    ]


def test_identical_text_is_one_equal_segment():
    assert word_diff("no change here", "no change here") == [(EQUAL, "no change here")]
    assert word_diff("", "") == []


def test_markup_is_kept_as_text():
    # Escaping is the template's job; the diff must not alter or interpret the text.
    assert word_diff("<b>x", "<i>x") == [(EQUAL, "<"), (DELETE, "b"), (INSERT, "i"), (EQUAL, ">x")]


def test_fields_diff_marks_changed_fields_in_label_order():
    labels = {"inputs": "Inputs", "latency": "Latency"}
    diffs = fields_diff(
        {"inputs": "a", "latency": "1 s"}, {"inputs": "a", "latency": "2 s"}, labels
    )
    assert [(d.field, d.label, d.changed) for d in diffs] == [
        ("inputs", "Inputs", False),
        ("latency", "Latency", True),
    ]
    first = fields_diff(None, {"inputs": "a"}, labels)
    assert first[0].segments == [(INSERT, "a")]
    assert first[1].segments == [] and not first[1].changed


def test_punctuation_is_its_own_token():
    assert word_diff("claim and every", "claim, every") == [
        (EQUAL, "claim"),
        (DELETE, " and"),
        (INSERT, ","),
        (EQUAL, " every"),
    ]
