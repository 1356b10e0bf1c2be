"""Tamper evidence (issue 10): every kind of change made to a store directly with SQL, on SQLite
and PostgreSQL, is found by ``verify_integrity`` and named by its first affected event; a kept
digest proves a history rewritten with every chain computed again; the views are checked against
the events; a store written before chaining is sealed as found and says so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

import rectify
from rectify.adapters.chain import GENESIS, event_digest, id_bytes, log_digest
from rectify.domain.seals import SEAL_ID, FindingKind, IntegrityReport
from rectify.errors import InvalidCommand
from tests.conftest import TODAY, Cast, intruder, rectified_issue, run_rectify, stored_key

DATA = Path(__file__).parent.parent / "data"


class History:
    """Two issues, the first closed out (versions 1-5), a checkpoint, then the second verified
    and one more issue recorded: every event's notification id known."""

    def __init__(self, url: str) -> None:
        self.url = url
        app = rectify.connect(url, today=lambda: TODAY)
        self.first = rectified_issue(app)
        self.second = rectified_issue(app)
        app.verify(self.first, actor=Cast.verifier, on="2019-06-11")
        app.close_out(self.first, actor=Cast.verifier, on="2019-06-12")
        sealed = app.seal()
        assert sealed is not None
        self.sealed = sealed
        app.verify(self.second, actor=Cast.verifier, on="2019-06-11")
        self.third = app.record_issue(
            actor=Cast.inspector,
            title="late",
            unit="省財政廳",
            source="inspection",
            on="2019-07-01",
        )
        app.catch_up()  # the views are current
        assert len(app.ledger()) == 3
        report = app.verify_integrity(seal=False)
        assert report.intact, report.findings
        self.head = report.head
        app.close()

    def position(self, ident: UUID, version: int) -> int:
        with intruder(self.url) as (db, t):
            (found,) = db.execute(
                f"SELECT {t['position']} FROM {t['events']} "
                "WHERE originator_id = %s AND originator_version = %s",
                (stored_key(t["id"], ident), version),
            ).fetchone()
        return int(found)

    def sql(self, statement: str, *params: Any) -> None:
        with intruder(self.url) as (db, t):
            db.execute(statement.format(**t), params)

    def state(self, ident: UUID, version: int) -> bytes:
        with intruder(self.url) as (db, t):
            (found,) = db.execute(
                "SELECT state FROM {events} WHERE originator_id = %s AND originator_version = %s".format(
                    **t
                ),
                (stored_key(t["id"], ident), version),
            ).fetchone()
        return bytes(found)

    def key(self, ident: UUID) -> Any:
        return stored_key("hex" if self.url.startswith("sqlite") else "uuid", ident)

    def verify(self, **kwargs: Any) -> IntegrityReport:
        app = rectify.connect(self.url, today=lambda: TODAY, catch_up=False)
        try:
            return app.verify_integrity(**kwargs)
        finally:
            app.close()


@pytest.fixture
def history(persistent_url: str) -> History:
    return History(persistent_url)


def _first(report: IntegrityReport, kind: FindingKind) -> Any:
    assert not report.intact
    found = report.first(kind)
    assert found is not None, [str(f) for f in report.findings]
    return found


def test_an_untouched_history_is_intact_and_sealed_by_its_checkpoint(history: History) -> None:
    report = history.verify()
    assert report.intact
    assert report.events == 12  # 5 + 4 + 1 of three issues, and the checkpoint stream's 2
    assert report.checkpoints == 1
    assert report.latest_checkpoint == history.sealed
    assert report.views_checked
    assert report.head is not None
    assert report.head.digest == history.head.digest  # type: ignore[union-attr]


def test_a_changed_byte_in_a_state_is_named(history: History) -> None:
    state = history.state(history.first, 2)
    changed = state.replace(b"2019-12-31", b"2019-12-30", 1)  # the deadline
    assert changed != state
    history.sql(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 2",
        changed,
        history.key(history.first),
    )
    found = _first(history.verify(), FindingKind.ALTERED)
    assert (found.originator_id, found.version) == (history.first, 2)
    assert found.notification_id == history.position(history.first, 2)


