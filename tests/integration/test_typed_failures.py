"""Every failure comes out as a typed RectifyError, quickly, and changes nothing (issue 8,
findings 3, 5 and 6): text no store can hold, separation of duties, wrong types given to the API,
stores that cannot be opened, histories that do not replay, views that were tampered with."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

import rectify
from rectify import Actor, Role
from rectify.errors import (
    InvalidCommand,
    NotFound,
    PermissionDenied,
    RectifyError,
    StoreUnavailable,
)
from tests.conftest import COMMITTEE, TODAY, UNIT, Cast, rectified_issue


def _events(app: rectify.RectificationApp) -> int:
    return app.recorder.max_notification_id() or 0


# ---------------------------------------------------------------- finding 3: unholdable text

UNHOLDABLE = ["a\x00b", "line\x0bbreak", "bell\x07", "esc\x1b[0m", "lone \ud800 surrogate"]


@pytest.mark.parametrize("text", UNHOLDABLE)
def test_text_no_store_can_hold_is_refused_naming_the_field(
    app: rectify.RectificationApp, text: str
) -> None:
    before = _events(app)
    with pytest.raises(InvalidCommand) as refused:
        app.record_issue(actor=Cast.inspector, title=text, unit=UNIT, source="inspection")
    assert refused.value.field == "title"
    assert "U+" in refused.value.message or "unicode" in refused.value.message
    issue_id = app.record_issue(actor=Cast.inspector, title="ok", unit=UNIT, source="inspection")
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: app.report_progress(issue_id, actor=Cast.responsible, text=text), "text"),
        (
            lambda: app.assign(
                issue_id,
                actor=Cast.verifier,
                unit=UNIT,
                person="劉",
                deadline="2020-01-31",
                measures=["一", text],
            ),
            "measures.1",
        ),
        (lambda: app.withdraw(issue_id, actor=Cast.verifier, reason=text), "reason"),
        (
            lambda: app.register_branch(actor=Cast.verifier, code="B", name=text, unit=UNIT),
            "name",
        ),
        (lambda: app.ledger(unit=text), "unit"),
        (lambda: app.issues(unit=text), "unit"),
    ]
    for call, field in calls:
        with pytest.raises(InvalidCommand) as refused:
            call()
        assert refused.value.field == field
    # Everything a reader asks for still works: nothing poisoned the store.
    assert len(app.ledger()) == 1 and app.figures().total.found == 1
    assert app.audit_trail(issue_id)
    assert _events(app) == before + 1


def test_tab_newline_and_carriage_return_are_kept(app: rectify.RectificationApp) -> None:
    issue_id = app.record_issue(
        actor=Cast.inspector,
        title="第一行\n第二行\t(tab)\r\n第三行",
        unit=UNIT,
        source="inspection",
    )
    assert app.get_issue(issue_id).title == "第一行\n第二行\t(tab)\r\n第三行"
    assert [r.title for r in app.ledger()] == ["第一行\n第二行\t(tab)\r\n第三行"]


# ---------------------------------------------------------------- finding 5: separation of duties


def test_a_verifier_of_the_issues_own_unit_decides_nothing_on_it(
    app: rectify.RectificationApp,
) -> None:
    own = Cast.unit_verifier  # a VERIFIER of 省財政廳, the issue's unit
    found = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-05-01"
    )
    app.assign(
        found, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-12-31", on="2019-06-01"
    )
    before = _events(app)
    refused_calls: tuple[Callable[[], object], ...] = (
        lambda: app.withdraw(found, actor=own, reason="x"),
        lambda: app.extend_deadline(found, actor=own, new_deadline="2020-03-31", reason="x"),
    )
    for call in refused_calls:
        with pytest.raises(PermissionDenied, match="separation of duties"):
            call()
    app.submit_rectification(found, actor=Cast.responsible, summary="done", on="2019-06-10")
    with pytest.raises(PermissionDenied, match="separation of duties"):
        app.verify(found, actor=own)
    app.verify(found, actor=Cast.verifier, on="2019-06-11")
    with pytest.raises(PermissionDenied, match="separation of duties"):
        app.close_out(found, actor=own)
    assert "close_out" not in app.allowed_actions(found, own)
    assert "close_out" in app.allowed_actions(found, Cast.verifier)
    assert _events(app) == before + 2


def test_the_person_who_rectified_never_decides_on_it(app: rectify.RectificationApp) -> None:
    # The same person (actor id) acting as RESPONSIBLE of the unit, then as VERIFIER of the
    # committee.
    as_responsible = Actor("li", "李", UNIT, [Role.RESPONSIBLE])
    as_verifier = Actor("li", "李", COMMITTEE, [Role.VERIFIER])
    issue_id = rectified_issue(app, as_responsible)
    refused_calls: tuple[Callable[[], object], ...] = (
        lambda: app.verify(issue_id, actor=as_verifier),
        lambda: app.reject(issue_id, actor=as_verifier, reason="x"),
        lambda: app.withdraw(issue_id, actor=as_verifier, reason="x"),
    )
    for call in refused_calls:
        with pytest.raises(PermissionDenied, match="rectified this issue"):
            call()
    # Still after a rejection by someone else and a second rectification by another person.
    app.reject(issue_id, actor=Cast.verifier, reason="材料不足", on="2019-06-11")
    app.submit_rectification(issue_id, actor=Cast.responsible, summary="again", on="2019-06-12")
    with pytest.raises(PermissionDenied):
        app.verify(issue_id, actor=as_verifier)
    admin = Actor("li", "李", "省委組織部", [Role.ADMIN])  # ADMIN is bound too
    with pytest.raises(PermissionDenied):
        app.verify(issue_id, actor=admin)


@pytest.mark.parametrize(
    "disguise",
    [
        "省財政廳\u200b", "省財政廳\ufeff", " 省財政廳 ", "省財\u200e政廳", "省財政廳\u200f",
        "省財政廳\u2061", "省財政廳\u180e", "省財政廳\u034f", "省財政廳\ufe0f", "省財 政廳",
        "省財政廳\u3000",
    ],
)  # fmt: skip
def test_units_are_compared_after_normalisation(
    app: rectify.RectificationApp, disguise: str
) -> None:
    issue_id = rectified_issue(app)
    disguised = Actor("x", "x", disguise, [Role.VERIFIER])
    with pytest.raises(PermissionDenied, match="separation of duties"):
        app.verify(issue_id, actor=disguised)


def test_full_width_letters_are_the_same_unit(app: rectify.RectificationApp) -> None:
    issue_id = app.record_issue(actor=Cast.inspector, title="t", unit="單位A", source="inspection")
    with pytest.raises(PermissionDenied, match="separation of duties"):
        app.withdraw(issue_id, actor=Actor("x", "x", "單位Ａ", [Role.VERIFIER]), reason="r")
    # ... and the responsible unit's own grant is recognised the same way.
    app.rectify_on_the_spot(
        issue_id, actor=Actor("r", "r", "單位Ａ", [Role.RESPONSIBLE]), summary="s"
    )


# ---------------------------------------------------------------- finding 6: wrong types


WRONG_CALLS: list[tuple[str, Any, str]] = [
    ("ledger as_of int", lambda a, i, b: a.ledger(as_of=20240601), "as_of"),
    ("ledger known_at date", lambda a, i, b: a.ledger(known_at=date(2019, 6, 1)), "known_at"),
    ("ledger known_at bool", lambda a, i, b: a.ledger(known_at=True), "known_at"),
    (
        "get_branch as_of datetime",
        lambda a, i, b: a.get_branch(b, as_of=datetime(2019, 6, 1, 12)),
        "as_of",
    ),
    ("get_issue as_of float", lambda a, i, b: a.get_issue(i, as_of=2019.6), "as_of"),
    ("notice int", lambda a, i, b: a.notice(202406), "period"),
    ("notice year 0", lambda a, i, b: a.notice("0000"), "period"),
    (
        "define_checklist items int",
        lambda a, i, b: a.define_checklist(actor=Cast.verifier, name="n", items=5),
        "items",
    ),
    (
        "issue_problem_list common_problems int",
        lambda a, i, b: a.issue_problem_list(
            actor=Cast.verifier, name="n", issuer="x", deadline="2019-12-31", common_problems=5
        ),
        "common_problems",
    ),
    (
        "open_inspection_round scope int",
        lambda a, i, b: a.open_inspection_round(
            UUID(int=1), actor=Cast.inspector, period="2019-06", scope=5
        ),
        "scope",
    ),
    (
        "import_findings findings int",
        lambda a, i, b: a.import_findings(UUID(int=1), actor=Cast.inspector, findings=5),
        "findings",
    ),
    (
        "import_findings dry_run maybe",
        lambda a, i, b: a.import_findings(
            UUID(int=1), actor=Cast.inspector, findings=[], dry_run="maybe"
        ),
        "dry_run",
    ),
    ("allowed_actions actor str", lambda a, i, b: a.allowed_actions(i, "x"), "actor"),
    ("get_issue huge int", lambda a, i, b: a.get_issue(2**20000), "issue_id"),
    ("get_issue list", lambda a, i, b: a.get_issue([i]), "issue_id"),
    ("issues unit list", lambda a, i, b: a.issues(unit=["A"]), "unit"),
    ("issues status surrogate", lambda a, i, b: a.issues(status="\udcff"), "status"),
    ("ledger category surrogate", lambda a, i, b: a.ledger(category="\ud800"), "category"),
    (
        "record_issue on int",
        lambda a, i, b: a.record_issue(
            actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on=20190601
        ),
        "on",
    ),
    (
        "assign deadline datetime",
        lambda a, i, b: a.assign(
            i, actor=Cast.verifier, unit=UNIT, person="p", deadline=datetime(2019, 12, 31, 1)
        ),
        "deadline",
    ),
    (
        "record_issue actor dict",
        lambda a, i, b: a.record_issue(actor={"id": ""}, title="t", unit=UNIT, source="inspection"),
        "actor.id",
    ),
    (
        "record_issue title too long",
        lambda a, i, b: a.record_issue(
            actor=Cast.inspector, title="長" * 2001, unit=UNIT, source="inspection"
        ),
        "title",
    ),
]


@pytest.mark.parametrize(("name", "call", "field"), WRONG_CALLS, ids=[c[0] for c in WRONG_CALLS])
def test_wrong_types_get_a_typed_error_naming_the_field(
    app: rectify.RectificationApp, name: str, call: Any, field: str
) -> None:
    issue_id = app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection")
    branch_id = app.register_branch(actor=Cast.verifier, code="B", name="支部", unit=UNIT)
    before = _events(app)
    with pytest.raises(InvalidCommand) as refused:
        call(app, issue_id, branch_id)
    assert refused.value.field == field, refused.value
    assert _events(app) == before
    assert len(app.ledger()) == 1


# ---------------------------------------------------------------- finding 6: opening stores


def _quick(call: Any, error: type[RectifyError]) -> RectifyError:
    started = time.monotonic()
    with pytest.raises(error) as raised:
        call()
    assert time.monotonic() - started < 8, "a failure to reach a store must be fast"
    return raised.value


def test_opening_a_missing_directory_or_a_non_database_is_typed(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    assert "does not exist" in str(_quick(lambda: rectify.connect(missing), StoreUnavailable))
    not_db = tmp_path / "notes.txt"
    not_db.write_text("這不是數據庫" * 100, encoding="utf-8")
    _quick(lambda: rectify.connect(f"sqlite:///{not_db}"), StoreUnavailable)
    _quick(lambda: rectify.connect(f"sqlite:///{tmp_path}"), StoreUnavailable)
    _quick(lambda: rectify.connect(12345), InvalidCommand)  # type: ignore[arg-type]


def test_reading_never_creates_a_store(tmp_path: Path) -> None:
    typo = tmp_path / "ledgr.db"
    _quick(lambda: rectify.connect(f"sqlite:///{typo}", create=False), NotFound)
    assert not typo.exists()


@pytest.mark.postgres
def test_an_unreachable_or_wrong_postgresql_is_typed_and_fast() -> None:
    from tests.conftest import PG_HOST, PG_PORT, PG_USER, require_postgres

    require_postgres()
    _quick(
        lambda: rectify.connect(f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/no_such_db_here"),
        StoreUnavailable,
    )
    _quick(lambda: rectify.connect(f"postgresql://{PG_USER}@127.0.0.1:1/test"), StoreUnavailable)
    _quick(
        lambda: rectify.connect(
            f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/test?schema=never_made_x", create=False
        ),
        NotFound,
    )


# A write lock held too long: tests/integration/test_busy_stores.py. Tampered stores (views
# tracked below what they hold, forged events, gaps): tests/integration/test_tampered_stores.py,
# on SQLite and PostgreSQL.


def test_a_store_that_already_holds_a_nul_stays_readable(store_url: str) -> None:
    """A store written before NUL was refused (simulated by saving the aggregate directly) keeps
    its ledger, figures and audit trail readable; where a view cannot hold NUL it shows U+FFFD."""
    app = rectify.connect(store_url, today=lambda: TODAY)
    issue = rectify.Issue.record(
        actor=Cast.inspector,
        on=date(2019, 6, 1),
        title="a\x00b",
        unit="單位\x00甲",
        source=rectify.Source.INSPECTION,
        category="組織\x00生活",
    )
    app.save(issue)
    rows = app.ledger()
    assert [r.title for r in rows] in (["a\x00b"], ["a\ufffdb"])
    assert app.figures().total.found == 1
    assert app.audit_trail(issue.id)
    assert app.get_issue(issue.id).title == "a\x00b"  # the event itself is kept as recorded
    app.close()
    again = rectify.connect(store_url, today=lambda: TODAY)  # connecting catches up again
    assert len(again.ledger()) == (1 if not store_url.startswith("memory") else 0)
    again.close()


def test_who_completed_a_measure_never_decides_on_the_problem(
    app: rectify.RectificationApp,
) -> None:
    issue_id = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-05-01"
    )
    app.assign(issue_id, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-12-31",
               measures=["建章立制"], on="2019-06-01")  # fmt: skip
    campaign = Actor("zx", "專項辦", "省委組織部", [Role.VERIFIER])
    app.complete_measure(issue_id, actor=campaign, measure=1, mode="central", campaign="專項",
                         on="2019-06-05")  # fmt: skip
    app.submit_rectification(issue_id, actor=Cast.responsible, summary="done", on="2019-06-10")
    with pytest.raises(PermissionDenied, match="rectified this issue"):
        app.verify(issue_id, actor=campaign)
    app.verify(issue_id, actor=Cast.verifier, on="2019-06-11")
