"""``rectify project --follow``: the views kept current by another runner, read without catching up."""

from __future__ import annotations

import threading
import time
from typing import Any

import rectify
from rectify.projections.runner import follow
from rectify.testing import invariants as inv
from tests.conftest import TODAY, UNIT, Cast


def test_a_follower_keeps_the_views_for_readers_that_do_not_catch_up(persistent_url: str) -> None:
    writer = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    reader = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    stop, ready = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            follow(persistent_url, stop=stop, poll_seconds=0.05, on_ready=lambda _: ready.set())
        except BaseException as e:
            errors.append(e)
            ready.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert ready.wait(20)
        ids: list[Any] = []
        for n in range(5):
            iid = writer.record_issue(
                actor=Cast.inspector, title=f"t{n}", unit=UNIT, source="inspection", on="2019-06-01"
            )
            writer.assign(
                iid,
                actor=Cast.verifier,
                unit=UNIT,
                person="p",
                deadline="2019-07-01",
                on="2019-06-02",
            )
            ids.append(iid)
        writer.rectify_on_the_spot(ids[0], actor=Cast.responsible, summary="s", on="2019-06-03")
        last = writer.recorder.max_notification_id()
        deadline = time.monotonic() + 20
        while reader.views.max_tracking_id(reader.name) != last and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.views.max_tracking_id(reader.name) == last
        inv.ledger_equals_replay(reader, TODAY, None)
        assert len(reader.ledger(as_of=TODAY)) == 5
    finally:
        stop.set()
        thread.join(20)
        writer.close()
        reader.close()
    assert errors == []
    assert not thread.is_alive()