def test_a_changed_topic_is_named(history: History) -> None:
    history.sql(
        "UPDATE {events} SET topic = %s WHERE originator_id = %s AND originator_version = 4",
        "rectify.domain.issue:Issue.RectificationRejected",
        history.key(history.first),
    )
    found = _first(history.verify(), FindingKind.ALTERED)
    assert (found.originator_id, found.version) == (history.first, 4)


def test_an_actor_rewritten_to_break_separation_of_duties_is_named(history: History) -> None:
    state = history.state(history.first, 4)  # the verification
    assert Cast.verifier.id.encode() in state
    forged = state.replace(Cast.verifier.id.encode(), Cast.responsible.id.encode())
    history.sql(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 4",
        forged,
        history.key(history.first),
    )
    found = _first(history.verify(), FindingKind.ALTERED)
    assert (found.originator_id, found.version) == (history.first, 4)


def test_an_event_deleted_from_the_middle_of_a_stream_is_named(history: History) -> None:
    history.sql(
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 2",
        history.key(history.first),
    )
    report = history.verify()
    found = _first(report, FindingKind.DELETED)
    assert (found.originator_id, found.version) == (history.first, 2)


@pytest.mark.parametrize("chain_too", [False, True], ids=["event", "event-and-chain-row"])
def test_an_event_deleted_from_the_end_of_a_stream_is_named(
    history: History, chain_too: bool
) -> None:
    at = history.position(history.second, 4)  # the second issue's verification, not the log's end
    history.sql("DELETE FROM {events} WHERE {position} = %s", at)
    if chain_too:
        history.sql("DELETE FROM {chain} WHERE notification_id = %s", at)
    found = _first(history.verify(), FindingKind.DELETED)
    assert found.notification_id == at
    if not chain_too:
        assert (found.originator_id, found.version) == (history.second, 4)


def test_events_deleted_from_the_end_of_the_log_are_found(history: History) -> None:
    last = history.position(history.third, 1)
    history.sql("DELETE FROM {events} WHERE {position} = %s", last)
    history.sql("DELETE FROM {chain} WHERE notification_id = %s", last)
    found = _first(history.verify(), FindingKind.DELETED)
    assert found.notification_id == last


def test_the_log_cut_back_before_its_checkpoint_is_found(history: History) -> None:
    """The checkpoint's own stream ends sealed: cutting the events it sealed fails it."""
    cut = history.sealed.up_to
    history.sql("DELETE FROM {events} WHERE {position} = %s", cut)
    history.sql("DELETE FROM {chain} WHERE notification_id = %s", cut)
    report = history.verify()
    assert (
        report.first(FindingKind.CHECKPOINT) is not None
        or report.first(FindingKind.DELETED) is not None
    )
    assert any(f.notification_id == cut for f in report.findings), report.findings


def test_an_inserted_event_is_named(history: History) -> None:
    state = history.state(history.first, 5)
    history.sql(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "VALUES (%s, 6, %s, %s)",
        history.key(history.first),
        "rectify.domain.issue:Issue.Reopened",
        state,
    )
    found = _first(history.verify(), FindingKind.INSERTED)
    assert (found.originator_id, found.version) == (history.first, 6)


def test_a_forged_event_with_a_forged_chain_row_is_named(history: History) -> None:
    """An intruder who knows the digests but not the running log digest of what follows."""
    state = history.state(history.first, 5)
    topic = "rectify.domain.issue:Issue.Reopened"
    history.sql(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "VALUES (%s, 6, %s, %s)",
        history.key(history.first),
        topic,
        state,
    )
    at = history.position(history.first, 6)
    digest = event_digest(GENESIS, id_bytes(history.first), 6, topic, state)
    history.sql(
        "INSERT INTO {chain} VALUES (%s, %s, 6, %s, %s)",
        at,
        history.key(history.first),
        digest,
        digest,
    )
    found = _first(history.verify(), FindingKind.ALTERED)
    assert (found.originator_id, found.version, found.notification_id) == (history.first, 6, at)


def test_two_events_swapped_are_named(history: History) -> None:
    two, three = history.state(history.first, 2), history.state(history.first, 3)
    for version, state in ((2, three), (3, two)):
        history.sql(
            "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = %s",
            state,
            history.key(history.first),
            version,
        )
    found = _first(history.verify(), FindingKind.ALTERED)
    assert (found.originator_id, found.version) == (history.first, 2)


