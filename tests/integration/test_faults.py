"""Nothing lost under load and faults (issue 10): several processes writing to the same issues,
several catching the views up at once, an import and a catch-up killed with SIGKILL part-way.

Each test runs on an SQLite file and on PostgreSQL (``persistent_url``). Processes are spawned
and report through a queue, each worker even when it fails to connect; every wait is bounded.
Afterwards the store is checked against the invariant catalogue: every accepted command's event
stored once, the views equal to a replay of the log, each event in the audit trail once.
"""

from __future__ import annotations

import csv
import multiprocessing
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

import rectify
from rectify import Actor, Role
from rectify.application.plumbing import PAGE
from rectify.domain.issue import Issue
from rectify.errors import ConcurrencyConflict
from rectify.testing.invariants import (
    all_logged_events,
    check_issue,
    ledger_equals_replay,
    logged_events,
)
from tests.conftest import TODAY, UNIT, Cast

WAIT = 90
"""Seconds any one wait of the parent (a worker's report, a marker, an exit) may take at most."""

IMPORTER = Actor("importer", "臺賬導入", "省直機關工委", [Role.VERIFIER])

HEADER = [
    "序號", "問題描述", "問題來源", "問題類別", "責任單位", "責任人", "整改措施", "整改類型",
    "整改時限", "整改進展", "狀態", "是否銷號", "銷號日期", "備註", "發現日期", "整改日期",
]  # fmt: skip


def write_ledger(path: Path, rows: int) -> Path:
    """A legacy ledger of ``rows`` problems, half rectified, half assigned (none closed out, so
    no policy projects on its own and every projected event can be counted)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(1, rows + 1):
            if n % 2:
                out.writerow([
                    n, f"第{n}項：三會一課記錄不規範", "巡查", "組織生活", "省財政廳", "劉處長",
                    "制定方案", "限期整改", "2019-09-30", "已完成", "已整改", "否", "", "",
                    "2019-06-01", "2019-07-20",
                ])  # fmt: skip
            else:
                out.writerow([
                    n, f"第{n}項：黨費收繳不及時", "考核", "黨員管理", "省教育廳", "陳書記",
                    "啟動整改", "限期整改", "2019-10-31", "籌備中", "已交辦", "否", "", "",
                    "2019-06-05", "",
                ])  # fmt: skip
    return path


def reports(out: Any, count: int) -> list[Any]:
    """``count`` reports from the workers' queue, each within the bounded wait."""
    return [out.get(timeout=WAIT) for _ in range(count)]


def join(procs: list[Any]) -> None:
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():  # pragma: no cover - a worker that reported but hangs on exit
            p.kill()


def positions_are_whole(app: rectify.RectificationApp, url: str) -> list[tuple[int, Any]]:
    """The log, checked: notification ids increase, and on SQLite run 1, 2, 3 … with no gap
    (PostgreSQL's sequences may skip the ids of a rolled-back transaction)."""
    log = all_logged_events(app)
    ids = [p for p, _ in log]
    assert ids == sorted(set(ids))
    if url.startswith("sqlite"):
        assert ids == list(range(1, len(ids) + 1)), "a gap in the notification ids"
    return log


def views_equal_a_replay(
    app: rectify.RectificationApp,
    issues: list[UUID],
    days: tuple[date, ...] = (date(2019, 7, 31), TODAY),
) -> None:
    """The ledger and figures on ``days``, and the given issues' as-of views and audit trails,
    equal a replay of the log; the audit trail holds every event of the log once."""
    everything = all_logged_events(app)
    log = [(p, e) for p, e in everything if isinstance(e, Issue.Event)]
    for day in days:
        ledger_equals_replay(app, day, None, log)
    for ident in issues:
        check_issue(app, ident)
    audit = [e.position for e in app.events_since(0)]
    assert audit == [p for p, _ in everything], "an event projected twice, or never"


# ---------------------------------------------------------------- writers racing on the same issues

WRITERS = 4
ROUNDS = 9
ISSUES = 3


