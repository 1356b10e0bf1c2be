"""Decisions bound to evidence (issue 10), through the application on SQLite and PostgreSQL: a
stale decision shows in the issue view, the ledger (and its 備註), the audit trail and the
figures until it is re-confirmed; a branch's delisting goes stale when a linked issue is reopened
or a problem found before it is linked after it; the views equal a replay, also rebuilt."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

import rectify
from rectify.errors import InvalidCommand, PermissionDenied, TransitionNotAllowed
from rectify.projections.ledger import STALE_NOTE
from rectify.testing import invariants as inv
from tests.conftest import COMMITTEE, TODAY, UNIT, Cast, rectified_issue

OLD_STORE = Path(__file__).resolve().parents[1] / "data" / "store-v0.1.0.db"


@pytest.fixture
def app(persistent_url: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(persistent_url, today=lambda: TODAY)
    yield application
    application.close()


def closed_out(app: rectify.RectificationApp) -> UUID:
    issue_id = rectified_issue(app)
    app.verify(issue_id, actor=Cast.verifier, on="2019-06-20")
    app.close_out(issue_id, actor=Cast.verifier, on="2019-06-21")
    return issue_id


def test_a_stale_decision_shows_everywhere_until_reconfirmed(
    app: rectify.RectificationApp,
) -> None:
    issue_id = closed_out(app)
    other = closed_out(app)
    assert app.get_issue(issue_id).stale_decisions == ()
    app.replace_evidence(issue_id, actor=Cast.responsible, summary="補充", evidence=("新照片",),
                         on="2019-07-01")  # fmt: skip

    view = app.get_issue(issue_id)
    assert view.stale_decisions == ("verify", "close_out") and view.is_stale
    assert view.status is rectify.Status.CLOSED_OUT
    assert app.get_issue(issue_id, as_of="2019-06-30").stale_decisions == ()  # not yet then
    rows = {r.id: r for r in app.ledger()}
    assert rows[issue_id].stale_decisions == ("verify", "close_out")
    assert STALE_NOTE in rows[issue_id].remarks and STALE_NOTE not in rows[other].remarks
    assert rows[other].stale_decisions == ()
    marks = [e for e in app.audit_trail(issue_id) if e.action == "mark_stale"]
    assert [e.details["decision"] for e in marks] == ["verify", "close_out"]
    assert all("更換整改材料" in (e.reason or "") for e in marks)
    figures = app.figures()
    assert figures.total.stale == 1 and figures.stale_by_status["closed_out"] == 1
    assert figures.stale_by_decision == {"verify": 1, "close_out": 1, "withdraw": 0}
    assert figures.by_unit[UNIT].stale == 1
    inv.check_issue(app, issue_id)
    inv.ledger_equals_replay(app, TODAY, None)

    with pytest.raises(PermissionDenied):
        app.reconfirm_decision(issue_id, actor=Cast.unit_verifier, on="2019-07-02")
    app.reconfirm_decision(issue_id, actor=Cast.verifier, note="複核無誤", on="2019-07-02")
    assert app.get_issue(issue_id).stale_decisions == ()
    assert app.figures().total.stale == 0
    assert app.audit_trail(issue_id)[-1].action == "reconfirm"
    with pytest.raises(TransitionNotAllowed, match="nothing to re-confirm"):
        app.reconfirm_decision(issue_id, actor=Cast.verifier, on="2019-07-03")

    app.rebuild_views()
    inv.ledger_equals_replay(app, TODAY, None)
    inv.check_issue(app, issue_id)


def test_bad_input_records_nothing(app: rectify.RectificationApp) -> None:
    issue_id = closed_out(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidCommand, match="summary"):
        app.replace_evidence(issue_id, actor=Cast.responsible, summary="", on="2019-07-01")
    with pytest.raises(InvalidCommand, match="note"):
        app.reconfirm_decision(issue_id, actor=Cast.verifier, note=3, on="2019-07-01")  # type: ignore[arg-type]
    assert app.recorder.max_notification_id() == before


def test_a_delisting_goes_stale_when_a_linked_issue_is_reopened_or_a_back_dated_one_is_linked(
    app: rectify.RectificationApp,
) -> None:
    branch_id = app.register_branch(actor=Cast.verifier, code="B-9", name="九支部", unit=UNIT,
                                    on="2019-01-02")  # fmt: skip
    issue_id = app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection",
                                branch_id=branch_id, on="2019-05-01")  # fmt: skip
    app.designate_lagging(branch_id, actor=Cast.verifier, kinds=["軟弱渙散"], basis="排查",
                          on="2019-05-02")  # fmt: skip
    mentors = [{"name": "張", "unit": COMMITTEE}, {"name": "趙", "unit": UNIT}]
    app.start_consolidation(branch_id, actor=Cast.verifier, plan="p", deadline="2019-09-30",
                            mentors=mentors, on="2019-05-03")  # fmt: skip
    app.rectify_on_the_spot(issue_id, actor=Cast.responsible, summary="s", on="2019-05-04")
    app.verify(issue_id, actor=Cast.verifier, on="2019-05-05")
    app.close_out(issue_id, actor=Cast.verifier, on="2019-05-06")
    app.request_delisting(branch_id, actor=Cast.verifier, on="2019-06-01")
    app.delist(branch_id, actor=Cast.verifier, on="2019-06-02")
    assert app.get_branch(branch_id).stale_decisions == ()

    app.reopen(issue_id, actor=Cast.verifier, reason="反彈", on="2019-07-01")
    assert app.get_branch(branch_id).stale_decisions == ("delist",)
    mark = [e for e in app.audit_trail(unit=UNIT) if e.kind == "branch"][-1]
    assert mark.action == "mark_stale" and "反彈重開" in (mark.reason or "")
    app.reconfirm_delisting(branch_id, actor=Cast.verifier, on="2019-07-02")
    assert app.get_branch(branch_id).stale_decisions == ()

    # 補錄: a problem found in May, before the delisting, recorded (and linked) in August.
    app.record_issue(actor=Cast.inspector, title="補錄", unit=UNIT, source="inspection",
                     branch_id=branch_id, on="2019-05-10")  # fmt: skip
    branch = app.get_branch_aggregate(branch_id)
    assert branch.stale_decisions() == ("delist",)
    assert "補錄" in (branch.decisions["delist"].stale_reason or "")
    inv.check_branch(app, branch_id)


def test_views_of_schema_4_are_upgraded_in_place_and_equal_a_replay(tmp_path: Path) -> None:
    store = tmp_path / "old.db"
    shutil.copyfile(OLD_STORE, store)
    app = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY, create=False)
    try:
        assert app.pending_events() == 0  # not rebuilt: upgraded
        rows = app.ledger()
        assert rows and all(r.stale_decisions == () for r in rows)
        inv.ledger_equals_replay(app, TODAY, None)  # the upgraded rows are what a replay writes
        inv.ledger_equals_replay(app, date(2019, 6, 30), None)
    finally:
        app.close()