def test_events_of_two_issues_swapped_are_named(history: History) -> None:
    a, b = history.position(history.first, 2), history.position(history.second, 2)
    state_a, state_b = history.state(history.first, 2), history.state(history.second, 2)
    history.sql("UPDATE {events} SET state = %s WHERE {position} = %s", state_b, a)
    history.sql("UPDATE {events} SET state = %s WHERE {position} = %s", state_a, b)
    found = _first(history.verify(), FindingKind.ALTERED)
    assert found.notification_id == min(a, b)


def test_an_altered_checkpoint_is_named(history: History) -> None:
    state = history.state(SEAL_ID, 2)
    altered = state.replace(history.sealed.digest.encode(), b"0" * 64)
    assert altered != state
    history.sql(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 2",
        altered,
        history.key(SEAL_ID),
    )
    report = history.verify()
    found = _first(report, FindingKind.ALTERED)
    assert (found.originator_id, found.version) == (SEAL_ID, 2)
    assert _first(report, FindingKind.CHECKPOINT).originator_id == SEAL_ID


def _rechain(url: str) -> None:
    """What a knowing intruder does after an edit: compute every chain row again."""
    with intruder(url) as (db, t):
        rows = db.execute(
            "SELECT {position}, originator_id, originator_version, topic, state FROM {events} "
            "ORDER BY {position}".format(**t)
        ).fetchall()
        db.execute("DELETE FROM {chain}".format(**t))
        last: dict[Any, bytes] = {}
        head = GENESIS
        for position, ident, version, topic, stored in rows:
            state = stored.encode() if isinstance(stored, str) else bytes(stored)
            d = event_digest(last.get(ident, GENESIS), id_bytes(ident), version, topic, state)
            last[ident] = d
            head = log_digest(head, position, d)
            db.execute(
                "INSERT INTO {chain} VALUES (%s, %s, %s, %s, %s)".format(**t),
                (position, ident, version, d, head),
            )


def test_a_kept_digest_proves_a_history_rewritten_with_every_chain_recomputed(
    history: History,
) -> None:
    kept = history.verify().head
    assert kept is not None
    state = history.state(history.first, 2)
    history.sql(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 2",
        state.replace(b"2019-12-31", b"2020-12-31", 1),
        history.key(history.first),
    )
    _rechain(history.url)
    # The checkpoint still names the old digest: found without the kept one.
    assert _first(history.verify(), FindingKind.CHECKPOINT).originator_id == SEAL_ID
    history.sql("DELETE FROM {events} WHERE originator_id = %s", history.key(SEAL_ID))
    _rechain(history.url)
    rewritten = history.verify(views=False)
    if history.url.startswith("sqlite"):  # SQLite never skips an id: the gap gives it away
        assert _first(rewritten, FindingKind.DELETED).notification_id == history.sealed.up_to + 1
    else:  # PostgreSQL skips ids of failed writes: every chain agrees with the rewritten history
        assert rewritten.intact
    found = _first(history.verify(expect=kept.digest), FindingKind.EXPECTED)
    assert kept.digest in found.message
    if history.url.startswith("sqlite"):
        return
    untouched_point = history.verify().head  # the rewritten history's own digest seals it
    assert untouched_point is not None
    assert history.verify(expect=untouched_point.digest, views=False).intact


def test_a_kept_digest_of_an_intact_history_passes_after_more_is_recorded(history: History) -> None:
    kept = history.verify().head
    assert kept is not None
    app = rectify.connect(history.url, today=lambda: TODAY)
    app.close_out(history.second, actor=Cast.verifier, on="2019-06-12")
    app.close()
    assert history.verify(expect=kept.digest).intact
    assert history.verify(expect="sha256:" + kept.digest.upper()).intact


def test_a_digest_that_is_not_one_is_refused(history: History) -> None:
    app = rectify.connect(history.url, today=lambda: TODAY)
    for bad in ("abc", "z" * 64, 42):
        with pytest.raises(InvalidCommand) as refused:
            app.verify_integrity(expect=bad)  # type: ignore[arg-type]
        assert refused.value.field == "expect"
    app.close()


