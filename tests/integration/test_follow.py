"""``rectify project --follow``: the views kept current by another runner, read without catching up."""

from __future__ import annotations

import threading
import time
from typing import Any

import rectify
from rectify.entrypoints.follower import follow
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


def test_the_follower_runs_the_readiness_policy(persistent_url: str) -> None:
    """A close-out saved by a process that stopped before its policy ran is acted on by the
    follower: the branch becomes ready for reassessment, once."""
    from datetime import date

    from rectify.domain.branch import Branch

    writer = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    branch = writer.register_branch(actor=Cast.verifier, code="F-1", name="支部", unit=UNIT)
    writer.designate_lagging(branch, actor=Cast.verifier, kinds=["弱化"], basis="排查")
    issue = writer.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="screening", branch_id=branch
    )
    writer.start_consolidation(
        branch,
        actor=Cast.verifier,
        plan="方案",
        deadline=TODAY,
        mentors=[{"name": "甲", "unit": "省直機關工委"}, {"name": "乙", "unit": UNIT}],
    )
    writer.rectify_on_the_spot(issue, actor=Cast.responsible, summary="s")
    writer.verify(issue, actor=Cast.verifier)
    stopped = writer._load(issue)  # the writer saves the close-out, then stops
    stopped.close_out(actor=Cast.verifier, on=date(2019, 12, 31))
    writer.save(stopped)
    writer.close()
    reader = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=follow,
        args=(persistent_url,),
        kwargs={"stop": stop, "poll_seconds": 0.05, "on_ready": lambda _: ready.set()},
    )
    thread.start()
    try:
        assert ready.wait(20)
        deadline = time.monotonic() + 20
        while not reader.get_branch(branch).ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.get_branch(branch).ready
        ready_events = [
            e
            for _, e in inv.all_logged_events(reader)
            if isinstance(e, Branch.ReadyForReassessment)
        ]
        assert len(ready_events) == 1
    finally:
        stop.set()
        thread.join(20)
        reader.close()
    assert not thread.is_alive()
