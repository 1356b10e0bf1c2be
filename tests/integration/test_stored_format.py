"""Existing stores keep loading: a store written by each release reads the same with today's code.

``tests/data/store-v<version>.db`` was written by that release running ``tests/data/make_store.py``
(0.1.0: commit ad813fd; 0.2.0: chained events, encrypted names, a person forgotten, a
checkpoint; 0.3.0: standing measures and deadlines in words, sources as written, a list naming
its problems' workflow), which also wrote what the release answered about it to
``store-v<version>.expected.json``. Here today's code opens a copy of that store (the committed file
is never opened in place) and must answer the same, asked the same questions by the same
:func:`answers`: the ledger now, on a past date and as published at an earlier position; the
figures and notices; every issue, audit trail and the events feed; the branches and the
lagging-branch board; the problem list's roll-up and the inspection rounds' figures. It must do
so from the views the release left in the file, from views rebuilt by today's code, and it must go on
recording into the old store.

The contract checked: a newer version may add a field to an answer; it may not drop or change
one, nor add, drop or reorder a row. Never regenerate the committed files with newer code.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest

import rectify
from rectify import Actor, Role, Status

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = date(2019, 12, 31)
RELEASES: dict[str, tuple[int, str]] = {
    "0.1.0": (140, "ad813fd"),
    "0.2.0": (145, "cdb549e"),
    "0.3.0": (152, "7eec565"),
}
"""The stores kept: each release's version, with how many events it wrote and from which commit."""

committee = Actor("gw-zhao", "趙主任", "省直機關工委", [Role.VERIFIER])
inspector = Actor("dy-03", "周組長", "省直機關工委", [Role.INSPECTOR])
finance = Actor("cz-liu", "劉處長", "省財政廳", [Role.RESPONSIBLE])
education = Actor("jy-wang", "王處長", "省教育廳", [Role.RESPONSIBLE])


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_store", DATA / "make_store.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _load_script()


@pytest.fixture(scope="module", params=list(RELEASES))
def release(request: pytest.FixtureRequest) -> str:
    version: str = request.param
    return version


def _store(release: str) -> Path:
    return DATA / f"store-v{release}.db"


@pytest.fixture(scope="module")
def recorded(release: str) -> dict[str, Any]:
    expected = DATA / f"store-v{release}.expected.json"
    document: dict[str, Any] = json.loads(expected.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def store(release: str, tmp_path: Path) -> Path:
    copy = tmp_path / _store(release).name
    shutil.copyfile(_store(release), copy)
    return copy


@pytest.fixture
def app(store: Path) -> Iterator[rectify.RectificationApp]:
    opened = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY, create=False)
    yield opened
    opened.close()


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where ``new`` differs from ``old``: a key of ``old`` missing or changed in ``new``, a list
    of another length, a value changed. Keys only ``new`` has (fields added since) are allowed."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key, value in old.items():
            if key not in new:
                found.append(f"{where}.{key}: missing (was {value!r})")
            else:
                found.extend(differences(value, new[key], f"{where}.{key}"))
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(new)} rows, were {len(old)}"]
        found = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found.extend(differences(a, b, f"{where}[{i}]"))
        return found
    if type(old) is not type(new) or old != new:
        return [f"{where}: {new!r}, was {old!r}"]
    return []


def assert_same_answers(app: rectify.RectificationApp, recorded: dict[str, Any]) -> None:
    now = SCRIPT.answers(app, recorded["ids"])
    assert set(now) == set(recorded["answers"])
    found = differences(recorded["answers"], now)
    written_by = recorded["written_by"]["rectify"]
    assert not found, f"{len(found)} differences from {written_by}:\n" + "\n".join(found[:40])


def test_the_committed_store_is_one_self_contained_file(
    release: str, recorded: dict[str, Any]
) -> None:
    store = _store(release)
    assert not Path(f"{store}-wal").exists() and not Path(f"{store}-shm").exists()
    assert store.stat().st_size < 1_000_000
    db = sqlite3.connect(f"file:{store}?mode=ro&immutable=1", uri=True)  # writes nothing beside
    try:
        (events,) = db.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    finally:
        db.close()
    count, commit = RELEASES[release]
    assert events == recorded["written_by"]["events"] == count
    assert recorded["written_by"]["rectify"] == release
    assert recorded["written_by"]["commit"].startswith(commit)


def test_the_history_is_as_varied_as_promised(release: str, recorded: dict[str, Any]) -> None:
    ledger = recorded["answers"]["ledger"]
    assert len(ledger) == len(recorded["ids"]["issues"]) == (33 if release >= "0.3.0" else 30)
    assert {r["status"] for r in ledger} == {s.value for s in Status}
    if release >= "0.3.0":  # deadlines in words, sources as written, a list naming its rules
        assert {r["deadline_words"] for r in ledger} >= {"長期堅持", "立行立改"}
        assert {r["source_words"] for r in ledger} >= {"主題教育調研檢視", "省委巡視反饋"}
    assert {r["mode"] for r in ledger} == {None, "on_the_spot", "central", "within_deadline"}
    workflows = {r["workflow"] for r in ledger}
    assert "issue/1" in workflows
    each_release = {  # each release's current workflow, and 0.3.0's list naming issue/2
        "0.1.0": {"issue/1", "issue/2"},
        "0.2.0": {"issue/1", "issue/3"},
        "0.3.0": {"issue/1", "issue/2", "issue/3"},
    }
    assert workflows == each_release[release]
    for field in ("overdue", "rectified_late", "rejections", "reopenings", "extensions"):
        assert any(r[field] for r in ledger), field
    answers = recorded["answers"]
    assert len(answers["ledger_past_as_published"]) < len(answers["ledger_past"])  # 補錄
    actions = {e["action"] for e in answers["events"]}
    assert {
        "add_measure",
        "complete_measure",
        "delist",
        "mark_ready",
        "reject_delisting",
    } <= actions
    assert any(f["now"]["relapses"] for f in answers["round_figures"].values())