# ------------------------------------------------------------------ the views


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            "UPDATE {views}_versions SET status = 'closed_out' WHERE version = 1",
            "edited: status",
        ),
        ("DELETE FROM {views}_audit WHERE position = 2", "missing"),
        (
            "INSERT INTO {views}_records (id, kind, name, unit, position) "
            "VALUES ('forged', 'branch', 'x', 'y', 1)",
            "added",
        ),
        (
            "UPDATE {tracking} SET notification_id = 11 WHERE application_name = 'rectify'",
            "added",
        ),
    ],
    ids=["row-edited", "row-deleted", "row-added", "tracking-moved-back"],
)
def test_views_that_the_history_does_not_support_are_reported_and_mended(
    history: History, edit: str, words: str
) -> None:
    history.sql(edit)
    report = history.verify()
    found = _first(report, FindingKind.VIEWS)
    assert words in found.message, [str(f) for f in report.findings]
    app = rectify.connect(history.url, today=lambda: TODAY, catch_up=False)
    app.rebuild_views()
    app.close()
    assert history.verify().intact


def test_views_tracked_past_the_log_are_reported(history: History) -> None:
    history.sql("UPDATE {tracking} SET notification_id = 17 WHERE application_name = 'rectify'")
    found = _first(history.verify(), FindingKind.DELETED)
    assert "tracked position" in found.message


# ------------------------------------------------------------------ old stores, the command line


def test_a_store_written_before_chaining_is_sealed_as_found_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(DATA / "store-v0.1.0.db", path)
    url = f"sqlite:///{path}"
    app = rectify.connect(url, today=lambda: TODAY)
    events = app.recorder.max_notification_id() or 0
    report = app.verify_integrity()
    assert report.intact, report.findings
    assert report.adopted_up_to == events
    assert report.adopted_at is not None
    app.record_issue(
        actor=Cast.inspector, title="new", unit="省財政廳", source="inspection", on="2019-12-01"
    )
    again = app.verify_integrity()
    assert again.intact, again.findings
    assert again.adopted_up_to == events
    assert again.events == events + 1
    app.close()
    done = run_rectify("verify", "--db", url)
    assert done.returncode == 0, done.stdout
    assert f"Events 1–{events:,} were written before chaining" in done.stdout


