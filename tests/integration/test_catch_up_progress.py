"""``catch_up(progress=)`` is told of every event it projects, also when the readiness policy
(which reads the views) runs first: the demo's bar stayed at 0/9341 when the policy's own
catch-up projected the whole backlog without a word (issue 11)."""

from __future__ import annotations

import rectify
from tests.conftest import TODAY, Cast, rectified_issue


def test_progress_is_told_of_every_event_a_catch_up_projects(store_url: str) -> None:
    writer = rectify.connect(store_url, today=lambda: TODAY, catch_up=False)
    issue = rectified_issue(writer)
    writer.verify(issue, actor=Cast.verifier, on="2019-06-20")
    writer.close_out(issue, actor=Cast.verifier, on="2019-06-21")  # a closing: the policy reads
    pending = writer.pending_events()
    assert pending == 5
    told: list[int] = []
    assert writer.catch_up(progress=told.append) == pending
    assert sum(told) == pending and writer.pending_events() == 0
    told.clear()
    assert writer.rebuild_views(progress=told.append) == pending == sum(told)
    writer.close()