def test_todays_code_reads_the_old_store_the_same(
    app: rectify.RectificationApp, recorded: dict[str, Any]
) -> None:
    assert app.pending_events() == 0  # the views the release left are read as they are
    assert_same_answers(app, recorded)
    assert app.run_policies() == 0  # the readiness policy reads on from where it was left


def test_views_rebuilt_by_todays_code_answer_the_same(
    app: rectify.RectificationApp, recorded: dict[str, Any]
) -> None:
    assert app.rebuild_views() == recorded["written_by"]["events"]
    assert_same_answers(app, recorded)


def test_reading_and_rebuilding_leave_the_events_as_they_were(
    store: Path, recorded: dict[str, Any]
) -> None:
    def events() -> list[tuple[Any, ...]]:
        db = sqlite3.connect(store)
        try:
            return db.execute("SELECT * FROM stored_events ORDER BY rowid").fetchall()
        finally:
            db.close()

    before = events()
    opened = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY)
    try:
        opened.rebuild_views()
        SCRIPT.answers(opened, recorded["ids"])
    finally:
        opened.close()
    assert events() == before


def test_new_commands_append_to_the_old_store(store: Path, recorded: dict[str, Any]) -> None:
    app = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY)
    try:
        written = _append(app, recorded)
    finally:
        app.close()

    ids = recorded["ids"]
    reopened = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY)
    try:
        assert reopened.pending_events() == 0
        assert reopened.rebuild_views() == written + 6
        assert len(reopened.ledger()) == len(ids["issues"]) + 1
        # What had been recorded by the published position is still answered as it was then.
        answers = recorded["answers"]
        as_published = reopened.ledger(as_of=SCRIPT.PAST, known_at=ids["published"])
        assert not differences(answers["ledger_past_as_published"], SCRIPT.rows_json(as_published))
        as_known = reopened.ledger(as_of=SCRIPT.PAST, known_at=written)
        assert not differences(answers["ledger_past"], SCRIPT.rows_json(as_known))
    finally:
        reopened.close()


def _append(app: rectify.RectificationApp, recorded: dict[str, Any]) -> int:
    """Record six events of new and old issues and a branch; returns how many the release wrote."""
    ids = recorded["ids"]
    issues = recorded["answers"]["issues"]

    def one(status: str, workflow: str | None = None, unit: str | None = None) -> UUID:
        """An issue in ``status``, under ``workflow`` (by default the release's own)."""
        return next(
            UUID(i)
            for i in ids["issues"]
            if issues[i]["status"] == status
            and (
                issues[i]["workflow"] != "issue/1"
                if workflow is None
                else issues[i]["workflow"] == workflow
            )
            and (unit is None or issues[i]["unit"] == unit)
        )

    new = app.record_issue(
        actor=inspector,
        title="新發現:黨員教育管理不到位",
        unit="省財政廳",
        source="inspection",
        on="2019-12-30",
        command_id="after-0.1/1",
    )
    app.assign(
        new,
        actor=committee,
        unit="省財政廳",
        person="劉處長",
        deadline="2020-03-31",
        measures=["制定計劃"],
        on="2019-12-31",
        command_id="after-0.1/2",
    )
    rectified = one("rectified")  # rectified on the spot by its unit, by the release
    app.verify(rectified, actor=committee, on="2019-12-31")
    verified_old = one("verified", workflow="issue/1")
    app.close_out(verified_old, actor=committee, on="2019-12-31")
    found = one("found", unit="省教育廳")
    app.rectify_on_the_spot(found, actor=education, summary="已整改", on="2019-12-31")
    textbooks = ids["branches"]["JY-02"]
    app.record_election(textbooks, actor=committee, held_on="2019-12-31", on="2019-12-31")

    assert app.get_issue(new).status is Status.ASSIGNED
    assert app.get_issue(rectified).status is Status.VERIFIED
    assert app.get_issue(verified_old).status is Status.CLOSED_OUT
    assert app.get_issue(verified_old).workflow == "issue/1"
    assert app.get_issue(found).status is Status.RECTIFIED
    assert not app.get_branch(textbooks).election_overdue
    assert len(app.ledger()) == len(ids["issues"]) + 1
    assert [e.action for e in app.audit_trail(new)] == ["record", "assign"]
    written = int(recorded["written_by"]["events"])
    assert [e.position for e in app.events_since(written)] == list(range(written + 1, written + 7))
    return written


def test_the_old_store_verifies_intact(
    release: str, app: rectify.RectificationApp, recorded: dict[str, Any]
) -> None:
    """0.1.0 wrote no chain: its events are sealed as found. 0.2.0 chained every event, sealed
    the log and forgot a person: everything verifies against what it wrote."""
    report = app.verify_integrity()
    assert report.intact, report.findings
    assert report.events == recorded["written_by"]["events"]
    if release == "0.1.0":
        assert report.adopted_up_to == report.events
        assert report.checkpoints == 0
    else:
        assert report.adopted_up_to is None
        assert report.checkpoints == 1
        assert report.unsealed == 2  # the checkpoint stream, started and sealed