def test_rectify_verify_passes_on_the_demo_and_fails_on_a_tampered_copy(
    played_demo: Any, tmp_path: Path
) -> None:
    url = played_demo.copy_to(tmp_path)
    done = run_rectify("verify", "--db", url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "INTACT" in done.stdout
    digest = next(
        line.split()[2] for line in done.stdout.splitlines() if line.startswith("History digest")
    )
    assert run_rectify("verify", "--db", url, "--expect", digest).returncode == 0
    with intruder(url) as (db, t):
        db.execute(f"UPDATE {t['events']} SET state = state || ' ' WHERE {t['position']} = 1234")
    done = run_rectify("verify", "--db", url, "--no-views")
    assert done.returncode == 1
    assert "NOT INTACT" in done.stdout
    assert "altered [event 1234 of" in done.stdout
    refused = run_rectify("verify", "--db", url, "--expect", "nope")
    assert refused.returncode == 2
    assert "expect" in refused.stdout


def test_every_export_names_the_history_it_came_from_and_verify_proves_it(
    played_demo: Any, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    url = played_demo.copy_to(tmp_path)
    book_path, csv_path, notice_path = tmp_path / "l.xlsx", tmp_path / "l.csv", tmp_path / "n.md"
    assert run_rectify("export", "--db", url, "--out", str(book_path)).returncode == 0
    assert run_rectify("export", "--db", url, "--out", str(csv_path)).returncode == 0
    done = run_rectify("notice", "--db", url, "--period", "2019", "--out", str(notice_path))
    assert done.returncode == 0, done.stdout
    sheet = load_workbook(book_path, read_only=True)["臺賬"]
    footer = [str(r[0]) for r in sheet.iter_rows(values_only=True) if r and r[0]][-1]
    digest = footer.split("sha256:")[1][:64]
    assert f"rectify verify --expect {digest}" in footer
    assert digest in csv_path.read_text(encoding="utf-8-sig")
    assert digest in notice_path.read_text(encoding="utf-8")
    app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
    sealed = app.history_digest()
    assert sealed is not None
    assert sealed.digest == digest
    assert sealed.up_to == app.recorder.max_notification_id()
    app.close()
    assert run_rectify("verify", "--db", url, "--expect", digest).returncode == 0
    # A history rewritten, with every chain computed again, no longer has that digest.
    with intruder(url) as (db, t):
        db.execute(f"UPDATE {t['events']} SET state = state || ' ' WHERE {t['position']} = 77")
    _rechain(url)
    done = run_rectify("verify", "--db", url, "--expect", digest, "--no-views")
    assert done.returncode == 1
    assert f"expected: digest {digest} seals no point of this history" in done.stdout


def test_a_history_digest_known_at_a_point_seals_that_point(history: History) -> None:
    app = rectify.connect(history.url, today=lambda: TODAY)
    at = app.history_digest(history.sealed.up_to)
    assert at == history.sealed
    assert app.history_digest() == history.head
    with pytest.raises(InvalidCommand):
        app.history_digest(-1)
    app.close()


def test_a_chain_removed_from_a_chained_store_is_not_taken_for_an_old_one(
    history: History,
) -> None:
    """Without its chain rows the store looks written before chaining, and is sealed as found;
    but its checkpoints show it was chained: that is reported, on both stores."""
    history.sql("DELETE FROM {chain}")
    history.sql("DELETE FROM {chain}_meta")
    report = history.verify()
    assert report.adopted_up_to == report.events == 12
    assert report.head == history.head  # the digests are a function of the stored bytes alone
    found = _first(report, FindingKind.CHAIN)
    assert "its chain was removed" in found.message
    assert found.notification_id == history.position(SEAL_ID, 2)


def test_a_stream_hidden_by_respelling_its_id_is_named(tmp_path: Path) -> None:
    """SQLite holds ids as text: the same UUID spelt in capitals would digest alike, yet the
    issue could no longer be found. The check wants ids in the one form rectify writes."""
    history = History(f"sqlite:///{tmp_path}/l.db")
    history.sql(
        "UPDATE {events} SET originator_id = upper(originator_id) WHERE originator_id = %s",
        history.key(history.first),
    )
    found = _first(history.verify(views=False), FindingKind.ALTERED)
    assert found.notification_id == 1  # the first event of the first issue
    assert "not in the form stored" in found.message


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE {events} SET state = NULL WHERE rowid = 3",
        "UPDATE {events} SET topic = CAST(topic AS BLOB) WHERE rowid = 3",
        "UPDATE {events} SET topic = NULL WHERE rowid = 3",
        "UPDATE {events} SET originator_version = 'x' WHERE rowid = 3",
        "UPDATE {events} SET originator_version = NULL WHERE rowid = 3",
        "UPDATE {events} SET originator_id = X'00' WHERE rowid = 3",
        "INSERT INTO {chain}_meta VALUES ('adopted_up_to', 'abc')",
        "UPDATE {tracking} SET notification_id = 'x' WHERE application_name = 'rectify'",
        "UPDATE {views}_versions SET issue_id = NULL WHERE version = 2",
    ],
)
def test_values_of_a_kind_rectify_never_writes_are_reported_not_raised(
    tmp_path: Path, edit: str
) -> None:
    history = History(f"sqlite:///{tmp_path}/l.db")
    history.sql(edit)
    try:
        report = history.verify()
    except rectify.RectifyError:
        return  # typed: good enough for what no release ever wrote
    if "meta" in edit:  # a chained store's meta is not evidence: a bad value there is ignored
        assert report.intact, report.findings
        assert report.adopted_up_to is None
    else:
        assert not report.intact, report


def test_a_forged_checkpoint_beyond_any_position_is_reported(tmp_path: Path) -> None:
    history = History(f"sqlite:///{tmp_path}/l.db")
    state = history.state(SEAL_ID, 2)
    forged = state.replace(
        f'"up_to":{history.sealed.up_to}'.encode(), b'"up_to":' + str(2**70).encode()
    )
    assert forged != state
    history.sql(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 2",
        forged,
        history.key(SEAL_ID),
    )
    report = history.verify(views=False)
    assert not report.intact
