"""The views as tracking recorders: they know how far they have read, survive restarts, rebuild."""

from __future__ import annotations

import threading
from datetime import date
from uuid import UUID

import pytest

import rectify
from rectify import Mode, Status
from rectify.testing import invariants as inv
from tests.conftest import OTHER_UNIT, TODAY, UNIT, Cast


def some_history(app: rectify.RectificationApp) -> list[UUID]:
    a = app.record_issue(
        actor=Cast.inspector,
        title="a",
        unit=UNIT,
        source="inspection",
        category="組織生活",
        on="2019-06-01",
    )
    b = app.record_issue(
        actor=Cast.inspector, title="b", unit=OTHER_UNIT, source="research", on="2019-06-02"
    )
    c = app.record_issue(
        actor=Cast.inspector,
        title="c",
        unit=UNIT,
        source="inspection",
        category="黨員管理",
        on="2019-06-03",
    )
    d = app.record_issue(
        actor=Cast.inspector, title="d", unit=UNIT, source="assessment", on="2019-06-03"
    )
    app.assign(
        a,
        actor=Cast.verifier,
        unit=UNIT,
        person="劉",
        deadline="2019-07-01",
        measures=["m1", "m2"],
        on="2019-06-05",
    )
    for measure in ("m1", "m2"):
        app.complete_measure(a, actor=Cast.responsible, measure=measure, on="2019-07-10")
    app.submit_rectification(
        a, actor=Cast.responsible, summary="s", on="2019-07-11"
    )  # 10 days late
    app.verify(a, actor=Cast.verifier, on="2019-07-12")
    app.close_out(a, actor=Cast.verifier, on="2019-07-21")
    app.rectify_on_the_spot(b, actor=Cast.other_responsible, summary="s", on="2019-06-04")
    app.assign(
        c, actor=Cast.verifier, unit=UNIT, person="陳", deadline="2019-06-30", on="2019-06-04"
    )
    app.report_progress(c, actor=Cast.responsible, text="一半", on="2019-06-20")
    app.withdraw(d, actor=Cast.verifier, reason="不成立", on="2019-06-05")
    return [a, b, c, d]


def test_the_ledger_rows(app: rectify.RectificationApp) -> None:
    a, b, c, d = some_history(app)
    rows = app.ledger(as_of="2019-08-01")
    assert [(r.seq, r.id, r.title) for r in rows] == [
        (1, a, "a"),
        (2, b, "b"),
        (3, c, "c"),
        (4, d, "d"),
    ]
    ra, rb, rc, rd = rows
    assert (ra.status, ra.mode, ra.is_closed_out, ra.closed_out_on, ra.measures) == (
        Status.CLOSED_OUT,
        Mode.WITHIN_DEADLINE,
        True,
        date(2019, 7, 21),
        ("m1", "m2"),
    )
    assert ra.rectified_late and ra.remarks == "逾期整改"
    assert (rb.status, rb.mode, rb.responsible_unit) == (Status.RECTIFIED, Mode.ON_THE_SPOT, None)
    assert (rc.progress, rc.overdue, rc.days_overdue) == ("一半", True, 32)
    assert rd.status is Status.WITHDRAWN and rd.remarks == "已撤銷"
    assert [r.title for r in app.ledger(as_of="2019-08-01", unit=OTHER_UNIT)] == ["b"]
    assert [r.title for r in app.ledger(as_of="2019-08-01", source="inspection")] == ["a", "c"]
    assert [r.title for r in app.ledger(as_of="2019-08-01", category="黨員管理")] == ["c"]
    assert [r.title for r in app.ledger(as_of="2019-06-04", status="assigned")] == ["c"]
    assert app.ledger(as_of="2019-05-31") == []


def test_the_figures(app: rectify.RectificationApp) -> None:
    some_history(app)
    f = app.figures(as_of="2019-08-01")
    assert (f.total.found, f.total.withdrawn, f.total.active) == (4, 1, 3)
    assert (f.total.rectified, f.total.closed_out, f.total.overdue, f.total.rectified_late) == (
        2,
        1,
        1,
        1,
    )
    assert f.rectification_rate == pytest.approx(2 / 3)
    assert f.close_out_rate == pytest.approx(1 / 3)
    assert f.by_status == {
        "found": 0,
        "assigned": 1,
        "rectified": 1,
        "verified": 0,
        "closed_out": 1,
        "withdrawn": 1,
    }
    assert f.by_mode == {"on_the_spot": 1, "central": 0, "within_deadline": 1}
    assert set(f.by_unit) == {UNIT, OTHER_UNIT}
    assert (f.by_unit[UNIT].found, f.by_unit[UNIT].closed_out) == (3, 1)
    assert f.by_source["inspection"].found == 2
    assert f.by_category["—"].found == 2
    assert (f.days_to_rectify.count, f.days_to_rectify.mean, f.days_to_rectify.median) == (
        2,
        21.0,
        21.0,
    )
    assert (f.days_to_close_out.count, f.days_to_close_out.mean) == (1, 50.0)
    early = app.figures(as_of="2019-06-03")
    assert (early.total.found, early.total.rectified, early.rectification_rate) == (4, 0, 0.0)
    assert app.figures(as_of="2019-01-01").rectification_rate is None


