"""A store changed behind rectify's back gives a typed error, quickly, on SQLite and PostgreSQL
(issue 8, finding 6): views tracked below what they hold, a forged event the workflow does not
allow, an event deleted from the middle of a stream. Detecting every kind of tampering is the
integrity issue's; here: typed, bounded, never a hang."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest

import rectify
from rectify.errors import IntegrityError
from tests.conftest import TODAY, Cast, intruder, rectified_issue, stored_key


def _closed_out_issue(url: str) -> UUID:
    app = rectify.connect(url, today=lambda: TODAY)
    issue_id = rectified_issue(app)
    app.verify(issue_id, actor=Cast.verifier, on="2019-06-11")
    app.close_out(issue_id, actor=Cast.verifier, on="2019-06-12")
    assert len(app.ledger()) == 1  # the views are caught up
    app.close()
    return issue_id


def _within_seconds(seconds: float, call: Any, error: type[Exception], match: str) -> None:
    started = time.monotonic()
    with pytest.raises(error, match=match):
        call()
    assert time.monotonic() - started < seconds


def test_views_tracked_below_what_they_hold_are_typed_and_mended_by_a_rebuild(
    persistent_url: str,
) -> None:
    _closed_out_issue(persistent_url)
    with intruder(persistent_url) as (db, tables):
        db.execute(
            f"UPDATE {tables['tracking']} SET notification_id = 1 "
            "WHERE application_name = 'rectify'"
        )
    _within_seconds(
        8, lambda: rectify.connect(persistent_url, today=lambda: TODAY).ledger(),
        IntegrityError, "rebuild",
    )  # fmt: skip
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    app.rebuild_views()
    assert len(app.ledger()) == 1
    app.close()


def test_a_forged_event_and_a_deleted_one_are_integrity_errors(persistent_url: str) -> None:
    issue_id = _closed_out_issue(persistent_url)
    with intruder(persistent_url) as (db, tables):
        key = stored_key(tables["id"], issue_id)
        # Forge a sixth event: a second verification after the close-out, which the workflow
        # does not allow (its state is that of the close-out's, re-labelled).
        (state,) = db.execute(
            f"SELECT state FROM {tables['events']} "
            "WHERE originator_id = %s AND originator_version = 5",
            (key,),
        ).fetchone()
        db.execute(
            f"INSERT INTO {tables['events']} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 6, %s, %s)",
            (key, "rectify.domain.issue:Issue.RectificationVerified", state),
        )
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    for call in (lambda: app.get_issue(issue_id), app.rebuild_views):
        _within_seconds(8, call, IntegrityError, r"does not (apply|replay)")
    app.close()
    with intruder(persistent_url) as (db, tables):
        key = stored_key(tables["id"], issue_id)
        db.execute(
            f"DELETE FROM {tables['events']} WHERE originator_id = %s AND originator_version >= 3",
            (key,),
        )
        db.execute(
            f"INSERT INTO {tables['events']} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 4, %s, %s)",
            (key, "rectify.domain.issue:Issue.RectificationVerified", state),
        )  # version 3 is missing now: a gap in the middle of the stream
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    _within_seconds(8, lambda: app.get_issue(issue_id), IntegrityError, "does not replay")
    app.close()


def test_views_missing_an_issues_first_row_are_typed_not_a_hang(persistent_url: str) -> None:
    issue_id = _closed_out_issue(persistent_url)
    with intruder(persistent_url) as (db, _):
        versions = (
            "rectify_views_versions"
            if persistent_url.startswith("sqlite")
            else f'"{parse_qs(urlsplit(persistent_url).query)["schema"][0]}".rectify_views_versions'
        )
        db.execute(f"DELETE FROM {versions} WHERE issue_id = %s AND version = 1", (str(issue_id),))
    writer = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    writer.reopen(issue_id, actor=Cast.verifier, reason="反彈", on="2019-07-01")
    writer.close()
    _within_seconds(
        8, lambda: rectify.connect(persistent_url, today=lambda: TODAY).ledger(),
        IntegrityError, "rebuild",
    )  # fmt: skip
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    app.rebuild_views()
    assert [r.status for r in app.ledger()] == [rectify.Status.ASSIGNED]
    app.close()