def _give_commands(url: str, worker: int, issues: list[str], barrier: Any, out: Any) -> None:
    """Each round every writer loads the round's issue, waits until all have loaded it, and then
    saves: exactly one can win, the others must get ConcurrencyConflict, and get through with
    :func:`rectify.retrying`. Then a read catches the views up, racing the others' catch-ups."""
    results: list[tuple[str, str, int]] = []
    app = None
    try:
        app = rectify.connect(url, today=lambda: TODAY)
        together = [True]
        load = app._load

        def loaded_together(ident: UUID) -> Issue:
            issue = load(ident)
            if together[0]:
                barrier.wait(timeout=WAIT)
            return issue

        app._load = loaded_together  # type: ignore[method-assign,assignment]
        for r in range(ROUNDS):
            target = issues[r % ISSUES]
            key = f"w{worker}-r{r}"
            give: Callable[[], None]
            if r % 2:
                give = partial(
                    app.add_measure, target, actor=Cast.verifier, text=f"措施 {key}",
                    on="2019-06-10", command_id=key,
                )  # fmt: skip
            else:
                give = partial(
                    app.report_progress, target, actor=Cast.responsible, text=f"進展 {key}",
                    on="2019-06-10", command_id=key,
                )  # fmt: skip
            together[0] = True
            try:
                give()
            except ConcurrencyConflict:
                together[0] = False
                tries = [0]

                def again(give: Callable[[], None] = give, tries: list[int] = tries) -> None:
                    tries[0] += 1
                    give()

                try:
                    rectify.retrying(again, attempts=12)
                except ConcurrencyConflict:
                    results.append(("gave up", key, tries[0]))
                else:
                    results.append(("retried", key, tries[0]))
            else:
                results.append(("won", key, 0))
            together[0] = False
            rectify.retrying(partial(app.get_issue, target), attempts=12)
    except Exception as e:  # anything untyped, or any failure at all, fails the test
        barrier.abort()
        results.append(("error", f"{type(e).__name__}: {e}", 0))
    finally:
        if app is not None:
            app.close()
        out.put(results)