def test_the_audit_trail_per_issue_and_per_unit(app: rectify.RectificationApp) -> None:
    a, b, _, _ = some_history(app)
    trail = app.audit_trail(a)
    assert [(e.action, e.from_state, e.to_state) for e in trail] == [
        ("record", None, Status.FOUND),
        ("assign", Status.FOUND, Status.ASSIGNED),
        ("complete_measure", Status.ASSIGNED, Status.ASSIGNED),
        ("complete_measure", Status.ASSIGNED, Status.ASSIGNED),
        ("submit_rectification", Status.ASSIGNED, Status.RECTIFIED),
        ("verify", Status.RECTIFIED, Status.VERIFIED),
        ("close_out", Status.VERIFIED, Status.CLOSED_OUT),
    ]
    assert all(e.position is not None for e in trail)
    assert [e.model_copy(update={"position": None}) for e in trail] == inv.audit_entries_of(app, a)
    unit_trail = app.audit_trail(unit=OTHER_UNIT)
    assert {e.issue_id for e in unit_trail} == {b}
    positions = [e.position for e in app.audit_trail(unit=UNIT)]
    known = [p for p in positions if p is not None]
    assert positions == known == sorted(known)
    with pytest.raises(rectify.InvalidCommand):
        app.audit_trail()


def test_views_survive_a_restart_and_read_on(persistent_url: str) -> None:
    store_url = persistent_url
    first = rectify.connect(store_url, today=lambda: TODAY)
    ids = some_history(first)
    assert len(first.ledger(as_of=TODAY)) == 4
    position = first.views.max_tracking_id(first.name)
    assert position == first.recorder.max_notification_id()
    first.close()
    again = rectify.connect(store_url, today=lambda: TODAY)
    assert again.views.max_tracking_id(again.name) == position
    assert again.catch_up() == 0  # nothing to read again
    again.reopen(ids[0], actor=Cast.inspector, reason="反彈", on="2019-09-01")
    assert again.catch_up() == 1
    assert again.ledger(as_of=TODAY)[0].status is Status.ASSIGNED
    inv.ledger_equals_replay(again, TODAY, None)
    again.close()


def test_rebuild_from_zero_gives_the_same_views(app: rectify.RectificationApp) -> None:
    some_history(app)
    before = (
        app.ledger(as_of=TODAY),
        app.ledger(as_of="2019-06-10", known_at=5),
        app.audit_trail(unit=UNIT),
    )
    assert app.rebuild_views() == app.recorder.max_notification_id()
    assert (
        app.ledger(as_of=TODAY),
        app.ledger(as_of="2019-06-10", known_at=5),
        app.audit_trail(unit=UNIT),
    ) == before


def test_a_store_reopens_after_rebuilds(persistent_url: str) -> None:
    first = rectify.connect(persistent_url, today=lambda: TODAY)
    some_history(first)
    expected = first.ledger(as_of=TODAY)
    first.rebuild_views()
    first.rebuild_views()
    first.close()
    again = rectify.connect(persistent_url, today=lambda: TODAY)
    assert again.catch_up() == 0
    assert again.ledger(as_of=TODAY) == expected
    again.close()


def test_views_of_another_schema_version_are_rebuilt(persistent_url: str) -> None:
    store_url = persistent_url
    first = rectify.connect(store_url, today=lambda: TODAY)
    some_history(first)
    expected = first.ledger(as_of=TODAY)
    with first.views._cursor(commit=True) as c:
        c.execute(f"UPDATE {first.views._table('meta')} SET value = 'old' WHERE key = 'schema'")
    first.close()
    again = rectify.connect(store_url, today=lambda: TODAY)
    assert again.views.max_tracking_id(again.name) is None  # forgotten: to be rebuilt
    assert again.ledger(as_of=TODAY) == expected
    again.close()


def test_two_readers_catching_up_at_once_write_each_row_once(persistent_url: str) -> None:
    store_url = persistent_url
    writer = rectify.connect(store_url, today=lambda: TODAY)
    some_history(writer)
    readers = [rectify.connect(store_url, today=lambda: TODAY, catch_up=False) for _ in range(3)]
    barrier = threading.Barrier(len(readers))
    errors: list[BaseException] = []

    def read(r: rectify.RectificationApp) -> None:
        barrier.wait()
        try:
            r.catch_up()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=read, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (
        len(writer.audit_trail(unit=UNIT)) + len(writer.audit_trail(unit=OTHER_UNIT))
        == writer.recorder.max_notification_id()
    )
    inv.ledger_equals_replay(writer, TODAY, None)
    for r in [writer, *readers]:
        r.close()
