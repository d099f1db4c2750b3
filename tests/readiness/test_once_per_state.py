"""Once per state (readiness.selectors.state.once_per_state): a reader that finds another
rendering the same state waits for theirs instead of rendering it too."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from readiness.selectors import state as shared


def test_kept_once_rendered_and_shown_to_the_next_reader():
    calls: list[int] = []
    assert shared.once_per_state("k", lambda: calls.append(1) or "table") == "table"
    assert shared.once_per_state("k", lambda: calls.append(1) or "other") == "table"
    assert calls == [1] and cache.get("k:rendering") is None


def test_a_reader_waits_for_the_one_rendering_the_same_state(monkeypatch):
    cache.add("k:rendering", 1, 5)  # another reader is rendering it
    waited: list[float] = []

    def sleep(seconds: float) -> None:  # meanwhile, the other reader keeps its table
        waited.append(seconds)
        if len(waited) == 3:
            cache.set("k", "theirs")

    monkeypatch.setattr(shared.time, "sleep", sleep)
    assert shared.once_per_state("k", lambda: "mine") == "theirs"
    assert len(waited) == 3


def test_a_reader_renders_itself_when_the_other_gives_up(monkeypatch):
    cache.add("k:rendering", 1, 5)
    monkeypatch.setattr(shared.time, "sleep", lambda s: cache.delete("k:rendering"))
    assert shared.once_per_state("k", lambda: "mine") == "mine"
    assert cache.get("k") == "mine" and cache.get("k:rendering") is None


def test_a_failed_render_leaves_no_lock_behind():
    def broken() -> str:
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError):
        shared.once_per_state("k", broken)
    assert cache.get("k:rendering") is None and cache.get("k") is None


def test_readers_at_once_render_one_state_once():
    renders: list[int] = []
    started = threading.Barrier(4)
    results: list[str] = []

    def render() -> str:
        renders.append(1)
        threading.Event().wait(0.2)  # slow enough for the others to arrive meanwhile
        return "table"

    def reader() -> None:
        started.wait()
        results.append(shared.once_per_state("k", render))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["table"] * 4 and renders == [1]
