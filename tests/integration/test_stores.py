"""The same behaviour on every store: memory, an SQLite file and a real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest

import rectify
from rectify import Actor, Mode, Role, Severity, Source, Status
from rectify.errors import ConcurrencyConflict, InvalidCommand, NotFound, PermissionDenied
from rectify.testing import invariants as inv
from tests.conftest import TODAY, UNIT, Cast

CAMPAIGN_OFFICE = Actor("zx-ban", "專項整治辦", "省委組織部", [Role.VERIFIER])


def full_history(app: rectify.RectificationApp) -> UUID:
    """An issue that goes through every kind of event."""
    branch = app.register_branch(
        actor=Cast.verifier, code="CZT-07", name="第七黨支部", unit=UNIT, on="2019-01-02"
    )
    iid = app.record_issue(
        actor=Cast.inspector,
        title="組織生活會不規範",
        unit=UNIT,
        source="考核",
        description="會前談心談話不充分",
        category="組織生活",
        severity="serious",
        branch_id=branch,
        on="2019-06-01",
    )
    app.assign(
        iid,
        actor=Cast.verifier,
        unit=UNIT,
        person="劉處長",
        deadline="2019-07-31",
        measures=["制定方案", "逐條整改"],
        on="2019-06-03",
    )
    app.report_progress(iid, actor=Cast.responsible, text="方案已制定", on="2019-06-10")
    app.extend_deadline(
        iid, actor=Cast.verifier, new_deadline="2019-08-31", reason="換屆", on="2019-07-20"
    )
    app.complete_measure(iid, actor=Cast.responsible, measure=1, on="2019-08-19")
    app.complete_measure(
        iid, actor=Cast.responsible, measure="逐條整改", evidence=["b.pdf"], on="2019-08-19"
    )
    app.submit_rectification(
        iid, actor=Cast.responsible, summary="完成", evidence=["a.pdf"], on="2019-08-20"
    )
    app.reject(iid, actor=Cast.verifier, reason="材料不足", on="2019-08-22")
    app.submit_rectification(
        iid, actor=Cast.responsible, summary="補充", evidence=["a.pdf", "b.pdf"], on="2019-09-02"
    )
    app.verify(iid, actor=Cast.verifier, note="到位", on="2019-09-05")
    app.close_out(iid, actor=Cast.verifier, on="2019-09-06")
    app.reopen(iid, actor=Cast.inspector, reason="反彈", deadline="2019-12-01", on="2019-11-01")
    app.treat_centrally(  # by the campaign's office: who rectified never decides on it
        iid, actor=CAMPAIGN_OFFICE, campaign="專項整治", summary="集中治理", on="2019-11-10"
    )
    app.withdraw(iid, actor=Cast.verifier, reason="合并到其他問題", on="2019-11-11")
    return iid


def test_values_survive_the_round_trip_exactly(
    store_url: str, app: rectify.RectificationApp
) -> None:
    iid = full_history(app)
    reopened = (
        rectify.connect(store_url, today=lambda: TODAY)
        if not store_url.startswith("memory")
        else app
    )
    events = inv.stored_events(reopened, iid)
    assert len(events) == 14
    found, assigned = events[0], events[1]
    assert isinstance(found, rectify.Issue.IssueFound) and isinstance(
        assigned, rectify.Issue.IssueAssigned
    )
    assert found.source is Source.ASSESSMENT and type(found.source) is Source
    assert found.severity is Severity.SERIOUS
    assert found.branch_id == app.branch_id("CZT-07") and isinstance(found.branch_id, UUID)
    assert type(found.on) is date and found.on == date(2019, 6, 1)
    assert type(found.actor) is Actor and found.actor == Cast.inspector
    assert found.actor.roles == frozenset({Role.INSPECTOR})
    assert assigned.measures == ("制定方案", "逐條整改") and type(assigned.measures) is tuple
    assert type(assigned.deadline) is date
    assert isinstance(found.timestamp, datetime) and found.timestamp.tzinfo is not None
    # the aggregate rebuilt by another application equals the one rebuilt here
    assert reopened.repository.get(iid) == app.repository.get(iid)
    inv.check_issue(reopened, iid)


def test_an_issues_life_reads_back_as_views(app: rectify.RectificationApp) -> None:
    iid = full_history(app)
    view = app.get_issue(iid)
    assert (view.status, view.mode, view.withdrawn_on) == (
        Status.WITHDRAWN,
        Mode.CENTRAL,
        date(2019, 11, 11),
    )
    assert (view.rejections, view.reopenings, view.extensions, view.version) == (1, 1, 1, 14)
    on_sept_1 = app.get_issue(iid, as_of="2019-09-01")
    assert (on_sept_1.status, on_sept_1.deadline, on_sept_1.overdue) == (
        Status.ASSIGNED,
        date(2019, 8, 31),
        True,
    )
    assert on_sept_1.days_overdue == 1
    assert app.get_issue(iid, as_of=date(2019, 9, 6)).status is Status.CLOSED_OUT
    with pytest.raises(NotFound):
        app.get_issue(iid, as_of="2019-05-31")
    trail = app.audit_trail(iid)
    assert [e.action for e in trail] == [
        "record",
        "assign",
        "report_progress",
        "extend_deadline",
        "complete_measure",
        "complete_measure",
        "submit_rectification",
        "reject",
        "submit_rectification",
        "verify",
        "close_out",
        "reopen",
        "treat_centrally",
        "withdraw",
    ]
    assert trail[7].from_state is Status.RECTIFIED and trail[7].to_state is Status.ASSIGNED
    assert trail[7].reason == "材料不足" and trail[7].actor == Cast.verifier
    assert trail[0].from_state is None and trail[0].details["title"] == "組織生活會不規範"
    assert [e.version for e in trail] == list(range(1, 15))
    assert all(a.recorded_at <= b.recorded_at for a, b in pairwise(trail))


def test_lists_filter_by_unit_status_and_source(app: rectify.RectificationApp) -> None:
    a = app.record_issue(
        actor=Cast.inspector, title="a", unit=UNIT, source="inspection", on="2019-06-01"
    )
    b = app.record_issue(
        actor=Cast.inspector, title="b", unit="省教育廳", source="research", on="2019-06-02"
    )
    app.assign(
        b, actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-07-01", on="2019-06-03"
    )
    assert {v.id for v in app.issues()} == {a, b}
    assert {v.id for v in app.issues(unit=UNIT)} == {a, b}  # b is assigned to UNIT
    assert {v.id for v in app.issues(unit="省教育廳")} == {b}
    assert {v.id for v in app.issues(status="assigned")} == {b}
    assert {v.id for v in app.issues(source=Source.INSPECTION)} == {a}
    assert {v.id for v in app.issues(as_of="2019-06-01")} == {a}
    assert [v.status for v in app.issues(as_of="2019-06-02")] == [Status.FOUND, Status.FOUND]
    with pytest.raises(InvalidCommand) as bad:
        app.issues(status="lost")
    assert bad.value.field == "status"


def test_the_same_command_key_records_once(app: rectify.RectificationApp) -> None:
    args: dict[str, Any] = {
        "actor": Cast.inspector,
        "title": "t",
        "unit": UNIT,
        "source": "自查",
        "on": "2019-06-01",
    }
    first = app.record_issue(**args, command_id="list-2019/7")
    assert app.record_issue(**args, command_id="list-2019/7") == first
    app.assign(
        first,
        actor=Cast.verifier,
        unit=UNIT,
        person="p",
        deadline="2019-07-01",
        on="2019-06-02",
        command_id="k2",
    )
    count = app.recorder.max_notification_id()
    app.assign(
        first,
        actor=Cast.verifier,
        unit=UNIT,
        person="p",
        deadline="2019-07-01",
        on="2019-06-02",
        command_id="k2",
    )
    app.record_issue(**args, command_id="list-2019/7")
    assert app.recorder.max_notification_id() == count
    assert app.get_issue(first).version == 2


def test_bad_input_records_nothing(app: rectify.RectificationApp) -> None:
    iid = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-06-01"
    )
    count = app.recorder.max_notification_id()
    bad_calls: list[tuple[Callable[[], object], str]] = [
        (
            lambda: app.record_issue(
                actor=Cast.inspector, title=" ", unit=UNIT, source="inspection"
            ),
            "title",
        ),
        (
            lambda: app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="rumour"),
            "source",
        ),
        (
            lambda: app.record_issue(
                actor=Cast.inspector, title="t", unit=UNIT, source="巡查", on="2020-01-01"
            ),
            "on",
        ),
        (
            lambda: app.assign(
                iid, actor=Cast.verifier, unit=UNIT, person="p", deadline="31/07/2019"
            ),
            "deadline",
        ),
        (
            lambda: app.assign(
                iid, actor=Cast.verifier, unit=UNIT, person="", deadline="2019-07-31"
            ),
            "person",
        ),
        (
            lambda: app.assign(
                "not-an-id", actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-07-31"
            ),
            "issue_id",
        ),
        (lambda: app.verify(iid, actor={"id": "x"}), "actor.unit"),  # type: ignore[arg-type]
        (lambda: app.reject(iid, actor=Cast.verifier, reason=""), "reason"),
    ]
    for call, field in bad_calls:
        with pytest.raises(InvalidCommand) as refused:
            call()
        assert refused.value.field == field, refused.value
    with pytest.raises(TypeError, match="dedline"):  # a misspelt keyword is Python's own error
        app.assign(
            iid, actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-07-31", dedline="x"
        )  # type: ignore[call-arg]
    with pytest.raises(NotFound):
        app.verify(UUID(int=1), actor=Cast.verifier)
    with pytest.raises(PermissionDenied):
        app.record_issue(actor=Cast.auditor, title="t", unit=UNIT, source="inspection")
    assert app.recorder.max_notification_id() == count
    assert app.get_issue(iid).version == 1


def _interleave_a_rival_write(
    app: rectify.RectificationApp, rival: rectify.RectificationApp
) -> None:
    """Make the next load in ``app`` be overtaken by a write from ``rival`` before ``app`` saves."""
    get = app.repository.get

    def get_then_lose_the_race(aggregate_id: UUID, **kwargs: Any) -> Any:
        loaded = get(aggregate_id, **kwargs)
        app.repository.get = get  # type: ignore[method-assign]
        rival.report_progress(aggregate_id, actor=Cast.responsible, text="另一寫入者")
        return loaded

    app.repository.get = get_then_lose_the_race  # type: ignore[method-assign]


def test_a_lost_race_raises_concurrency_conflict_and_writes_nothing(
    store_url: str, app: rectify.RectificationApp, shares_store: bool
) -> None:
    iid = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-06-01"
    )
    rival = rectify.connect(store_url, today=lambda: TODAY) if shares_store else app
    _interleave_a_rival_write(app, rival)
    with pytest.raises(ConcurrencyConflict) as conflict:
        app.assign(iid, actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-12-31")
    assert conflict.value.ident == iid
    events = inv.stored_events(app, iid)
    assert [type(e).__name__ for e in events] == ["IssueFound", "ProgressReported"]
    # safe to retry: the retry sees the rival's event and succeeds
    app.assign(iid, actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-12-31")
    assert app.get_issue(iid).status is Status.ASSIGNED


def test_concurrent_writers_never_half_write(
    store_url: str, app: rectify.RectificationApp, shares_store: bool
) -> None:
    iid = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-06-01"
    )
    writers = [
        rectify.connect(store_url, today=lambda: TODAY) if shares_store else app for _ in range(4)
    ]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(writers))

    def write(w: rectify.RectificationApp, n: int) -> None:
        barrier.wait()
        for k in range(10):
            try:
                w.report_progress(iid, actor=Cast.responsible, text=f"{n}-{k}")
                outcomes.append("ok")
            except ConcurrencyConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = inv.stored_events(app, iid)
    assert len(outcomes) == 40
    assert len(events) == 1 + outcomes.count("ok")  # every success stored once, no conflict stored
    inv.versions_are_contiguous(events)


def test_a_whole_demo_replays_under_the_catalogue(app: rectify.RectificationApp) -> None:
    from rectify.demo import DEMO_TODAY, run_demo

    app.today = lambda: DEMO_TODAY
    # The larger story (1,640 problems, 20 branches, rounds) in memory; the first report on the
    # persistent stores, where it is the same code and the larger one only takes longer.
    larger = type(app.recorder).__module__.endswith("popo")
    result = run_demo(app, larger=larger)
    assert sum(app.get_issue(i).mode is Mode.CENTRAL for i in result.own) == 3
    assert sum(app.get_issue(i).mode is Mode.ON_THE_SPOT for i in result.own) == 5
    count = app.recorder.max_notification_id()
    assert run_demo(app, larger=larger).all == result.all  # idempotent
    assert app.recorder.max_notification_id() == count
    for iid in result.all[::5]:
        inv.check_issue(app, iid)
    for branch_id in app.views.record_ids("branch")[::4]:
        inv.check_branch(app, UUID(branch_id))