def test_writers_racing_on_the_same_issues_lose_nothing(persistent_url: str) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    issues = []
    for n in range(ISSUES):
        ident = app.record_issue(
            actor=Cast.inspector, title=f"爭用問題 {n}", unit=UNIT, source="inspection",
            on="2019-06-01",
        )  # fmt: skip
        app.assign(
            ident, actor=Cast.verifier, unit=UNIT, person="劉處長", deadline="2019-09-30",
            on="2019-06-02",
        )  # fmt: skip
        issues.append(ident)
    app.close()

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(WRITERS)
    procs = [
        ctx.Process(
            target=_give_commands, args=(persistent_url, w, [str(i) for i in issues], barrier, out)
        )
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    results = [r for report in reports(out, WRITERS) for r in report]
    join(procs)

    assert [r for r in results if r[0] in ("error", "gave up")] == []
    outcomes = Counter(status for status, _, _ in results)
    assert len(results) == WRITERS * ROUNDS
    # All loaded the same version, so at most one save a round can win: the rest conflicted,
    # typed, and got through when given again.
    assert outcomes["won"] <= ROUNDS
    assert outcomes["retried"] == WRITERS * ROUNDS - outcomes["won"] >= ROUNDS * (WRITERS - 1)
    print(
        f"\n{persistent_url.split(':')[0]}: {WRITERS} writers x {ROUNDS} rounds: "
        f"{outcomes['won']} won their race, {outcomes['retried']} conflicted and got through "
        f"in {sum(t for s, _, t in results if s == 'retried')} retries "
        f"(at most {max((t for _, _, t in results), default=0)})"
    )

    app = rectify.connect(persistent_url, today=lambda: TODAY)
    try:
        log = positions_are_whole(app, persistent_url)
        given = Counter(
            e.command_id
            for _, e in log
            if isinstance(e, Issue.ProgressReported | Issue.MeasureAdded)
        )
        keys = {key for _, key, _ in results}
        assert set(given) == keys, "an accepted command is not stored"
        assert set(given.values()) == {1}, "a command is stored twice"
        assert len(log) == 2 * ISSUES + WRITERS * ROUNDS
        views_equal_a_replay(app, issues)
        chained = app.verify_integrity()  # four writers at once left one unbroken chain
        assert chained.intact, chained.findings
        assert chained.events == len(log)
    finally:
        app.close()


# ---------------------------------------------------------------- catching the views up at once

CATCHERS = 2
BACKLOG_ROWS = 600
LIVE_WRITES = 40


def _catch_up(url: str, barrier: Any, out: Any) -> None:
    """Catch the views up from where another process left them, when all have started."""
    report: tuple[str, int, str] = ("catch-up", 0, "")
    try:
        app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
        try:
            barrier.wait(timeout=WAIT)
            report = ("catch-up", app.catch_up(), "")
        finally:
            app.close()
    except Exception as e:
        barrier.abort()
        report = ("catch-up", 0, f"{type(e).__name__}: {e}")
    out.put(report)


def _write_meanwhile(url: str, barrier: Any, out: Any) -> None:
    """Record and assign problems while the others catch up (never reading the views)."""
    report: tuple[str, int, str] = ("writer", 0, "")
    try:
        app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
        try:
            barrier.wait(timeout=WAIT)
            for n in range(LIVE_WRITES // 2):
                ident = app.record_issue(
                    actor=Cast.inspector, title=f"新問題 {n}", unit=UNIT, source="inspection",
                    on="2019-07-01", command_id=f"live-{n}",
                )  # fmt: skip
                app.assign(
                    ident, actor=Cast.verifier, unit=UNIT, person="劉處長",
                    deadline="2019-09-30", on="2019-07-02", command_id=f"live-assign-{n}",
                )  # fmt: skip
            report = ("writer", LIVE_WRITES, "")
        finally:
            app.close()
    except Exception as e:
        barrier.abort()
        report = ("writer", 0, f"{type(e).__name__}: {e}")
    out.put(report)


def test_two_processes_catching_up_the_same_backlog_project_each_event_once(
    persistent_url: str, tmp_path: Path
) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    app.import_ledger(write_ledger(tmp_path / "臺賬.csv", BACKLOG_ROWS), actor=IMPORTER)
    backlog = app.pending_events()
    assert backlog == (app.recorder.max_notification_id() or 0) > 2 * BACKLOG_ROWS
    app.close()

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(CATCHERS + 1)
    procs = [ctx.Process(target=_catch_up, args=(persistent_url, barrier, out)) for _ in range(2)]
    procs.append(ctx.Process(target=_write_meanwhile, args=(persistent_url, barrier, out)))
    for p in procs:
        p.start()
    got = reports(out, CATCHERS + 1)
    join(procs)
    assert [(who, failure) for who, _, failure in got if failure] == []
    projected = [n for who, n, _ in got if who == "catch-up"]

    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    try:
        rest = app.catch_up()  # what the writer recorded after the catch-ups had finished
        log = positions_are_whole(app, persistent_url)
        assert len(log) == backlog + LIVE_WRITES
        # Each batch was written by one process only: the counts add up to the log, exactly.
        assert sum(projected) + rest == len(log), (projected, rest, len(log))
        print(f"\nprojected by each: {projected}, then {rest}; {len(log)} events in the log")
        issues = list(dict.fromkeys(e.originator_id for _, e in logged_events(app)))
        views_equal_a_replay(app, issues[:5] + issues[-5:])
    finally:
        app.close()


# ---------------------------------------------------------------- SIGKILL part-way

ROWS = 2_000
IMPORTED_BEFORE = 300

_KILLED_IMPORT = """
    import sys, time
    from pathlib import Path
    import rectify
    from rectify import Actor, Role

    url, ledger, marker = sys.argv[1:4]
    app = rectify.connect(url, catch_up=False)
    recorder = type(app.recorder)

    def pause(written):
        Path(marker).write_text(str(written))  # the parent kills this process now
        time.sleep(60)

    if hasattr(recorder, "_chunks"):  # PostgreSQL: the save goes in bounded statements
        recorder.chunk_events = 500
        chunks = recorder._chunks

        def paced(self, events):
            for n, chunk in enumerate(chunks(self, events)):
                if n == 2:
                    pause(1000)  # two statements of the transaction sent, the rest not
                yield chunk

        recorder._chunks = paced
    else:  # SQLite: one INSERT an event
        insert = recorder._insert_events

        def paced(self, c, events, **kwargs):
            half = len(events) // 2
            ids = list(insert(self, c, events[:half], **kwargs) or [])
            pause(half)  # half the events inserted in the open transaction
            return ids + list(insert(self, c, events[half:], **kwargs) or [])

        recorder._insert_events = paced
    actor = Actor("importer", "臺賬導入", "省直機關工委", [Role.VERIFIER])
    app.import_ledger(Path(ledger), actor=actor)
    print("finished: not killed")
"""

_KILLED_CATCH_UP = """
    import sys, time
    from pathlib import Path
    import rectify

    url, marker = sys.argv[1:3]
    app = rectify.connect(url, catch_up=False)
    batches = []

    def progress(n):
        batches.append(n)
        if len(batches) == 2:  # the first batch projected and tracked, the second read
            Path(marker).write_text(str(batches[0]))
            time.sleep(60)

    app.catch_up(progress=progress)
    print("finished: not killed")
"""


def spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_marked(proc: subprocess.Popen[str], marker: Path) -> str:
    """SIGKILL ``proc`` once it has written ``marker``; what it wrote there. Fails when it
    exits first, or writes nothing within the bounded wait."""
    deadline = time.monotonic() + WAIT
    while not marker.exists() or not marker.read_text():
        if proc.poll() is not None:
            out, err = proc.communicate(timeout=WAIT)
            pytest.fail(f"it exited ({proc.returncode}) before the kill: {out[-500:]}{err[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no marker within {WAIT} s")
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL
    return marker.read_text()


def test_an_import_and_a_catch_up_killed_part_way_leave_a_consistent_store(
    persistent_url: str, tmp_path: Path
) -> None:
    """An import killed in the middle of its transaction stores nothing; a catch-up killed
    after its first batch leaves the views tracked there, and the next one continues; the same
    import run again completes, with no row twice."""
    ledger = write_ledger(tmp_path / "臺賬.csv", ROWS)
    (tmp_path / "earlier").mkdir()  # the same ledger (rows match by its name and 序號), shorter
    earlier = write_ledger(tmp_path / "earlier" / "臺賬.csv", IMPORTED_BEFORE)
    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    try:
        first = app.import_ledger(earlier, actor=IMPORTER)  # nobody has read the views since
        per_row = first.events // IMPORTED_BEFORE  # every row of this ledger makes as many
        assert first.events == per_row * IMPORTED_BEFORE == app.recorder.max_notification_id()
        assert first.events > PAGE, "a catch-up of these events must take more than one batch"
    finally:
        app.close()

    written = kill_when_marked(
        spawn(_KILLED_IMPORT, persistent_url, str(ledger), str(tmp_path / "saving")),
        tmp_path / "saving",
    )
    tracked_at_kill = int(
        kill_when_marked(
            spawn(_KILLED_CATCH_UP, persistent_url, str(tmp_path / "projecting")),
            tmp_path / "projecting",
        )
    )

    app = rectify.connect(persistent_url, today=lambda: TODAY, catch_up=False)
    try:
        log = positions_are_whole(app, persistent_url)
        assert len(log) == first.events, f"{len(log)} events stored: part of the killed import"
        tracked = app.views.max_tracking_id(app.name) or 0
        assert 0 < tracked == tracked_at_kill < len(log)  # the batch being written left nothing
        intact = app.verify_integrity()  # the chain of what is stored, the views so far
        assert intact.intact, intact.findings
        assert intact.events == len(log)
        rest = rectify.retrying(app.catch_up)
        assert tracked + rest == len(log)
        views_equal_a_replay(app, [log[0][1].originator_id], days=(TODAY,))

        again = rectify.retrying(partial(app.import_ledger, ledger, actor=IMPORTER))
        assert (len(again.new), len(again.unchanged)) == (ROWS - IMPORTED_BEFORE, IMPORTED_BEFORE)
        log = positions_are_whole(app, persistent_url)
        issues = list(dict.fromkeys(e.originator_id for _, e in log))
        assert len(issues) == ROWS, "an issue is missing, or imported twice"
        assert len(log) == per_row * ROWS
        assert app.catch_up() == again.events == per_row * (ROWS - IMPORTED_BEFORE)
        assert len(app.ledger()) == ROWS
        views_equal_a_replay(app, issues[:2] + issues[-2:])
        assert app.verify_integrity().intact
        print(
            f"\nkilled with {written} of {per_row * (ROWS - IMPORTED_BEFORE)} events written, "
            f"and with {tracked} of {first.events} projected; {len(log)} events after the import"
        )
    finally:
        app.close()
