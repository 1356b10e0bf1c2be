"""Personal data (issue 10): names are stored encrypted, each with its person's key held apart
from the events; forgetting a person deletes the key, and their names read as redacted in views,
exports and audit trails, while the history still replays and verifies."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
from rectify.adapters.personal import MemoryKeyStore, PersonalCipher, SQLKeyStore
from rectify.application.plumbing import FORGOTTEN_WITHIN
from rectify.domain.personal import REDACTED, PersonalData, actor_subject, name_lookup
from rectify.errors import IntegrityError, InvalidCommand, PermissionDenied
from tests.conftest import COMMITTEE, TODAY, UNIT, Cast, intruder, rectified_issue, run_rectify

DATA = Path(__file__).parent.parent / "data"
MENTORS = [
    {"name": "張副書記", "unit": COMMITTEE, "post": "工委副書記"},
    {"name": "趙書記", "unit": UNIT, "post": "機關黨委書記"},
]
NAMES = ("劉處長", "劉", "張副書記", "趙書記", "周組長", "趙主任")


def _lagging_branch_with_mentors(app: rectify.RectificationApp) -> UUID:
    branch = app.register_branch(
        actor=Cast.verifier, code="B-9", name="九支部", unit=UNIT, on="2019-01-02"
    )
    app.designate_lagging(
        branch, actor=Cast.verifier, kinds=["軟弱渙散"], basis="對標排查", on="2019-02-01"
    )
    app.start_consolidation(
        branch,
        actor=Cast.verifier,
        plan="整頓方案",
        deadline="2019-06-30",
        mentors=MENTORS,
        on="2019-02-10",
    )
    return branch


def _stored_bytes(url: str, app: rectify.RectificationApp) -> bytes:
    if url.startswith("memory"):
        return b"".join(s.state for s in app.recorder._stored_events)  # type: ignore[attr-defined]
    with intruder(url) as (db, t):
        rows = db.execute(f"SELECT state FROM {t['events']}").fetchall()
    return b"".join(bytes(r[0]) for r in rows)


def test_no_name_is_stored_in_plain_text_and_every_name_reads_back(store_url: str) -> None:
    app = rectify.connect(store_url, today=lambda: TODAY)
    issue = rectified_issue(app)
    branch = _lagging_branch_with_mentors(app)
    stored = _stored_bytes(store_url, app)
    for name in NAMES:
        assert name.encode() not in stored, f"{name} is stored in plain text"
    assert b'"$personal"' in stored
    view = app.get_issue(issue)
    assert view.responsible_person == "劉"
    assert [e.actor.name for e in app.audit_trail(issue)][:3] == ["周組長", "趙主任", "劉處長"]
    assert [m.name for m in app.get_branch(branch).mentors] == ["張副書記", "趙書記"]
    if not store_url.startswith("memory"):
        with intruder(store_url) as (db, t):
            keys = db.execute(f"SELECT subject FROM {t['keys']}").fetchall()
            names = db.execute(f"SELECT lookup, subject FROM {t['keys']}_names").fetchall()
        subjects = {r[0] for r in keys}
        assert actor_subject("resp") in subjects
        linked = dict(names)
        assert linked[name_lookup("劉")] in subjects  # a random id, linked to the name's digest
        assert linked[name_lookup("劉")] != name_lookup("劉")
        assert name_lookup("劉").encode() not in stored, "the events hold a name's digest"
        assert not any(name in s for s in subjects for name in NAMES), "a key is named by a name"
    app.close()


def test_forgetting_a_person_redacts_them_everywhere_and_the_history_still_verifies(
    store_url: str, tmp_path: Path
) -> None:
    app = rectify.connect(store_url, today=lambda: TODAY)
    issue = rectified_issue(app)
    branch = _lagging_branch_with_mentors(app)
    before = app.recorder.max_notification_id()
    done = app.forget_person(actor=Cast.admin, actor_id="resp", name="劉")
    assert done.forgotten == 2
    assert done.subjects[0] == actor_subject("resp")
    assert done.subjects[1].startswith("name:")
    assert done.subjects[1] != name_lookup("劉")  # the record leads nowhere near the name
    assert app.get_issue(issue).responsible_person == REDACTED
    trail = app.audit_trail(issue)
    assert trail[2].actor.name == REDACTED
    assert trail[2].actor.id == "resp"  # the pseudonymous id stays: who acted is still known
    assert trail[0].actor.name == "周組長"  # nobody else is forgotten
    (row,) = app.ledger()
    assert row.responsible_person == REDACTED
    assert [m.name for m in app.get_branch(branch).mentors] == ["張副書記", "趙書記"]
    report = app.verify_integrity()
    assert report.intact, report.findings
    # Forgetting is recorded, once per call; forgetting again finds nothing new.
    assert (app.recorder.max_notification_id() or 0) - (before or 0) == 2
    assert app.forget_person(actor=Cast.admin, name="劉").forgotten == 0
    # What is recorded of a forgotten person later is stored redacted.
    later = rectified_issue(app)  # assigned to 劉 again, rectified by the forgotten actor
    assert app.get_issue(later).responsible_person == REDACTED
    assert app.audit_trail(later)[-1].actor.name == REDACTED
    stored = _stored_bytes(store_url, app)
    assert "劉處長".encode() not in stored
    assert REDACTED.encode() in stored  # not encrypted with a key made anew: never kept at all
    app.forget_person(actor=Cast.admin, name="張副書記")
    assert [m.name for m in app.get_branch(branch).mentors] == [REDACTED, "趙書記"]
    app.close()
    if store_url.startswith("memory"):
        return
    # Another process, opening the store afresh, reads them redacted too: the keys are gone.
    again = rectify.connect(store_url, today=lambda: TODAY)
    assert again.get_issue(issue).responsible_person == REDACTED
    assert again.verify_integrity().intact
    again.close()


def test_an_export_after_forgetting_holds_no_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    app = rectify.connect(url, today=lambda: TODAY)
    rectified_issue(app)
    app.forget_person(actor=Cast.admin, actor_id="resp", name="劉")
    app.close()
    out = tmp_path / "l.csv"
    assert run_rectify("export", "--db", url, "--out", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8-sig")
    assert REDACTED in text
    assert "劉" not in text
    done = run_rectify("audit", _only_issue(url), "--db", url)
    assert done.returncode == 0, done.stdout
    assert "劉處長" not in done.stdout


def _only_issue(url: str) -> str:
    app = rectify.connect(url, today=lambda: TODAY)
    (row,) = app.ledger()
    app.close()
    return str(row.id)


def test_only_an_admin_forgets_and_a_person_must_be_named(memory_app: Any) -> None:
    rectified_issue(memory_app)
    before = memory_app.recorder.max_notification_id()
    with pytest.raises(PermissionDenied):
        memory_app.forget_person(actor=Cast.verifier, actor_id="resp")
    for bad in ({}, {"actor_id": "  "}, {"name": ""}, {"actor_id": 7}, {"name": "a\x00b"}):
        with pytest.raises(InvalidCommand):
            memory_app.forget_person(actor=Cast.admin, **bad)
    assert memory_app.recorder.max_notification_id() == before
    assert memory_app.get_issue(memory_app.ledger()[0].id).responsible_person == "劉"


def test_forgetting_is_recorded_once_under_its_key(memory_app: Any) -> None:
    rectified_issue(memory_app)
    for _ in range(2):
        memory_app.forget_person(actor=Cast.admin, actor_id="resp", command_id="gdpr-1")
    record: PersonalData = memory_app.repository.get(PersonalData.create_id())
    assert record.forgotten == {actor_subject("resp")}
    assert record.version == 2  # started, then forgotten once


def test_a_sealed_name_altered_in_the_store_is_an_integrity_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    app = rectify.connect(url, today=lambda: TODAY)
    rectified_issue(app)
    app.close()
    with intruder(url) as (db, t):
        (state,) = db.execute(
            f"SELECT state FROM {t['events']} WHERE originator_version = 2"
        ).fetchone()
        start = state.index(b'"$sealed":"') + len(b'"$sealed":"')
        flipped = state[:start] + (b"B" if state[start : start + 1] != b"B" else b"C")
        db.execute(
            f"UPDATE {t['events']} SET state = %s WHERE originator_version = 2",
            (flipped + state[start + 1 :],),
        )
    app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
    with pytest.raises(IntegrityError, match="does not open with its key"):
        app.rebuild_views()
    assert not app.verify_integrity(views=False).intact
    app.close()


def test_names_in_a_store_written_before_encryption_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(DATA / "store-v0.1.0.db", path)
    app = rectify.connect(f"sqlite:///{path}", today=lambda: TODAY)
    rows = app.ledger()
    assert rows
    assert all(r.responsible_person != REDACTED for r in rows if r.responsible_person)
    app.close()


def test_two_writers_naming_a_new_person_at_once_agree_on_one_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    apps = [rectify.connect(url, today=lambda: TODAY) for _ in range(4)]
    stores = [a.recorder.key_store() for a in apps]  # type: ignore[attr-defined]
    got: list[object] = []
    named: list[object] = []
    barrier = threading.Barrier(len(stores))

    def make(store: SQLKeyStore) -> None:
        barrier.wait()
        got.append(store.key("actor:new", create=True))
        named.append(store.subject(name_lookup("新人"), create=True))

    threads = [threading.Thread(target=make, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == len(named) == 4
    assert len(set(got)) == 1
    assert isinstance(got[0], bytes)
    assert len(set(named)) == 1  # one random subject for the name, whoever came first
    assert isinstance(named[0], str)
    for a in apps:
        a.close()


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4),
    forget=st.data(),
)
def test_every_name_round_trips_and_only_the_forgotten_are_redacted(
    names: list[str], forget: st.DataObject
) -> None:
    cipher = PersonalCipher(MemoryKeyStore())
    state: dict[str, Any] = {
        "actor": {"id": "a-1", "name": names[0], "unit": "u", "roles": []},
        "person": names[-1],
        "mentors": [{"name": n, "unit": "u", "post": ""} for n in names],
        "title": names[0],
    }
    original = {
        "actor": dict(state["actor"]),
        "person": state["person"],
        "mentors": [dict(m) for m in state["mentors"]],
        "title": state["title"],
    }
    cipher.seal(state)
    assert state["title"] == names[0]  # not a personal field
    assert state["actor"]["name"] != names[0]
    opened = _copy(state)
    cipher.open(opened)
    assert opened == original
    gone = forget.draw(st.sampled_from(names))
    cipher.forget([name_lookup(gone)])
    opened = _copy(state)
    cipher.open(opened)
    assert opened["person"] == (REDACTED if _same(names[-1], gone) else names[-1])
    for mentor, name in zip(opened["mentors"], names, strict=True):
        assert mentor["name"] == (REDACTED if _same(name, gone) else name)
    assert opened["actor"]["name"] == names[0]  # an actor is forgotten by id, not by name


def _same(a: str, b: str) -> bool:
    return name_lookup(a) == name_lookup(b)


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    import json

    copied: dict[str, Any] = json.loads(json.dumps(state))
    return copied


def test_rectify_forget_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    app = rectify.connect(url, today=lambda: TODAY)
    issue = rectified_issue(app)
    app.close()
    refused = run_rectify("forget", "--db", url, "--name", "劉")
    assert refused.returncode == 2
    assert "actor-id" in refused.stdout
    admin = ("--actor-id", "it-1", "--actor-unit", COMMITTEE)
    done = run_rectify("forget", "--db", url, "--name", "劉", "--person-id", "resp", *admin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("forgotten now: 2 person(s) (not counting any forgotten before)")
    assert "views rebuilt from 5 events" in done.stdout
    again = run_rectify("forget", "--db", url, "--name", "劉", *admin)
    assert again.stdout.startswith("forgotten now: 0 person(s)")
    shown = run_rectify("show", str(issue), "--db", url)
    assert REDACTED in shown.stdout
    assert "劉處長" not in shown.stdout
    assert run_rectify("verify", "--db", url).returncode == 0


def test_a_process_that_read_names_before_they_were_forgotten_keeps_them_out_of_the_views(
    persistent_url: str,
) -> None:
    reader = rectify.connect(persistent_url, today=lambda: TODAY)
    issue = rectified_issue(reader)
    assert reader.get_issue(issue).responsible_person == "劉"  # keys and names remembered
    other = rectify.connect(persistent_url, today=lambda: TODAY)
    other.forget_person(actor=Cast.admin, actor_id="resp", name="劉")
    reader.verify(issue, actor=Cast.verifier, on="2019-06-11")  # a new ledger row for the issue
    time.sleep(FORGOTTEN_WITHIN)
    assert reader.get_issue(issue).responsible_person == REDACTED
    assert reader.ledger()[0].responsible_person == REDACTED
    report = other.verify_integrity()  # the shared views equal a replay: no name went back in
    assert report.intact, report.findings
    reader.close()
    other.close()
